"""What the services share: serving, tracing under Restate's trace, and Prometheus metrics."""

# Replay-safe recording comes from the runtime; re-exported so services need only telemetry.
from durable_agents import once, replaying

from .credentials import (
    SUPERVISOR_HEADER,
    identity_keys,
    require_supervisor,
    secret,
)
from .metrics import (
    ERRORS,
    INVOICES,
    LLM_CALL_DURATION,
    LLM_TOKENS,
    SEAT_CHANGES,
    TOOL_CALLS,
    TURN_DURATION,
    TURNS,
    setup_metrics,
)
from .serving import ServingConfig, serve, serve_configured
from .tracing import handler_span, setup_tracing, start_span, tracing_enabled

__all__ = [
    "ERRORS",
    "INVOICES",
    "LLM_CALL_DURATION",
    "LLM_TOKENS",
    "SEAT_CHANGES",
    "SUPERVISOR_HEADER",
    "TOOL_CALLS",
    "TURNS",
    "TURN_DURATION",
    "ServingConfig",
    "handler_span",
    "identity_keys",
    "once",
    "replaying",
    "require_supervisor",
    "secret",
    "serve",
    "serve_configured",
    "setup_metrics",
    "setup_tracing",
    "start_span",
    "tracing_enabled",
]
