"""Spans under the running invocation's attempt span, never emitted twice by a replay."""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from opentelemetry import trace
from opentelemetry.trace import INVALID_SPAN, Span
from opentelemetry.util.types import AttributeValue
from restate.ext.tracing import RestateTracerProvider

from .replay import replaying

TRACER_NAME = "durable_agents"


def _tracer(name: str) -> trace.Tracer:
    return RestateTracerProvider(trace.get_tracer_provider()).get_tracer(name)


def start_span(
    name: str,
    attributes: Mapping[str, AttributeValue] | None = None,
    *,
    enabled: bool = True,
    tracer: str = TRACER_NAME,
) -> Span:
    """A span under the attempt span; a no-op span on replay or when not `enabled`.

    Ended by the caller, or else when the attempt ends (restate.ext.tracing tracks it).
    """
    # replaying() also refreshes the flag restate.ext.tracing reads.
    if not enabled or replaying():
        return INVALID_SPAN
    return _tracer(tracer).start_span(name, attributes=attributes)


@contextmanager
def span(
    name: str, *, enabled: bool = True, tracer: str = TRACER_NAME, **attributes: AttributeValue
) -> Iterator[Span]:
    """A current span over a block, under the attempt span; a no-op on replay or when off."""
    if not enabled or replaying():
        yield INVALID_SPAN
        return
    with _tracer(tracer).start_as_current_span(name, attributes=attributes) as current:
        yield current
