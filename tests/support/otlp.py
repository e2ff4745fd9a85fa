"""An in-process OTLP/gRPC trace receiver: what Jaeger would receive, kept in a list."""

import threading
from collections.abc import Iterable
from concurrent import futures
from dataclasses import dataclass, field
from typing import Any

import grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue


def _value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    return getattr(value, kind) if kind else None


def _attributes(pairs: Iterable[KeyValue]) -> dict[str, Any]:
    return {pair.key: _value(pair.value) for pair in pairs}


@dataclass(frozen=True)
class ReceivedSpan:
    """One exported span, ids in lower-case hex ("" for no parent)."""

    trace_id: str
    span_id: str
    parent_id: str
    name: str
    service: str
    attributes: dict[str, Any] = field(hash=False, compare=False)


class _Collector(trace_service_pb2_grpc.TraceServiceServicer):
    def __init__(self, spans: list[ReceivedSpan], raw: list[bytes], lock: threading.Lock) -> None:
        self.spans, self.raw, self.lock = spans, raw, lock

    def Export(
        self, request: trace_service_pb2.ExportTraceServiceRequest, context: Any
    ) -> trace_service_pb2.ExportTraceServiceResponse:
        received: list[ReceivedSpan] = []
        for resource_spans in request.resource_spans:
            service = str(_attributes(resource_spans.resource.attributes).get("service.name"))
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    received.append(
                        ReceivedSpan(
                            trace_id=span.trace_id.hex(),
                            span_id=span.span_id.hex(),
                            parent_id=span.parent_span_id.hex(),
                            name=span.name,
                            service=service,
                            attributes=_attributes(span.attributes),
                        )
                    )
        with self.lock:
            self.spans.extend(received)
            self.raw.append(request.SerializeToString())
        return trace_service_pb2.ExportTraceServiceResponse()


class OtlpReceiver:
    """A gRPC OTLP trace endpoint on 127.0.0.1 (a free port) collecting every span."""

    def __init__(self) -> None:
        self._spans: list[ReceivedSpan] = []
        self._raw: list[bytes] = []  # every export request as received (events, resources too)
        self._lock = threading.Lock()
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        trace_service_pb2_grpc.add_TraceServiceServicer_to_server(
            _Collector(self._spans, self._raw, self._lock), self._server
        )
        self.port = self._server.add_insecure_port("127.0.0.1:0")

    @property
    def endpoint(self) -> str:
        """The OTLP gRPC endpoint, as OTEL_EXPORTER_OTLP_ENDPOINT / RESTATE_TRACING_ENDPOINT."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start serving."""
        self._server.start()

    def stop(self) -> None:
        """Stop serving (at once)."""
        self._server.stop(grace=None)

    def __enter__(self) -> "OtlpReceiver":
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def spans(self, trace_id: str | None = None) -> list[ReceivedSpan]:
        """What arrived so far, of one trace or of all."""
        with self._lock:
            return [s for s in self._spans if trace_id is None or s.trace_id == trace_id]

    def raw(self) -> bytes:
        """Every export request received so far, serialized, concatenated: for grepping."""
        with self._lock:
            return b"".join(self._raw)


def span_tree(spans: list[ReceivedSpan]) -> str:
    """The spans as an indented tree (name [service]), roots first; for reading on failure."""
    by_parent: dict[str, list[ReceivedSpan]] = {}
    ids = {s.span_id for s in spans}
    for span in spans:
        by_parent.setdefault(span.parent_id if span.parent_id in ids else "", []).append(span)
    lines: list[str] = []

    def walk(parent: str, depth: int) -> None:
        for span in by_parent.get(parent, []):
            orphan = f" (parent {span.parent_id})" if depth == 0 and span.parent_id else ""
            lines.append(f"{'  ' * depth}{span.name} [{span.service}]{orphan}")
            walk(span.span_id, depth + 1)

    walk("", 0)
    return "\n".join(lines)
