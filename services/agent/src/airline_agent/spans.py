"""The Agents SDK's spans as OpenTelemetry spans under Restate's invocation-attempt span.

Replaces the SDK's default processor (which exports to OpenAI's trace backend): nothing leaves
the process except through the OTLP exporter of `telemetry`. Spans started while the handler
replays its journal are no-ops (restate.ext.tracing), so a replay never emits a span twice.
LLM calls get their span where they really run, inside the journaled step (see durable.py).
"""

from typing import Any

from agents import set_trace_processors
from agents.tracing import Span, Trace, TracingProcessor
from agents.tracing.span_data import AgentSpanData, FunctionSpanData, HandoffSpanData
from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode

from telemetry import start_span

_MAX_OPEN = 1000


def _describe(span: Span[Any]) -> tuple[str, dict[str, str]] | None:
    """Name and attributes of the OTEL span for an SDK span; None for kinds we do not export."""
    data = span.span_data
    if isinstance(data, AgentSpanData):
        return f"agent {data.name}", {"gen_ai.agent.name": data.name}
    if isinstance(data, FunctionSpanData):
        return f"tool {data.name}", {"gen_ai.tool.name": data.name}
    if isinstance(data, HandoffSpanData):
        source, target = data.from_agent or "?", data.to_agent or "?"
        return f"handoff {source} -> {target}", {
            "airline.handoff.from": source,
            "airline.handoff.to": target,
        }
    return None


class OtelSpans(TracingProcessor):
    """Mirrors agent, tool and handoff spans of the SDK as OTEL spans."""

    def __init__(self) -> None:
        self._open: dict[str, trace.Span] = {}

    def on_trace_start(self, trace: Trace) -> None:
        """The turn has its own span (session.py)."""

    def on_trace_end(self, trace: Trace) -> None:
        """See on_trace_start."""

    def on_span_start(self, span: Span[Any]) -> None:
        described = _describe(span)
        if described is None:
            return
        name, attributes = described
        otel = start_span(name, attributes)
        if otel.is_recording():
            if len(self._open) >= _MAX_OPEN:
                # Spans of attempts that ended without the SDK ending them were ended by
                # restate.ext.tracing at the attempt's end: forget those.
                self._open = {k: v for k, v in self._open.items() if v.is_recording()}
            self._open[span.span_id] = otel

    def on_span_end(self, span: Span[Any]) -> None:
        otel = self._open.pop(span.span_id, None)
        if otel is None:
            return
        data = span.span_data
        if isinstance(data, HandoffSpanData):
            # The target is known only once the handoff happened.
            described = _describe(span)
            if described is not None:
                otel.update_name(described[0])
                otel.set_attributes(described[1])
        if span.error:
            otel.set_status(Status(StatusCode.ERROR, span.error.get("message")))
        otel.end()

    def shutdown(self) -> None:
        self._open.clear()

    def force_flush(self) -> None:
        """The OTEL span processor flushes."""


def install() -> None:
    """Send the SDK's spans to OTEL only, never to OpenAI's trace backend."""
    set_trace_processors([OtelSpans()])
