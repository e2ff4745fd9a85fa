"""The whole local stack: restate-server plus the services, registered and seeded."""

import logging
import time
from types import TracebackType
from typing import Any

import httpx

from .config import StackConfig
from .errors import PortInUseError, StackError
from .paths import find_binary
from .ports import port_in_use
from .server import RestateServer
from .services import ServiceProcess

logger = logging.getLogger(__name__)

SEED_PATH = "/SeatingAdmin/seed"
# Fixed, so seeding a stack that is already seeded is answered from the ingress's
# idempotency cache instead of running again.
SEED_IDEMPOTENCY_KEY = "seed-v1"

# What the ingress answers when a body is sent to a handler that takes no input.


def _post_seed(url: str, body: bytes, headers: dict[str, str], timeout: float) -> httpx.Response:
    """One seeding call, with the fixed idempotency key."""
    headers = {**headers, "idempotency-key": SEED_IDEMPOTENCY_KEY}
    return httpx.post(url, content=body, headers=headers, timeout=timeout)


class Stack:
    """restate-server and the service deployments, started in order and stopped in reverse."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        server_tracing, service_tracing = config.tracing_env()
        self.server = RestateServer(
            binary=config.binary or find_binary(),
            data_dir=config.data_dir,
            ingress_port=config.ingress_port,
            admin_port=config.admin_port,
            node_port=config.node_port,
            extra_env={**server_tracing, **config.server_env},
            logs=config.logs,
        )
        self.services: dict[str, ServiceProcess] = {
            spec.name: ServiceProcess(
                name=spec.name,
                module=spec.module,
                port=spec.port,
                metrics_port=spec.metrics_port,
                extra_env={
                    **service_tracing,
                    **config.service_env,
                    **config.per_service_env.get(spec.name, {}),
                },
                logs=config.logs,
            )
            for spec in config.services
        }

    @property
    def ingress_url(self) -> str:
        """Base URL of the ingress."""
        return self.server.ingress_url

    @property
    def admin_url(self) -> str:
        """Base URL of the admin API."""
        return self.server.admin_url

    @property
    def ui_url(self) -> str:
        """The Restate web UI (the admin root redirects there)."""
        return f"{self.server.admin_url}/ui/"

    @property
    def metrics_url(self) -> str:
        """restate-server's Prometheus metrics."""
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
            self.server.start()
            # Services start while the server boots; neither needs the other to listen.
            for service in self.services.values():
                service.start()
            self.server.wait_healthy(timeout)
            for service in self.services.values():
                service.wait_listening(timeout)
            for service in self.services.values():
                self.register(service)
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
            response = _post_seed(url, b"", {}, timeout)
            if response.is_success:
                logger.info("seeded the domain data")
                return
            # 404 right after registering: the ingress may not have seen the new schema yet.
            if response.status_code != 404 or time.monotonic() >= deadline:
                raise StackError(f"seeding failed: {response.status_code} {response.text}")
            time.sleep(0.2)

    def admin_query(self, sql: str, timeout: float = 30.0) -> list[dict[str, Any]]:
        """Run SQL on the admin API's introspection tables (sys_invocation, sys_service, ...)."""
        # Without accept: application/json the answer is an Arrow IPC stream.
        response = httpx.post(
            f"{self.admin_url}/query",
            json={"query": sql},
            headers={"accept": "application/json"},
            timeout=timeout,
        )
        if not response.is_success:
            raise StackError(f"query failed: {response.status_code} {response.text}")
        return response.json()["rows"]

    def ensure_running(self, timeout: float = 60.0) -> None:
        """Start again whatever has died or was killed (same ports, same data)."""
        if not self.server.running:
            self.server.start()
            self.server.wait_healthy(timeout)
        for service in self.services.values():
            if not service.running:
                service.start()
                service.wait_listening(timeout)

    def stop(self) -> None:
        """Stop the services (in reverse order), then the server; never leaves a child behind."""
        for child in [*reversed(self.services.values()), self.server]:
            try:
                child.stop()
            except BaseException:
                # Still reap the others; a second Ctrl-C lands here during shutdown.
                self.kill()
                raise

    def kill(self) -> None:
        """SIGKILL every process of the stack."""
        for child in [*self.services.values(), self.server]:
            child.kill()

    def log_report(self, lines: int = 30) -> str:
        """Each process's log file and its last lines, for a failure report."""
        logs = self.config.logs
        parts: list[str] = []
        for name in [self.server.name, *self.services]:
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
