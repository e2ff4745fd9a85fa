"""What a stack consists of: ports, data directory, environment and which services run."""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .logs import LogSink
from .ports import free_ports


@dataclass(frozen=True)
class ServiceSpec:
    """A service deployment to run: `python -m module` on port."""

    name: str
    module: str
    port: int
    # Where it serves Prometheus /metrics (env METRICS_PORT); None: it serves none.
    metrics_port: int | None = None


AGENT = ServiceSpec("agent", "airline_agent", 9080, 9180)
SEATING = ServiceSpec("seating", "seating", 9081, 9181)
INVOICING = ServiceSpec("invoicing", "invoicing", 9082, 9182)
DEFAULT_SERVICES: tuple[ServiceSpec, ...] = (AGENT, SEATING, INVOICING)


@dataclass
class StackConfig:
    """Everything needed to start a Stack; the defaults are those of `make up`."""

    data_dir: Path
    ingress_port: int = 8080
    admin_port: int = 9070
    node_port: int = 5122
    services: tuple[ServiceSpec, ...] = DEFAULT_SERVICES
    # Extra restate-server environment, e.g. RESTATE_WORKER__INVOKER__INACTIVITY_TIMEOUT.
    server_env: Mapping[str, str] = field(default_factory=dict)
    # Extra environment for every service, then per service name (wins over the common one).
    service_env: Mapping[str, str] = field(default_factory=dict)
    per_service_env: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # An OTLP gRPC endpoint (http://host:4317) for restate-server's and the services' spans.
    otlp_endpoint: str | None = None
    # Seeding needs the seating service; turn it off when running other services.
    seed: bool = True
    # None: the npm-installed binary of this repository.
    binary: Path | None = None
    logs: LogSink = field(default_factory=LogSink)

    @classmethod
    def on_free_ports(
        cls, data_dir: Path, services: tuple[ServiceSpec, ...] = DEFAULT_SERVICES, **options: Any
    ) -> "StackConfig":
        """A config whose server and services all use distinct ports that are free right now."""
        with_metrics = [spec for spec in services if spec.metrics_port is not None]
        ports = free_ports(3 + len(services) + len(with_metrics))
        metrics = dict(zip([s.name for s in with_metrics], ports[3 + len(services) :], strict=True))
        return cls(
            data_dir=data_dir,
            ingress_port=ports[0],
            admin_port=ports[1],
            node_port=ports[2],
            services=tuple(
                replace(spec, port=port, metrics_port=metrics.get(spec.name))
                for spec, port in zip(services, ports[3 : 3 + len(services)], strict=True)
            ),
            **options,
        )

    def ports(self) -> dict[str, int]:
        """Every port the stack binds, by role, for up-front availability checks."""
        roles = {"ingress": self.ingress_port, "admin": self.admin_port, "node": self.node_port}
        metrics = {
            f"{spec.name} metrics": spec.metrics_port
            for spec in self.services
            if spec.metrics_port is not None
        }
        return roles | {spec.name: spec.port for spec in self.services} | metrics

    def tracing_env(self) -> tuple[dict[str, str], dict[str, str]]:
        """Extra environment of the server and of the services for exporting spans, if any."""
        if not self.otlp_endpoint:
            return {}, {}
        return (
            {"RESTATE_TRACING_ENDPOINT": self.otlp_endpoint},
            {"OTEL_EXPORTER_OTLP_ENDPOINT": self.otlp_endpoint},
        )
