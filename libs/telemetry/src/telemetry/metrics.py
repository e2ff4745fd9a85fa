"""The Prometheus metrics of the services. Names and labels are fixed: dashboards use them."""

import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import prometheus_client
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

# Created unregistered: every service imports this module, and each registers only its own
# metrics (setup_metrics), so no service serves another's names.
_SECONDS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


def _counter(name: str, documentation: str, *labels: str) -> Counter:
    return Counter(name, documentation, labels, registry=None)


def _seconds(name: str, documentation: str, *labels: str) -> Histogram:
    return Histogram(name, documentation, labels, buckets=_SECONDS, registry=None)


# agent
TURNS = _counter("airline_turns_total", "Customer turns answered.", "agent", "outcome")
TURN_DURATION = _seconds(
    "airline_turn_duration_seconds", "Time of the handler attempt that completed a turn."
)
TOOL_CALLS = _counter("airline_tool_calls_total", "Tool calls that ran.", "tool", "outcome")
LLM_CALL_DURATION = _seconds(
    "airline_llm_call_duration_seconds",
    "Duration of LLM calls that really ran (replays from the journal are not counted).",
    "model",
)
LLM_TOKENS = _counter("airline_llm_tokens_total", "Tokens of LLM calls.", "model", "kind")
# every service
ERRORS = _counter("airline_errors_total", "Errors, by service and kind.", "service", "kind")
# Invocation attempts this process received (counted by serving.count_attempts, replays too):
# per replica, it shows which replicas of a scaled service the load balancer uses.
INVOCATION_ATTEMPTS = _counter(
    "airline_invocation_attempts_total",
    "Invocation attempts received, by Service/handler.",
    "handler",
)
# seating
SEAT_CHANGES = _counter("airline_seat_changes_total", "Seat change requests.", "outcome")
# invoicing
INVOICES = _counter("airline_invoices_total", "Invoices sent.")

EVERY_SERVICE: tuple[MetricWrapperBase, ...] = (ERRORS, INVOCATION_ATTEMPTS)
BY_SERVICE: dict[str, tuple[MetricWrapperBase, ...]] = {
    "agent": (TURNS, TURN_DURATION, TOOL_CALLS, LLM_CALL_DURATION, LLM_TOKENS),
    "seating": (SEAT_CHANGES,),
    "invoicing": (INVOICES,),
}

_served: list[int] = []

Asgi = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


def count_attempts(app: Any) -> Asgi:
    """The ASGI app, counting each invocation attempt it receives (`/invoke/Service/handler`)."""

    async def counted(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") == "http":
            parts = str(scope.get("path", "")).rsplit("/", 3)
            if len(parts) == 4 and parts[1] == "invoke":
                INVOCATION_ATTEMPTS.labels(handler=f"{parts[2]}/{parts[3]}").inc()
        await app(scope, receive, send)

    return counted


# Set (to a fresh directory) by serve() for its worker processes: Prometheus multiprocess mode.
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def setup_metrics(service_name: str, host: str, port: str) -> int | None:
    """Serve /metrics on host:port; port "off" (or empty) serves nothing. Returns the port."""
    if port.strip().lower() in ("", "off"):
        return None
    number = int(port)
    if _served:
        return _served[0]
    for metric in (*EVERY_SERVICE, *BY_SERVICE.get(service_name, ())):
        REGISTRY.register(metric)
    prometheus_client.start_http_server(number, addr=host)
    _served.append(number)
    logger.info("%s metrics on http://%s:%d/metrics", service_name, host, number)
    return number


class _ServiceCollector(Collector):
    """The metrics of one service, summed over the worker processes' files in directory.

    Every process creates its files for the unlabelled metrics of all services (they are
    module-level objects); only this service's are served, as in single-process mode.
    """

    def __init__(self, service_name: str, directory: str) -> None:
        self._names = {m._name for m in (*EVERY_SERVICE, *BY_SERVICE.get(service_name, ()))}  # pyright: ignore[reportPrivateUsage]
        self._collector = MultiProcessCollector(None, path=directory)

    def collect(self) -> Iterable[Metric]:
        return (family for family in self._collector.collect() if family.name in self._names)


def setup_multiprocess_metrics(
    service_name: str, host: str, port: str, directory: str
) -> int | None:
    """Serve on host:port what the worker processes record in directory; "off": nothing."""
    if port.strip().lower() in ("", "off"):
        return None
    number = int(port)
    registry = CollectorRegistry()
    registry.register(_ServiceCollector(service_name, directory))
    prometheus_client.start_http_server(number, addr=host, registry=registry)
    _served.append(number)
    logger.info("%s metrics (all workers) on http://%s:%d/metrics", service_name, host, number)
    return number
