"""A stand-in for Jaeger v2 where its image cannot be pulled: OTLP in, Jaeger's query API out.

Receives traces as Jaeger does (OTLP/gRPC on 4317, OTLP/HTTP on 4318, protobuf or JSON), keeps
them in memory (like Jaeger's `memory` storage, bounded by MAX_SPANS), and answers the parts of
Jaeger's HTTP query API (16686) that the container test and a person with curl use:
`/api/services`, `/api/traces/{trace id}`, `/api/traces?service=NAME`, in Jaeger's JSON shape.
The health endpoint is `:13133/status`, as in Jaeger v2. Requests are decoded for real: a body
that is not an `ExportTraceServiceRequest` is refused as Jaeger refuses it (gRPC
INVALID_ARGUMENT, HTTP 400), so a broken exporter fails here too.

There is no UI: the index page says so and points at the API.
"""

import base64
import gzip
import json
import logging
import os
import re
import signal
import threading
from collections import OrderedDict
from collections.abc import Iterable
from concurrent import futures
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import grpc
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span

logger = logging.getLogger("otlp_store")

MAX_SPANS = int(os.environ.get("MAX_SPANS", "200000"))
PROTOBUF = "application/x-protobuf"
JSON = "application/json"


def _value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [_value(v) for v in value.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: _value(kv.value) for kv in value.kvlist_value.values}
    if kind == "bytes_value":
        return value.bytes_value.hex()
    return getattr(value, kind) if kind else None


def _tags(pairs: Iterable[KeyValue]) -> list[dict[str, Any]]:
    """OTLP attributes as Jaeger tags (key, type, value)."""
    tags = []
    for pair in pairs:
        value = _value(pair.value)
        if isinstance(value, bool):
            kind = "bool"
        elif isinstance(value, int):
            kind = "int64"
        elif isinstance(value, float):
            kind = "float64"
        else:
            kind, value = "string", value if isinstance(value, str) else json.dumps(value)
        tags.append({"key": pair.key, "type": kind, "value": value})
    return tags


def jaeger_trace_id(raw: bytes) -> str:
    """A trace id as Jaeger prints it: hex, without the leading zeros of a zero high half."""
    high, low = int.from_bytes(raw[:8], "big"), int.from_bytes(raw[8:], "big")
    return f"{high:x}{low:016x}" if high else f"{low:x}"


