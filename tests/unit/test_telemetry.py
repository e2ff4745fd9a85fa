"""The telemetry library outside a handler: off by default, nothing served unless asked."""

import pytest
from opentelemetry.trace import INVALID_SPAN

from airline_client import TraceParent
from telemetry import replaying, setup_metrics, setup_tracing, start_span, tracing_enabled


def test_tracing_is_off_without_an_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    assert not tracing_enabled()
    assert setup_tracing("agent") is False
    assert start_span("llm offline") is INVALID_SPAN


def test_metrics_off_serves_nothing() -> None:
    assert setup_metrics("agent", "127.0.0.1", "off") is None
    assert setup_metrics("agent", "127.0.0.1", "") is None


def test_outside_a_handler_nothing_is_replaying() -> None:
    assert replaying() is False


def test_traceparent_is_w3c_and_sampled() -> None:
    first, second = TraceParent.new(), TraceParent.new()
    version, trace_id, span_id, flags = first.header.split("-")
    assert (version, flags) == ("00", "01")
    assert len(trace_id) == 32 and len(span_id) == 16
    assert int(trace_id, 16) and int(span_id, 16)
    assert first.trace_id != second.trace_id
