"""What a stack consists of: ports, data directory, environment and which services run."""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import StackError
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


@dataclass(frozen=True)
class NodePorts:
    """The ports of one restate-server node."""

    ingress: int
    admin: int
    # Node-to-node traffic (the cluster's fabric) and Prometheus /metrics.
    node: int


def cluster_node_ports(number: int) -> NodePorts:
    """Fixed ports of node `number` (2, 3, ...) of `devstack up --nodes N`: 28080, 29070, 25122
    for node 2, 38080, 39070, 35122 for node 3 (node 1 keeps the single node's ports)."""
    base = number * 10_000
    return NodePorts(base + 8080, base + 9070, base + 5122)


# Two nodes cannot lose one (the metadata quorum needs both); 5 keeps the fixed ports below 65536.
CLUSTER_SIZES = (1, 3, 4, 5)


@dataclass
class StackConfig:
    """Everything needed to start a Stack; the defaults are those of `make up`."""

    data_dir: Path
    ingress_port: int = 8080
    admin_port: int = 9070
    node_port: int = 5122
    # Further restate-server nodes: with any, the stack is a cluster whose node 1 has the ports
    # above and provisions it; the metadata and the log are replicated over all nodes.
    more_nodes: tuple[NodePorts, ...] = ()
    # On how many nodes each log record and partition is kept (a cluster's only).
    replication: int = 2
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
    # Where the stack's secrets are (generated when missing); None: <data_dir>/secrets.
    secrets_dir: Path | None = None
    logs: LogSink = field(default_factory=LogSink)

    def __post_init__(self) -> None:
        if self.nodes not in CLUSTER_SIZES:
            raise StackError(
                f"a stack runs 1, 3, 4 or 5 restate-server nodes, not {self.nodes}"
                + (
                    ": two cannot lose one, the metadata quorum needs both"
                    if self.nodes == 2
                    else ""
                )
            )
        if self.nodes > 1 and not 1 <= self.replication < self.nodes:
            raise StackError(
                f"replication {self.replication} on {self.nodes} nodes: it must be at least 1 "
                "and below the node count, so that losing a node leaves enough copies"
            )

    @classmethod
    def on_free_ports(
        cls,
        data_dir: Path,
        services: tuple[ServiceSpec, ...] = DEFAULT_SERVICES,
        nodes: int = 1,
        **options: Any,
    ) -> "StackConfig":
        """A config whose nodes and services all use distinct ports that are free right now."""
        with_metrics = [spec for spec in services if spec.metrics_port is not None]
        node_count = 3 * max(1, nodes)
        ports = free_ports(node_count + len(services) + len(with_metrics))
        node_ports = [NodePorts(*ports[i : i + 3]) for i in range(0, node_count, 3)]
        service_ports = ports[node_count : node_count + len(services)]
        metrics_ports = ports[node_count + len(services) :]
        metrics = dict(zip([s.name for s in with_metrics], metrics_ports, strict=True))
        return cls(
            data_dir=data_dir,
            ingress_port=node_ports[0].ingress,
            admin_port=node_ports[0].admin,
            node_port=node_ports[0].node,
            more_nodes=tuple(node_ports[1:]),
            services=tuple(
                replace(spec, port=port, metrics_port=metrics.get(spec.name))
                for spec, port in zip(services, service_ports, strict=True)
            ),
            **options,
        )

    @property
    def nodes(self) -> int:
        """How many restate-server nodes the stack runs (1: a single node, no cluster)."""
        return 1 + len(self.more_nodes)

    def node_ports(self) -> tuple[NodePorts, ...]:
        """The ports of every node, node 1 first."""
        return (NodePorts(self.ingress_port, self.admin_port, self.node_port), *self.more_nodes)

    def ports(self) -> dict[str, int]:
        """Every port the stack binds, by role, for up-front availability checks."""
        roles = {"ingress": self.ingress_port, "admin": self.admin_port, "node": self.node_port}
        for number, node in enumerate(self.more_nodes, start=2):
            roles |= {
                f"node {number} ingress": node.ingress,
                f"node {number} admin": node.admin,
                f"node {number} node port": node.node,
            }
        metrics = {
            f"{spec.name} metrics": spec.metrics_port
            for spec in self.services
            if spec.metrics_port is not None
        }
        return roles | {spec.name: spec.port for spec in self.services} | metrics

    @property
    def secrets_path(self) -> Path:
        """The directory of the stack's secrets (see credentials.py)."""
        return self.secrets_dir or self.data_dir / "secrets"

    def tracing_env(self) -> tuple[dict[str, str], dict[str, str]]:
        """Extra environment of the server and of the services for exporting spans, if any."""
        if not self.otlp_endpoint:
            return {}, {}
        return (
            {"RESTATE_TRACING_ENDPOINT": self.otlp_endpoint},
            {"OTEL_EXPORTER_OTLP_ENDPOINT": self.otlp_endpoint},
        )