class Store:
    """Spans by trace, oldest traces dropped first once MAX_SPANS is exceeded."""

    def __init__(self, max_spans: int = MAX_SPANS) -> None:
        self._traces: OrderedDict[int, list[dict[str, Any]]] = OrderedDict()
        self._count = 0
        self._max = max_spans
        self._lock = threading.Lock()

    def add(self, request: trace_service_pb2.ExportTraceServiceRequest) -> int:
        """Store every span of an export request; returns how many there were."""
        added = 0
        for resource_spans in request.resource_spans:
            resource = _tags(resource_spans.resource.attributes)
            service = next((t["value"] for t in resource if t["key"] == "service.name"), "")
            process = {"serviceName": str(service) or "unknown_service", "tags": resource}
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    self._insert(span, process)
                    added += 1
        return added

    def _insert(self, span: Span, process: dict[str, Any]) -> None:
        if len(span.trace_id) != 16 or len(span.span_id) != 8:
            raise ValueError("a span needs a 16-byte trace_id and an 8-byte span_id")
        entry = {
            "traceID": jaeger_trace_id(span.trace_id),
            "spanID": span.span_id.hex(),
            "operationName": span.name,
            "references": [
                {
                    "refType": "CHILD_OF",
                    "traceID": jaeger_trace_id(span.trace_id),
                    "spanID": span.parent_span_id.hex(),
                }
            ]
            if span.parent_span_id
            else [],
            "startTime": span.start_time_unix_nano // 1000,
            "duration": max(0, span.end_time_unix_nano - span.start_time_unix_nano) // 1000,
            "tags": _tags(span.attributes),
            "logs": [
                {"timestamp": e.time_unix_nano // 1000, "fields": _tags(e.attributes)}
                for e in span.events
            ],
            "process": process,
        }
        key = int.from_bytes(span.trace_id, "big")
        with self._lock:
            self._traces.setdefault(key, []).append(entry)
            self._traces.move_to_end(key)
            self._count += 1
            while self._count > self._max and len(self._traces) > 1:
                _, dropped = self._traces.popitem(last=False)
                self._count -= len(dropped)

    def trace(self, trace_id: str) -> list[dict[str, Any]] | None:
        """The spans of one trace (hex id, any length up to 32), or None."""
        with self._lock:
            spans = self._traces.get(int(trace_id, 16))
            return list(spans) if spans else None

    def services(self) -> list[str]:
        """Every service name seen, sorted."""
        with self._lock:
            names = {s["process"]["serviceName"] for t in self._traces.values() for s in t}
        return sorted(names)

    def traces_of(self, service: str, limit: int) -> list[list[dict[str, Any]]]:
        """The newest `limit` traces that have a span of this service."""
        with self._lock:
            found = [
                list(spans)
                for spans in reversed(self._traces.values())
                if any(s["process"]["serviceName"] == service for s in spans)
            ]
        return found[:limit]


def as_jaeger_trace(spans: list[dict[str, Any]]) -> dict[str, Any]:
    """Jaeger's JSON for one trace: spans with processIDs and the processes table."""
    processes: dict[str, dict[str, Any]] = {}
    keys: dict[str, str] = {}
    out = []
    for span in spans:
        fingerprint = json.dumps(span["process"], sort_keys=True)
        if fingerprint not in keys:
            keys[fingerprint] = f"p{len(keys) + 1}"
            processes[keys[fingerprint]] = span["process"]
        out.append(
            {
                **{k: v for k, v in span.items() if k != "process"},
                "processID": keys[fingerprint],
                "warnings": None,
            }
        )
    return {"traceID": spans[0]["traceID"], "spans": out, "processes": processes, "warnings": None}


def decode(
    body: bytes, content_type: str, encoding: str
) -> trace_service_pb2.ExportTraceServiceRequest:
    """An OTLP/HTTP request body as a protobuf message; ValueError when it is not one."""
    if encoding == "gzip":
        body = gzip.decompress(body)
    elif encoding not in ("", "identity"):
        raise ValueError(f"unsupported Content-Encoding {encoding!r}")
    request = trace_service_pb2.ExportTraceServiceRequest()
    if content_type == PROTOBUF:
        try:
            request.ParseFromString(body)
        except DecodeError as error:
            raise ValueError(f"not an ExportTraceServiceRequest: {error}") from None
    elif content_type == JSON:
        # OTLP/JSON writes trace and span ids in hex, where protobuf's JSON mapping wants base64.
        text = re.sub(
            r'"(traceId|spanId|parentSpanId)"\s*:\s*"([0-9a-fA-F]*)"',
            lambda m: f'"{m[1]}":"{base64.b64encode(bytes.fromhex(m[2])).decode()}"',
            body.decode(),
        )
        try:
            json_format.Parse(text, request, ignore_unknown_fields=True)
        except json_format.ParseError as error:
            raise ValueError(f"not an ExportTraceServiceRequest: {error}") from None
    else:
        raise LookupError(content_type)
    return request


class TraceService(trace_service_pb2_grpc.TraceServiceServicer):
    """OTLP/gRPC: the exporters of the services and of restate-server send here."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def Export(
        self, request: trace_service_pb2.ExportTraceServiceRequest, context: grpc.ServicerContext
    ) -> trace_service_pb2.ExportTraceServiceResponse:
        try:
            self.store.add(request)
        except ValueError as error:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(error))
        return trace_service_pb2.ExportTraceServiceResponse()


def handler(store: Store, role: str) -> type[BaseHTTPRequestHandler]:
    """The HTTP handler of one port: "otlp" (4318), "query" (16686) or "health" (13133)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in two writes

        def log_message(self, format: str, *args: Any) -> None:
            logger.debug(format, *args)

        def _send(self, status: int, body: bytes, content_type: str = JSON) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, document: Any) -> None:
            self._send(status, json.dumps(document).encode())

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if role != "otlp" or urlsplit(self.path).path != "/v1/traces":
                self._send(404, b"404 page not found\n", "text/plain")
                return
            content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip()
            try:
                request = decode(body, content_type, self.headers.get("Content-Encoding") or "")
                store.add(request)
            except LookupError:
                self._send(
                    415, f"unsupported content type {content_type!r}\n".encode(), "text/plain"
                )
                return
            except (ValueError, OSError, UnicodeDecodeError) as error:
                self._send(400, f"{error}\n".encode(), "text/plain")
                return
            response = trace_service_pb2.ExportTraceServiceResponse()
            if content_type == PROTOBUF:
                self._send(200, response.SerializeToString(), PROTOBUF)
            else:
                self._send(200, json_format.MessageToJson(response).encode())

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if role == "health" and url.path == "/status":
                self._json(200, {"status": "StatusOK"})
            elif role == "query":
                self._query(url.path, parse_qs(url.query))
            else:
                self._send(404, b"404 page not found\n", "text/plain")

        def _query(self, path: str, query: dict[str, list[str]]) -> None:
            found = re.fullmatch(r"/api/traces/([0-9a-fA-F]{1,32})", path)
            if found:
                spans = store.trace(found[1])
                if spans is None:
                    errors = [{"code": 404, "msg": "trace not found"}]
                    self._json(404, {"data": None, "total": 0, "errors": errors})
                else:
                    self._json(200, {"data": [as_jaeger_trace(spans)], "total": 1, "errors": None})
            elif path == "/api/traces" and query.get("service"):
                limit = int(query.get("limit", ["20"])[0])
                traces = [as_jaeger_trace(t) for t in store.traces_of(query["service"][0], limit)]
                self._json(200, {"data": traces, "total": len(traces), "errors": None})
            elif path == "/api/services":
                names = store.services()
                self._json(200, {"data": names, "total": len(names), "errors": None})
            elif path.startswith("/api/"):
                self._json(
                    400, {"data": None, "errors": [{"code": 400, "msg": f"bad query {path}"}]}
                )
            else:
                text = b"Jaeger stand-in (no UI): query /api/services, /api/traces/<trace id>\n"
                self._send(200, text, "text/plain")

    return Handler


def serve(
    store: Store, host: str = "0.0.0.0", ports: dict[str, int] | None = None
) -> dict[str, Any]:
    """Start every listener on its own thread; returns the servers by role (for stopping)."""
    ports = ports or {"grpc": 4317, "otlp": 4318, "query": 16686, "health": 13133}
    servers: dict[str, Any] = {}
    grpc_server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(TraceService(store), grpc_server)
    servers["grpc_port"] = grpc_server.add_insecure_port(f"{host}:{ports['grpc']}")
    grpc_server.start()
    servers["grpc"] = grpc_server
    for role in ("otlp", "query", "health"):
        http = ThreadingHTTPServer((host, ports[role]), handler(store, role))
        threading.Thread(target=http.serve_forever, name=role, daemon=True).start()
        servers[role] = http
    return servers


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    servers = serve(Store())
    logger.info("OTLP gRPC :4317, OTLP HTTP :4318, query API :16686, health :13133")
    # PID 1 in a container: SIGTERM (docker stop) only stops it when handled.
    signal.signal(signal.SIGTERM, lambda *_: servers["grpc"].stop(grace=1))
    servers["grpc"].wait_for_termination()


if __name__ == "__main__":
    main()
