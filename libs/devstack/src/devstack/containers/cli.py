"""`devstack compose-up` / `compose-down`: the compose stack for a person on this machine.

The same stack as `docker compose -f compose/compose.yaml up --build`, with stand-in images where
none can be pulled, the engine started if none runs, and every published port on 127.0.0.1
(ingress 8080, admin and UI 9070), so `uv run client` works against it unchanged. A dockerd
started by compose-up keeps running for the stack; compose-down stops it again.
"""

import argparse
import os
from pathlib import Path

from ..credentials import write_compose_env
from ..errors import StackError
from ..paths import repo_root
from .engine import Engine
from .stack import ContainerStack

# The published ports and their AIRLINE_* variables (compose.yaml), as a person reads them.
ADDRESSES = (
    ("ingress", "AIRLINE_INGRESS_PORT", "8080", ""),
    ("admin API", "AIRLINE_ADMIN_PORT", "9070", ""),
    ("Restate UI", "AIRLINE_ADMIN_PORT", "9070", "/ui/"),
    ("Jaeger API", "AIRLINE_JAEGER_PORT", "16686", "/api/services"),
    ("Prometheus", "AIRLINE_PROMETHEUS_PORT", "9090", "/targets"),
    ("Grafana", "AIRLINE_GRAFANA_PORT", "3000", ""),
)


def add_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """The compose-up and compose-down subcommands."""
    up = commands.add_parser("compose-up", help="the compose stack in containers (detached)")
    up.add_argument(
        "--scale",
        action="append",
        default=[],
        metavar="SERVICE=N",
        help="replicas of a service, e.g. --scale seating=3 (repeatable)",
    )
    commands.add_parser(
        "compose-secrets", help="generate compose/.secrets (airline.env) if missing"
    )
    down = commands.add_parser("compose-down", help="stop the compose stack (keeps its data)")
    down.add_argument("-v", "--volumes", action="store_true", help="delete its data too")


def _pid_file(stack: ContainerStack) -> Path:
    return stack.work_dir / "dockerd.pid"


def _scale(pairs: list[str]) -> dict[str, int]:
    scale = {}
    for pair in pairs:
        service, sep, count = pair.partition("=")
        if not sep or not count.isdigit():
            raise StackError(f"--scale takes SERVICE=N, not {pair!r}")
        scale[service] = int(count)
    return scale


def compose_secrets(args: argparse.Namespace | None = None) -> int:
    """Generate the compose stack's secrets once (compose/.secrets, 0600); print where."""
    directory = repo_root() / "compose" / ".secrets"
    write_compose_env(directory)
    print(f"compose secrets: {directory} (the client: AIRLINE_SECRETS_DIR={directory})")
    return 0


def compose_up(args: argparse.Namespace) -> int:
    """Bring the stack up detached; print where things are."""
    scale = _scale(args.scale)
    compose_secrets()
    # Local only by default; a variable already set (another port, another address) wins.
    stack = ContainerStack(
        env={"AIRLINE_INGRESS_BIND": os.environ.get("AIRLINE_INGRESS_BIND", "127.0.0.1")}
    )
    stack.prepare()
    if stack.engine is not None and stack.engine.pid is not None:
        _pid_file(stack).write_text(f"{stack.engine.pid}\n")
    stack.up(scale=scale)
    print("compose stack is up:")
    for role, variable, default, path in ADDRESSES:
        service = "grafana" if role == "Grafana" else ""
        if service in stack.skipped:
            print(f"  {role:<11} not run here (no image: see compose/standins/README.md)")
            continue
        print(f"  {role:<11} http://127.0.0.1:{os.environ.get(variable, default)}{path}")
    print('try: uv run client "can you send me an invoice for booking AB4568, last name Lovelace?"')
    print("stop: make compose-down (add -v to drop the data: uv run devstack compose-down -v)")
    return 0


def compose_down(args: argparse.Namespace) -> int:
    """Stop the stack; stop dockerd too if compose-up started it."""
    stack = ContainerStack()
    project = stack.attach()
    if project is not None:
        stack.down(volumes=args.volumes)
        project.close()
    pid_file = _pid_file(stack)
    if pid_file.is_file():
        pid = int(pid_file.read_text().strip() or 0)
        comm = Path(f"/proc/{pid}/comm")
        if pid and comm.is_file() and comm.read_text().strip() == "dockerd":
            Engine(pid=pid).stop()
        pid_file.unlink()
    print("compose stack stopped" + (" and its data deleted" if args.volumes else ""))
    return 0
