"""A Python Restate service (`python -m <module>`) as a child process listening on one port."""

import logging
import os
import signal
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial

from .child import StackProcess
from .logs import LogSink
from .ports import HOST, accepts_connections

logger = logging.getLogger(__name__)


@dataclass
class ServiceProcess(StackProcess):
    """One service deployment, served by hypercorn on 127.0.0.1:port."""

    name: str
    module: str
    port: int
    # Prometheus /metrics port (METRICS_PORT); None: "off".
    metrics_port: int | None = None
    extra_env: Mapping[str, str] = field(default_factory=dict)
    logs: LogSink = field(default_factory=LogSink)
    stop_timeout: float = 10.0
    # SIGINT, not SIGTERM: restate-sdk-python (1.3.0) takes over the loop's SIGTERM
    # handler on the first request, so hypercorn never hears SIGTERM and the process
    # hangs; hypercorn still shuts down gracefully on SIGINT.
    stop_signal: signal.Signals = signal.SIGINT

    @property
    def url(self) -> str:
        """The deployment URI registered with restate-server."""
        return f"http://{HOST}:{self.port}"

    @property
    def metrics_url(self) -> str | None:
        """Where the service serves Prometheus metrics, if it does."""
        if self.metrics_port is None:
            return None
        return f"http://{HOST}:{self.metrics_port}/metrics"

    @property
    def workers(self) -> int:
        """hypercorn worker processes (env WORKERS); above 1 they are children of pid."""
        return int(self.env().get("WORKERS") or 1)

    def env(self) -> dict[str, str]:
        """The environment the service is started with; extra_env wins over the defaults."""
        # Unbuffered, so prints show up in the logs as they happen, not at exit.
        return {
            **os.environ,
            "HOST": HOST,
            "PORT": str(self.port),
            "METRICS_PORT": "off" if self.metrics_port is None else str(self.metrics_port),
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        }

    def start(self) -> None:
        """Spawn the service; returns at once, see wait_listening."""
        self._child.spawn([sys.executable, "-m", self.module], self.env())

    @property
    def title(self) -> str:
        """The service and its module."""
        return f"service {self.name} ({self.module})"

    def wait_listening(self, timeout: float = 30.0) -> None:
        """Block until the port accepts connections; fail early if the process died."""
        listening = partial(accepts_connections, self.port)
        self._wait_serving(listening, timeout, 0.05, f"{self.name} listening on {self.url}")

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Block until it listens (wait_listening)."""
        self.wait_listening(timeout)

    def kill(self) -> None:
        """SIGKILL this service (by its own pid), as a crash would; its workers too, if any."""
        self._child.kill(group=self.workers > 1)

    def stop(self) -> None:
        """Ask the service to stop (stop_signal), SIGKILL it if still there after stop_timeout."""
        # With workers, hypercorn's parent stops them on stop_signal; SIGKILL hits them all.
        self._child.stop(self.stop_timeout, self.stop_signal, group=self.workers > 1)
