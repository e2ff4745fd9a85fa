"""The compose stack in real containers (`make test-compose`): engine, images, one project per run.

The Docker engine and docker-compose are installed from Debian's packages and started when
missing; a dockerd started here is stopped at the end, one that already ran is left alone.
Images are used as they are when present, pulled when a registry answers, else built as
stand-ins (compose/standins). Each run is its own compose project (a unique name: no clash with
a person's `make compose-up` or another run), every published port on 127.0.0.1 and a free
port, moved there by the AIRLINE_*_PORT variables compose.yaml reads. test-knobs.yaml adds the
test settings (a slower offline model, work delays, fast span export) on top of the real file.
"""

import logging
import subprocess
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from devstack import wait_for
from devstack.containers import ComposeProject, Engine, ensure_engine
from devstack.containers.stack import ContainerStack
from devstack.credentials import StackSecrets, write_compose_env
from devstack.ports import free_ports

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "compose" / "compose.yaml"
CLUSTER_FILE = ROOT / "compose" / "cluster.yaml"
KNOBS_FILE = Path(__file__).parent / "test-knobs.yaml"
# Where compose.yaml's env_file finds the stack's secrets (what `make compose-up` generates).
SECRETS_DIR = ROOT / "compose" / ".secrets"
CLUSTER_KNOBS_FILE = Path(__file__).parent / "test-knobs-cluster.yaml"
# The published ports, by the variable compose.yaml reads for each.
PORT_VARIABLES = (
    "AIRLINE_INGRESS_PORT",
    "AIRLINE_ADMIN_PORT",
    "AIRLINE_JAEGER_PORT",
    "AIRLINE_OTLP_GRPC_PORT",
    "AIRLINE_OTLP_HTTP_PORT",
    "AIRLINE_PROMETHEUS_PORT",
    "AIRLINE_GRAFANA_PORT",
)
# Where compose mounts restate-server's request-identity private key (compose.yaml `secrets`),
# and the content type of an invocation, what restate-server sends to a service.
IDENTITY_KEY = "/run/secrets/restate-identity-key"
INVOCATION = "content-type: application/vnd.restate.invocation.v5"
# Generous: the machine is shared, a cold build and a loaded CPU are slow, not wrong.
HTTP_TIMEOUT_S = 120.0
QUERY_RETRY_S = 120.0


@pytest.fixture(scope="session", autouse=True)
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A Docker engine for the session: the running one, or dockerd installed and started."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    running = ensure_engine(tmp_path_factory.mktemp("engine") / "dockerd.log")
    yield running
    running.stop()  # only if this session started it


@dataclass
class RunningStack:
    """A compose project that is up, and its addresses on 127.0.0.1."""

    stack: ContainerStack
    ports: dict[str, int]
    secrets: StackSecrets

    @property
    def project(self) -> ComposeProject:
        assert self.stack.project is not None
        return self.stack.project

    def url(self, variable: str) -> str:
        return f"http://127.0.0.1:{self.ports[variable]}"

    @property
    def ingress_url(self) -> str:
        return self.url("AIRLINE_INGRESS_PORT")

    @property
    def admin_url(self) -> str:
        return self.url("AIRLINE_ADMIN_PORT")

    def containers(self, service: str, running: bool = True) -> list[str]:
        """Ids of the service's containers (running ones only, unless running=False)."""
        return self.project.containers(service, all_states=not running)

    def container(self, service: str) -> str:
        found = self.containers(service)
        assert len(found) == 1, f"{service}: {len(found)} containers running"
        return found[0]

    def name_of(self, container: str) -> str:
        return str(self.project.inspect(container)["Name"]).lstrip("/")

    def kill(self, container: str) -> None:
        """SIGKILL the container (`docker kill`: its restart policy does not bring it back)."""
        docker("kill", container)

    def start(self, container: str) -> None:
        """Start a killed container again and wait until it reports healthy."""
        docker("start", container)
        wait_for(
            lambda: self.health_of(container) in ("healthy", "running"),
            timeout=600,
            interval=1,
            message=f"{self.name_of(container)} healthy again",
        )

    def health_of(self, container: str) -> str:
        state = self.project.inspect(container)["State"]
        return str(state.get("Health", {}).get("Status") or state["Status"])

    def fetch(self, container: str, port: int, path: str) -> str:
        """GET http://127.0.0.1:port/path inside the container (its own view, e.g. /metrics)."""
        code = (
            "import sys, urllib.request; "
            "sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=30).read().decode())"
        )
        return docker("exec", container, "python", "-c", code, f"http://127.0.0.1:{port}{path}")

    def admin_query(self, sql: str) -> list[dict[str, Any]]:
        """SQL on restate-server's introspection tables, through the published admin port.

        A cluster answers 500 for a while when a partition it scans has no leader yet (just
        after it started, or lost a node): that is retried, for a bounded time.
        """
        deadline = time.monotonic() + QUERY_RETRY_S
        while True:
            response = httpx.post(
                f"{self.admin_url}/query",
                json={"query": sql},
                headers={"accept": "application/json"},
                timeout=HTTP_TIMEOUT_S,
            )
            if response.status_code < 500 or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert response.status_code == 200, f"{sql}: {response.status_code} {response.text}"
        return list(response.json()["rows"])

    def logs(self) -> str:
        return self.project.run("logs", "--no-color", "--tail", "80", check=False, timeout=120)


