"""The whole local stack: restate-server plus the services, registered and seeded."""

import logging
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from .cluster import ClusterStatus, Membership, cluster_status, restatectl_sql
from .config import StackConfig
from .credentials import SUPERVISOR_HEADER, StackSecrets, operator_token
from .errors import PortInUseError, StackError
from .paths import find_binary, find_restatectl
from .ports import HOST, port_in_use
from .server import RestateServer
from .services import ServiceProcess
from .waiting import wait_for

logger = logging.getLogger(__name__)

SEED_PATH = "/SeatingAdmin/seed"
# Fixed, so seeding a stack that is already seeded is answered from the ingress's
# idempotency cache instead of running again.
SEED_IDEMPOTENCY_KEY = "seed-v1"


def _servers(config: StackConfig, binary: Path, env: dict[str, str]) -> tuple[RestateServer, ...]:
    """The restate-server of a one-node stack, or the nodes of a cluster sharing data_dir."""
    common: dict[str, Any] = {"binary": binary, "data_dir": config.data_dir, "extra_env": env}
    ports = config.node_ports()
    if len(ports) == 1:
        (node,) = ports
        return (
            RestateServer(
                ingress_port=node.ingress,
                admin_port=node.admin,
                node_port=node.node,
                logs=config.logs,
                **common,
            ),
        )
    addresses = tuple(f"http://{HOST}:{node.node}" for node in ports)
    return tuple(
        RestateServer(
            ingress_port=node.ingress,
            admin_port=node.admin,
            node_port=node.node,
            logs=config.logs,
            name=f"restate-{number}",
            node_name=f"n{number}",
            membership=Membership(
                addresses, provisions=number == 1, replication=config.replication
            ),
            **common,
        )
        for number, node in enumerate(ports, start=1)
    )


def _post_seed(url: str, body: bytes, headers: dict[str, str], timeout: float) -> httpx.Response:
    """One seeding call, with the fixed idempotency key."""
    headers = {**headers, "idempotency-key": SEED_IDEMPOTENCY_KEY}
    return httpx.post(url, content=body, headers=headers, timeout=timeout)


