"""`devstack up` runs the local stack until Ctrl-C; `devstack demo` shows it surviving a crash."""

import argparse
import logging
import os
import shutil
import signal
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from types import FrameType

from .config import CLUSTER_SIZES, DEFAULT_SERVICES, StackConfig, cluster_node_ports
from .containers import cli as containers_cli
from .demo import run_demo
from .errors import StackError
from .logs import LogSink
from .paths import repo_root
from .stack import Stack
from .supervise import Supervisor

logger = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    """The command line: one `up` command with its options."""
    parser = argparse.ArgumentParser(prog="devstack", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="run restate-server and the services in the foreground")
    up.add_argument(
        "--data-dir",
        type=Path,
        help="restate data (default: <repo>/.stack/restate, with --nodes: <repo>/.stack/cluster)",
    )
    up.add_argument("--fresh", action="store_true", help="delete the data dir first")
    up.add_argument("--no-seed", action="store_true", help="skip seeding the domain data")
    up.add_argument("--ingress-port", type=int, default=8080)
    up.add_argument("--admin-port", type=int, default=9070)
    up.add_argument("--node-port", type=int, default=5122)
    up.add_argument(
        "--nodes",
        type=int,
        default=1,
        choices=CLUSTER_SIZES,
        help="restate-server nodes; 3 or more form a cluster with replication 2 (default: 1)",
    )
    for spec in DEFAULT_SERVICES:
        up.add_argument(f"--{spec.name}-port", type=int, default=spec.port)
    up.add_argument(
        "--workers",
        type=int,
        help="hypercorn worker processes per service (env WORKERS; default: 1)",
    )
    demo = commands.add_parser("demo", help="a conversation with a crash, on its own ports")
    demo.add_argument("--data-dir", type=Path, help="restate data (default: <repo>/.stack/demo)")
    containers_cli.add_commands(commands)
    return parser


def _config(args: argparse.Namespace) -> StackConfig:
    """The stack config described by the command line, logging to stdout with prefixes."""
    # A cluster's data never mixes with the single node's: a node provisioned alone stays so.
    default_dir = "cluster" if args.nodes > 1 else "restate"
    data_dir: Path = args.data_dir or repo_root() / ".stack" / default_dir
    services = tuple(
        replace(spec, port=getattr(args, f"{spec.name}_port")) for spec in DEFAULT_SERVICES
    )
    return StackConfig(
        data_dir=data_dir.resolve(),
        ingress_port=args.ingress_port,
        admin_port=args.admin_port,
        node_port=args.node_port,
        more_nodes=tuple(cluster_node_ports(n) for n in range(2, args.nodes + 1)),
        services=services,
        seed=not args.no_seed,
        service_env={} if args.workers is None else {"WORKERS": str(args.workers)},
        otlp_endpoint=os.environ.get("STACK_OTLP_ENDPOINT") or None,
        logs=LogSink(echo=sys.stdout),
    )


def _banner(stack: Stack) -> str:
    """Where things are, printed once the stack is up."""
    if stack.is_cluster:
        restate = [
            f"  cluster     {len(stack.nodes)} nodes, replication {stack.config.replication}",
            *(
                f"  node {n.node_name:<6} ingress {n.ingress_url}  admin {n.admin_url}  "
                f"node {n.node_url}  (pid {n.pid})"
                for n in stack.nodes
            ),
            f"  Restate UI  {stack.ui_url} (every node's admin serves it)",
            f"  client      RESTATE_INGRESS_URL={','.join(stack.ingress_urls)}",
            "  restatectl  npx restatectl --address="
            + ",".join(n.node_url for n in stack.nodes)
            + " status",
        ]
    else:
        restate = [
            f"  ingress     {stack.ingress_url}",
            f"  admin API   {stack.admin_url}",
            f"  Restate UI  {stack.ui_url}",
            f"  metrics     {stack.metrics_url}",
        ]
    lines = [
        "",
        "stack is up:",
        *restate,
        *(f"  {name:<11} {svc.url}  (pid {svc.pid})" for name, svc in stack.services.items()),
        *(
            f"  {name:<11} {svc.metrics_url}"
            for name, svc in stack.services.items()
            if svc.metrics_url is not None
        ),
        f"  traces      {stack.config.otlp_endpoint or 'off (set STACK_OTLP_ENDPOINT)'}",
        f"  data        {stack.config.data_dir}",
        f"  secrets     {stack.secrets.directory} (0600; the client: "
        f"AIRLINE_SECRETS_DIR={stack.secrets.directory})",
        "press Ctrl-C to stop",
        "",
    ]
    return "\n".join(lines)


def _run_until_signalled(stack: Stack) -> int:
    """Watch the children until SIGINT/SIGTERM; exit status 1 if restate-server dies."""
    stop = threading.Event()

    first: list[float] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()
        # `uv run` forwards the terminal's Ctrl-C, so one press arrives twice: ignore repeats
        # within a second; a later Ctrl-C interrupts the shutdown (and the rest is SIGKILLed).
        if not first:
            first.append(time.monotonic())
        elif time.monotonic() - first[0] > 1.0:
            raise KeyboardInterrupt

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    reported: set[str] = set()
    # A crashed service is started again with backoff (Restate retries its invocations).
    services = Supervisor(
        {f"service {name}": svc for name, svc in stack.services.items()},
        say=lambda line: print(line, file=sys.stderr, flush=True),
    )
    while not stop.wait(0.5):
        if not any(node.running for node in stack.nodes):
            print("devstack: restate-server exited; stopping", file=sys.stderr, flush=True)
            return 1
        services.check()
        # Reported, not fatal: killing one node of a cluster to watch it recover is the point.
        if stack.is_cluster:
            for node in stack.nodes:
                what = f"restate-server node {node.node_name}"
                if not node.running and what not in reported:
                    reported.add(what)
                    print(f"devstack: {what} exited", file=sys.stderr, flush=True)
                elif node.running:
                    reported.discard(what)
    return 0


def up(args: argparse.Namespace) -> int:
    """Run the stack in the foreground; stop it cleanly on Ctrl-C or SIGTERM."""
    config = _config(args)
    if args.fresh and config.data_dir.exists():
        shutil.rmtree(config.data_dir)
    stack = Stack(config)
    # SIGTERM during startup must still stop the children: turn it into an exception.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        stack.start()
    except KeyboardInterrupt:
        return 0
    try:
        print(_banner(stack), flush=True)
        return _run_until_signalled(stack)
    finally:
        print("devstack: stopping", file=sys.stderr, flush=True)
        try:
            stack.stop()
        except KeyboardInterrupt:
            print("devstack: interrupted again; killing what is left", file=sys.stderr)
            stack.kill()


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `devstack` console script."""
    logging.basicConfig(level=logging.WARNING, format="devstack: %(message)s")
    args = _parser().parse_args(argv)
    try:
        if args.command == "demo":
            status = run_demo(args.data_dir)
        elif args.command == "compose-up":
            status = containers_cli.compose_up(args)
        elif args.command == "compose-secrets":
            status = containers_cli.compose_secrets(args)
        elif args.command == "compose-down":
            status = containers_cli.compose_down(args)
        else:
            status = up(args)
    except (StackError, TimeoutError) as error:
        print(f"devstack: {error}", file=sys.stderr)
        status = 1
    sys.exit(status)


if __name__ == "__main__":
    main()
