"""The restate-server child process: configuration by environment, health, stop and restart."""

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from .child import StackProcess
from .cluster import Membership
from .logs import LogSink
from .ports import HOST

logger = logging.getLogger(__name__)

# Fixed, because the data lives in <base dir>/<node name>: a restart on the same
# directory under another name would start an empty node.
NODE_NAME = "devstack"

# Settings that make a throwaway server start fast and stay small (tests, benchmarks).
TEST_SERVER_ENV: Mapping[str, str] = {
    "RESTATE_DEFAULT_NUM_PARTITIONS": "4",
    "RESTATE_ROCKSDB_TOTAL_MEMORY_SIZE": "512MiB",
}


QUIET_LOG_FILTER = "warn,restate=info,octocrab=off"


@dataclass
class RestateServer(StackProcess):
    """A restate-server on 127.0.0.1 keeping its state in data_dir across restarts.

    With a membership it is one node of a cluster; its data is then <data_dir>/<node_name>, so
    the nodes of one cluster can share data_dir.
    """

    binary: Path
    data_dir: Path
    ingress_port: int = 8080
    admin_port: int = 9070
    node_port: int = 5122
    extra_env: Mapping[str, str] = field(default_factory=dict)
    logs: LogSink = field(default_factory=LogSink)
    name: str = "restate"
    node_name: str = NODE_NAME
    membership: Membership | None = None
    stop_timeout: float = 10.0

    @property
    def ingress_url(self) -> str:
        """Base URL of the ingress, where services are called."""
        return f"http://{HOST}:{self.ingress_port}"

    @property
    def admin_url(self) -> str:
        """Base URL of the admin API (deployments, /query; the web UI is at /ui/)."""
        return f"http://{HOST}:{self.admin_port}"

    @property
    def node_url(self) -> str:
        """The node-to-node address other nodes and restatectl use."""
        return f"http://{HOST}:{self.node_port}"

    @property
    def metrics_url(self) -> str:
        """Prometheus metrics, served on the node port."""
        return f"http://{HOST}:{self.node_port}/metrics"

    def env(self) -> dict[str, str]:
        """The environment the server is started with; extra_env wins over the defaults."""
        addresses = {
            "RESTATE_INGRESS__BIND_ADDRESS": f"{HOST}:{self.ingress_port}",
            "RESTATE_ADMIN__BIND_ADDRESS": f"{HOST}:{self.admin_port}",
            "RESTATE_BIND_ADDRESS": f"{HOST}:{self.node_port}",
            "RESTATE_ADVERTISED_ADDRESS": self.node_url,
        }
        cluster = self.membership.env() if self.membership is not None else {}
        return {
            **os.environ,
            "RESTATE_BASE_DIR": str(self.data_dir),
            "RESTATE_NODE_NAME": self.node_name,
            **addresses,
            **cluster,
            "RESTATE_DISABLE_TELEMETRY": "true",
            # The server's check for a newer release (octocrab, GitHub) fails offline and logs
            # an ERROR a newcomer takes for a problem: silenced, unless a filter is given.
            "RESTATE_LOG_FILTER": os.environ.get("RESTATE_LOG_FILTER", QUIET_LOG_FILTER),
            "RESTATE_LOG_FORMAT": "compact",
            "RESTATE_LOG_DISABLE_ANSI_CODES": "false" if self.logs.ansi else "true",
            **self.extra_env,
        }

    def start(self) -> None:
        """Spawn the server; returns at once, see wait_healthy."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # cwd = data dir: the server names its unix sockets relative to cwd, and an
        # absolute path under a deep temp dir can exceed the 108-byte socket path limit.
        self._child.spawn([str(self.binary), "--no-logo"], self.env(), cwd=self.data_dir)

    def is_healthy(self) -> bool:
        """Whether both the admin API and the ingress answer their health checks."""
        try:
            with httpx.Client(timeout=2.0) as client:
                admin = client.get(f"{self.admin_url}/health")
                ingress = client.get(f"{self.ingress_url}/restate/health")
        except httpx.TransportError:
            return False
        return admin.status_code == 200 and ingress.status_code == 200

    @property
    def title(self) -> str:
        """restate-server, with the node's name in a cluster."""
        return "restate-server" if self.membership is None else f"restate-server {self.node_name}"

    def wait_healthy(self, timeout: float = 60.0) -> None:
        """Block until healthy; fail early, with the exit status, if the server died."""
        what = f"restate-server health on {self.admin_url}"
        self._wait_serving(self.is_healthy, timeout, 0.1, what)

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Block until healthy (wait_healthy)."""
        self.wait_healthy(timeout)

    def kill(self) -> None:
        """SIGKILL the server, as a crash would."""
        self._child.kill()

    def stop(self) -> None:
        """SIGTERM the server, SIGKILL it if it has not exited within stop_timeout."""
        self._child.stop(self.stop_timeout)
