"""The telemetry library outside a handler: off by default, nothing served unless asked."""

import gc
import weakref

import pytest
from opentelemetry.trace import INVALID_SPAN

from airline_client import TraceParent
from telemetry import replaying, setup_metrics, setup_tracing, start_span, tracing_enabled
from telemetry.metrics import INVOCATION_ATTEMPTS, count_attempts
from telemetry.serving import freeze_startup


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


async def test_each_invocation_attempt_is_counted_by_handler() -> None:
    seen: list[str] = []

    async def app(scope: dict[str, object], receive: object, send: object) -> None:
        seen.append(str(scope.get("path", "")))

    counted = count_attempts(app)
    attempts = INVOCATION_ATTEMPTS.labels(handler="Booking/change_seat")
    before = attempts._value.get()  # pyright: ignore[reportAttributeAccessIssue]
    for path in ("/invoke/Booking/change_seat", "/discover", "/health", "/invoke/Booking"):
        await counted({"type": "http", "path": path}, None, None)
    await counted({"type": "lifespan"}, None, None)
    assert attempts._value.get() - before == 1  # pyright: ignore[reportAttributeAccessIssue]
    assert seen[:4] == ["/invoke/Booking/change_seat", "/discover", "/health", "/invoke/Booking"]


def test_startup_objects_are_frozen_and_new_garbage_is_still_collected() -> None:
    class Cycle:
        me: object = None

    try:
        freeze_startup()
        assert gc.get_freeze_count() > 0
        made = Cycle()
        made.me = made  # garbage only the collector frees
        gone = weakref.ref(made)
        del made
        gc.collect()
        assert gone() is None
    finally:
        gc.unfreeze()
