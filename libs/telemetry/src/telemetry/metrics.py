"""The Prometheus metrics of the services. Names and labels are fixed: dashboards use them."""

import logging

import prometheus_client
from prometheus_client import REGISTRY, Counter, Histogram
from prometheus_client.metrics import MetricWrapperBase

logger = logging.getLogger(__name__)

# Created unregistered: each service registers only its own (setup_metrics), although the agent
# imports seating's and invoicing's modules for their typed handler references.
_SECONDS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)

# agent
TURNS = Counter(
    "airline_turns_total", "Customer turns answered.", ["agent", "outcome"], registry=None
)
TURN_DURATION = Histogram(
    "airline_turn_duration_seconds",
    "Time of the handler attempt that completed a turn.",
    buckets=_SECONDS,
    registry=None,
)
TOOL_CALLS = Counter(
    "airline_tool_calls_total", "Tool calls that ran.", ["tool", "outcome"], registry=None
)
LLM_CALL_DURATION = Histogram(
    "airline_llm_call_duration_seconds",
    "Duration of LLM calls that really ran (replays from the journal are not counted).",
    ["model"],
    buckets=_SECONDS,
    registry=None,
)
LLM_TOKENS = Counter(
    "airline_llm_tokens_total", "Tokens of LLM calls.", ["model", "kind"], registry=None
)
# every service
ERRORS = Counter(
    "airline_errors_total", "Errors, by service and kind.", ["service", "kind"], registry=None
)
# seating
SEAT_CHANGES = Counter(
    "airline_seat_changes_total", "Seat change requests.", ["outcome"], registry=None
)
# invoicing
INVOICES = Counter("airline_invoices_total", "Invoices sent.", registry=None)

BY_SERVICE: dict[str, tuple[MetricWrapperBase, ...]] = {
    "agent": (TURNS, TURN_DURATION, TOOL_CALLS, LLM_CALL_DURATION, LLM_TOKENS),
    "seating": (SEAT_CHANGES,),
    "invoicing": (INVOICES,),
}

_served: list[int] = []


def setup_metrics(service_name: str, host: str, port: str) -> int | None:
    """Serve /metrics on host:port; port "off" (or empty) serves nothing. Returns the port."""
    if port.strip().lower() in ("", "off"):
        return None
    number = int(port)
    if _served:
        return _served[0]
    for metric in (ERRORS, *BY_SERVICE.get(service_name, ())):
        REGISTRY.register(metric)
    prometheus_client.start_http_server(number, addr=host)
    _served.append(number)
    logger.info("%s metrics on http://%s:%d/metrics", service_name, host, number)
    return number