class Stack:
    """restate-server (one node or a cluster) and the service deployments, started in order
    and stopped in reverse."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        server_tracing, service_tracing = config.tracing_env()
        # Generated once per data dir: restate-server signs its requests, services check them.
        self.secrets = StackSecrets.ensure(config.secrets_path)
        self.nodes: tuple[RestateServer, ...] = _servers(
            config,
            config.binary or find_binary(),
            {**self.secrets.server_env(), **server_tracing, **config.server_env},
        )
        # Node 1: the single node of a one-node stack, the provisioning node of a cluster.
        self.server = self.nodes[0]
        self.services: dict[str, ServiceProcess] = {
            spec.name: ServiceProcess(
                name=spec.name,
                module=spec.module,
                port=spec.port,
                metrics_port=spec.metrics_port,
                extra_env={
                    **self.secrets.service_env(),
                    **service_tracing,
                    **config.service_env,
                    **config.per_service_env.get(spec.name, {}),
                },
                logs=config.logs,
            )
            for spec in config.services
        }

    @property
    def is_cluster(self) -> bool:
        """Whether the stack runs several restate-server nodes."""
        return len(self.nodes) > 1

    def node(self, number: int) -> RestateServer:
        """Node `number`, counted from 1 as the nodes are named (n1, n2, ...)."""
        if not 1 <= number <= len(self.nodes):
            raise StackError(f"this stack has nodes 1 to {len(self.nodes)}, not {number}")
        return self.nodes[number - 1]

    @property
    def live_node(self) -> RestateServer:
        """Node 1, or while it is down the first node that runs."""
        return next((node for node in self.nodes if node.running), self.server)

    @property
    def ingress_url(self) -> str:
        """Base URL of the ingress (of a live node, in a cluster that lost node 1)."""
        return self.live_node.ingress_url

    @property
    def ingress_urls(self) -> list[str]:
        """Every node's ingress, node 1 first: the client's failover list."""
        return [node.ingress_url for node in self.nodes]

    def client(self, timeout: float = 120.0) -> httpx.Client:
        """An HTTP client for the ingress, its base URL set (close it: use it in a `with`)."""
        return httpx.Client(base_url=self.ingress_url, timeout=timeout)

    @property
    def admin_url(self) -> str:
        """Base URL of the admin API (of a live node, in a cluster that lost node 1)."""
        return self.live_node.admin_url

    @property
    def ui_url(self) -> str:
        """The Restate web UI (the admin root redirects there)."""
        return f"{self.server.admin_url}/ui/"

    @property
    def metrics_url(self) -> str:
        """restate-server's Prometheus metrics (node 1's)."""
        return self.server.metrics_url

    def service(self, name: str) -> ServiceProcess:
        """The service process called name; StackError if this stack does not run it."""
        try:
            return self.services[name]
        except KeyError:
            raise StackError(f"this stack does not run a service called {name!r}") from None

    @property
    def agent(self) -> ServiceProcess:
        """The airline agent service."""
        return self.service("agent")

    @property
    def seating(self) -> ServiceProcess:
        """The seating service."""
        return self.service("seating")

    @property
    def invoicing(self) -> ServiceProcess:
        """The invoicing service."""
        return self.service("invoicing")

    def check_ports(self) -> None:
        """Raise PortInUseError for the first port that is already taken."""
        for role, port in self.config.ports().items():
            if port_in_use(port):
                raise PortInUseError(port, role)

    def start(self, timeout: float = 60.0) -> None:
        """Start everything, register the services and seed; on failure stop what started."""
        self.check_ports()
        started = time.monotonic()
        try:
            # All nodes at once: node 1 provisions the cluster, the others wait for it to join.
            for node in self.nodes:
                node.start()
            # Services start while the server boots; neither needs the other to listen.
            for service in self.services.values():
                service.start()
            for node in self.nodes:
                node.wait_healthy(timeout)
            if self.is_cluster:
                self.wait_cluster_ready(timeout)
            for service in self.services.values():
                service.wait_listening(timeout)
            services: set[str] = set()
            for service in self.services.values():
                answer = self.register(service)
                services |= {s["name"] for s in answer.get("services", [])}
            if self.is_cluster:
                self.wait_schema_everywhere(services, timeout)
            if self.config.seed:
                self.seed()
        except BaseException:
            self.stop()
            raise
        logger.info("stack up in %.1fs", time.monotonic() - started)

    def register(self, service: ServiceProcess | str, timeout: float = 30.0) -> dict[str, Any]:
        """Register (or force re-register) a deployment; returns the admin API's answer."""
        if isinstance(service, str):
            service = self.service(service)
        body = {"uri": service.url, "force": True}
        deadline = time.monotonic() + timeout
        while True:
            try:
                response = httpx.post(f"{self.admin_url}/deployments", json=body, timeout=30.0)
            except httpx.TransportError as error:
                problem = repr(error)
            else:
                if response.is_success:
                    logger.info("registered %s at %s", service.name, service.url)
                    return response.json()
                problem = f"{response.status_code} {response.text}"
            # Discovery fails until the service listens; a just restarted one may not yet.
            if time.monotonic() >= deadline:
                raise StackError(f"registering {service.name} at {service.url} failed: {problem}")
            time.sleep(0.2)

    def seed(self, timeout: float = 30.0) -> None:
        """Load the domain data through the ingress; idempotent."""
        url = f"{self.ingress_url}{SEED_PATH}"
        deadline = time.monotonic() + timeout
        while True:
            # SeatingAdmin/seed takes no input: Restate rejects any body or content-type.
            # An operator action: it carries the supervisor credential.
            headers = {SUPERVISOR_HEADER: operator_token(self.secrets.supervisor_token)}
            response = _post_seed(url, b"", headers, timeout)
            if response.is_success:
                logger.info("seeded the domain data")
                return
            # 404 right after registering: the ingress may not have seen the new schema yet.
            if response.status_code != 404 or time.monotonic() >= deadline:
                raise StackError(f"seeding failed: {response.status_code} {response.text}")
            time.sleep(0.2)

    def admin_query(self, sql: str, timeout: float = 30.0) -> list[dict[str, Any]]:
        """Run SQL on the admin API's introspection tables (sys_invocation, sys_service, ...)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                # Without accept: application/json the answer is an Arrow IPC stream.
                response = httpx.post(
                    f"{self.admin_url}/query",
                    json={"query": sql},
                    headers={"accept": "application/json"},
                    timeout=timeout,
                )
            except httpx.TransportError:
                # A cluster node that just died: admin_url moves to a live one.
                if not self.is_cluster or time.monotonic() >= deadline:
                    raise
            else:
                if response.is_success:
                    return response.json()["rows"]
                # A cluster's query fans out to each partition's node; while a node is lost
                # or back and partitions move, some answer 500 for a moment.
                transient = self.is_cluster and response.status_code >= 500
                if not transient or time.monotonic() >= deadline:
                    raise StackError(f"query failed: {response.status_code} {response.text}")
            time.sleep(0.25)

    def invocation_ids(self, service: str, handler: str, key: str | None = None) -> list[str]:
        """The ids of the invocations of service/handler (for that object key), oldest first."""
        of_key = "" if key is None else f" AND target_service_key = '{key}'"
        rows = self.admin_query(
            f"SELECT id FROM sys_invocation WHERE target_service_name = '{service}' "
            f"AND target_handler_name = '{handler}'{of_key} ORDER BY created_at"
        )
        return [row["id"] for row in rows]

    def cluster_status(self) -> ClusterStatus:
        """The cluster's own report (restatectl): node states and partition leaders."""
        return cluster_status(*self._restatectl())

    def cluster_sql(self, query: str) -> list[dict[str, Any]]:
        """A query on the cluster's own tables (nodes, partitions, partition_state, logs)."""
        return restatectl_sql(*self._restatectl(), query)

    def _restatectl(self) -> tuple[Path, list[str]]:
        """restatectl and the addresses it may ask: every node's."""
        if not self.is_cluster:
            raise StackError("a one-node stack is no cluster; it has no cluster status")
        return find_restatectl(), [node.node_url for node in self.nodes]

    def wait_cluster_ready(self, timeout: float = 60.0) -> ClusterStatus:
        """Block until every node is alive and every partition has a live leader."""
        last: list[str] = ["no answer yet"]

        def ready() -> ClusterStatus | None:
            try:
                status = self.cluster_status()
            except StackError as error:  # a node still booting, restatectl not answering
                last[0] = str(error)
                return None
            last[0] = status.describe()
            return status if status.ready else None

        try:
            status = wait_for(ready, timeout, 0.25, "every node alive, every partition led")
        except TimeoutError as error:
            raise TimeoutError(f"{error}; last seen: {last[0]}") from None
        assert status is not None  # wait_for returns only what is truthy
        return status

    def wait_schema_everywhere(self, services: set[str], timeout: float = 30.0) -> None:
        """Block until every node's admin API knows the registered services."""

        def everywhere() -> bool:
            for node in self.nodes:
                try:
                    answer = httpx.get(f"{node.admin_url}/services", timeout=5.0)
                except httpx.TransportError:
                    return False
                known = {s["name"] for s in answer.json().get("services", [])}
                if not answer.is_success or not services <= known:
                    return False
            return True

        wait_for(everywhere, timeout, 0.1, f"every node to know {sorted(services)}")

    def kill_node(self, number: int) -> None:
        """SIGKILL restate-server node `number`, as a crash would."""
        self.node(number).kill()

    def restart_node(self, number: int, *, kill: bool = True, timeout: float = 120.0) -> None:
        """SIGKILL node `number` (unless kill=False: stop it gracefully; if it is already down,
        neither), start it on its data dir and ports, and wait until the cluster is whole."""
        self.node(number).restart(graceful=not kill, timeout=timeout)
        if self.is_cluster:
            self.wait_cluster_ready(timeout)

    def restart(self, name: str, *, kill: bool = True, timeout: float = 60.0) -> None:
        """SIGKILL (kill=False: stop) the process called name and start it on its port and data.

        "restate" is node 1 (then, in a cluster, wait until it is whole again); any other name
        is that service. Returns once the process serves again.
        """
        if name == "restate":
            self.restart_node(1, kill=kill, timeout=timeout)
        else:
            self.service(name).restart(graceful=not kill, timeout=timeout)

    def ensure_running(self, timeout: float = 60.0) -> None:
        """Start again whatever has died or was killed (same ports, same data)."""
        down = [node for node in self.nodes if not node.running]
        for node in down:
            node.start()
        for node in down:
            node.wait_healthy(timeout)
        if down and self.is_cluster:
            self.wait_cluster_ready(timeout)
        for service in self.services.values():
            if not service.running:
                service.start()
                service.wait_listening(timeout)

    def stop(self) -> None:
        """Stop the services (in reverse order), then the nodes; never leaves a child behind."""
        for child in [*reversed(self.services.values()), *reversed(self.nodes)]:
            try:
                child.stop()
            except BaseException:
                # Still reap the others; a second Ctrl-C lands here during shutdown.
                self.kill()
                raise

    def kill(self) -> None:
        """SIGKILL every process of the stack."""
        for child in [*self.services.values(), *self.nodes]:
            child.kill()

    def log_report(self, lines: int = 30) -> str:
        """Each process's log file and its last lines, for a failure report."""
        logs = self.config.logs
        parts: list[str] = []
        for name in [*(node.name for node in self.nodes), *self.services]:
            path = logs.path_for(name)
            if path is not None:
                parts.append(f"== {name}: {path}")
                parts.extend(logs.tail(name, lines))
        return "\n".join(parts)

    def __enter__(self) -> "Stack":
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
