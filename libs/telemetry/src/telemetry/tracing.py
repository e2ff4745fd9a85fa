"""OpenTelemetry tracing: an OTLP exporter when configured, spans under Restate's trace.

Without `OTEL_EXPORTER_OTLP_ENDPOINT` nothing is installed and the helpers return no-op spans.
"""

import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from opentelemetry import trace
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Span
from opentelemetry.util.types import AttributeValue

import durable_agents

logger = logging.getLogger(__name__)

ENDPOINT_ENV = "OTEL_EXPORTER_OTLP_ENDPOINT"
TRACER_NAME = "airline"

_provider: list[TracerProvider] = []


def tracing_enabled() -> bool:
    """Whether spans are exported (an OTLP endpoint is configured)."""
    return bool(os.environ.get(ENDPOINT_ENV))


def setup_tracing(service_name: str) -> bool:
    """Install a TracerProvider exporting to the OTLP (gRPC) endpoint, if one is configured."""
    if not tracing_enabled() or _provider:
        return bool(_provider)
    # Imported here: without an endpoint the gRPC stack is never loaded.
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

    name = os.environ.get("OTEL_SERVICE_NAME") or service_name
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: name}))
    # The exporter reads the endpoint (and OTEL_EXPORTER_OTLP_* options) itself; the batch
    # processor reads OTEL_BSP_SCHEDULE_DELAY and friends.
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    _provider.append(provider)
    logger.info("exporting traces of %s to %s", name, os.environ[ENDPOINT_ENV])
    return True


def start_span(name: str, attributes: Mapping[str, AttributeValue] | None = None) -> Span:
    """A span under the running handler's attempt span; a no-op span on replay or when off.

    Ended by the caller, or else when the attempt ends (restate.ext.tracing tracks it).
    """
    return durable_agents.start_span(
        name, attributes, enabled=tracing_enabled(), tracer=TRACER_NAME
    )


@contextmanager
def handler_span(name: str, **attributes: AttributeValue) -> Iterator[Span]:
    """A span over (the rest of) a handler, under its attempt span; no-op when not exporting."""
    with durable_agents.span(
        name, enabled=tracing_enabled(), tracer=TRACER_NAME, **attributes
    ) as current:
        yield current