def docker(*args: str, timeout: float = 120.0) -> str:
    """Run the docker CLI; fails the test with its stderr when it fails."""
    done = subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"docker {' '.join(args)}: {done.stderr.strip()}"
    return done.stdout


def unsigned_status(container: str, method: str, url: str, headers: Sequence[str] = ()) -> int:
    """The status a request that restate-server did not sign gets, sent from inside container.

    curl (in restate's image) with HTTP/2 cleartext from the first byte, as restate-server talks
    to the services and their load balancers (which speak nothing else).
    """
    argv = ["exec", container, "curl", "-sS", "--http2-prior-knowledge", "--max-time", "30"]
    argv += ["-o", "/dev/null", "-w", "%{http_code}", "-X", method]
    for header in headers:
        argv += ["-H", header]
    return int(docker(*argv, url))


def can_read(container: str, path: str) -> bool:
    """Whether the container's own user can read the file (`docker exec` runs as that user)."""
    probe = f"cat {path} > /dev/null 2>&1 && echo yes || echo no"
    return docker("exec", container, "sh", "-c", probe).strip() == "yes"


def project_leftovers(name: str) -> dict[str, list[str]]:
    """Containers, networks and volumes that carry the project's label."""
    label = f"label=com.docker.compose.project={name}"
    return {
        "containers": docker("ps", "-aq", "--filter", label).split(),
        "networks": docker("network", "ls", "-q", "--filter", label).split(),
        "volumes": docker("volume", "ls", "-q", "--filter", label).split(),
    }


def start_stack(files: Sequence[Path], prefix: str) -> RunningStack:
    """A new project of these files, up, registered and healthy."""
    ports: dict[str, int] = dict(zip(PORT_VARIABLES, free_ports(len(PORT_VARIABLES)), strict=True))
    env = {"AIRLINE_INGRESS_BIND": "127.0.0.1", **{k: str(v) for k, v in ports.items()}}
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    # Generated once, as `make compose-up` does; the client proves and signs with them.
    secrets = write_compose_env(SECRETS_DIR)
    stack = ContainerStack(files=files, name=name, env=env)
    stack.prepare()
    assert stack.images is not None
    print(f"\n{name}: images\n{stack.images.summary()}")
    running = RunningStack(stack, ports, secrets)
    try:
        stack.up()
    except BaseException:
        print(running.logs())
        stop_stack(running)
        raise
    return running


def stop_stack(running: RunningStack) -> None:
    """`down -v`: nothing of the project is left (the engine stays up for the session)."""
    try:
        running.stack.down(volumes=True)
    finally:
        running.project.close()


@pytest.fixture(scope="module")
def compose_stack() -> Iterator[RunningStack]:
    """compose/compose.yaml, as `docker compose up` runs it, in a project of its own."""
    running = start_stack([COMPOSE_FILE, KNOBS_FILE], "airline-test")
    yield running
    stop_stack(running)


@pytest.fixture(scope="module")
def cluster_stack() -> Iterator[RunningStack]:
    """compose.yaml + cluster.yaml: three restate nodes behind their load balancer."""
    running = start_stack(
        [COMPOSE_FILE, CLUSTER_FILE, KNOBS_FILE, CLUSTER_KNOBS_FILE], "airline-cluster"
    )
    yield running
    stop_stack(running)


def jaeger_trace(running: RunningStack, trace_id: str) -> list[dict[str, Any]]:
    """The spans of one trace as the Jaeger query API returns them, service name in each."""
    response = httpx.get(
        f"{running.url('AIRLINE_JAEGER_PORT')}/api/traces/{trace_id}", timeout=HTTP_TIMEOUT_S
    )
    if response.status_code == 404:
        return []
    response.raise_for_status()
    spans = []
    for trace in response.json()["data"]:
        processes = trace["processes"]
        for span in trace["spans"]:
            parents = [r["spanID"] for r in span["references"] if r["refType"] == "CHILD_OF"]
            spans.append(
                {
                    "name": span["operationName"],
                    "span_id": span["spanID"],
                    "parent_id": parents[0] if parents else "",
                    "service": processes[span["processID"]]["serviceName"],
                    "tags": {t["key"]: t["value"] for t in span["tags"]},
                }
            )
    return spans
