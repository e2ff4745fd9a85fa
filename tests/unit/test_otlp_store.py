"""The Jaeger stand-in (compose/standins/jaeger/otlp_store.py), in-process on free ports.

Real exporters send to it (the OpenTelemetry SDK's OTLP/gRPC exporter, raw OTLP/HTTP bodies);
the answers are read through Jaeger's query API, as tests/compose reads them from the container.
"""

import gzip
import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import grpc
import httpx
import pytest
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

PATH = Path(__file__).resolve().parents[2] / "compose" / "standins" / "jaeger" / "otlp_store.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("otlp_store", PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


otlp_store = _load()
# One client for the module: each new one loads the CA bundle (~80 ms).
http = httpx.Client(timeout=5)


@pytest.fixture(scope="module")
def ports() -> Iterator[dict[str, int]]:
    servers = otlp_store.serve(
        otlp_store.Store(max_spans=50),
        host="127.0.0.1",
        ports={"grpc": 0, "otlp": 0, "query": 0, "health": 0},
    )
    yield {
        "grpc": servers["grpc_port"],
        **{role: servers[role].server_address[1] for role in ("otlp", "query", "health")},
    }
    servers["grpc"].stop(grace=None)
    for role in ("otlp", "query", "health"):
        servers[role].shutdown()


def _trace(ports: dict[str, int], trace_id: str) -> httpx.Response:
    return http.get(f"http://127.0.0.1:{ports['query']}/api/traces/{trace_id}")


def _export_two_spans(ports: dict[str, int], service: str) -> tuple[str, str, str]:
    """A parent and a child span through the SDK's OTLP/gRPC exporter; their hex ids."""
    exporter = OTLPSpanExporter(endpoint=f"http://127.0.0.1:{ports['grpc']}", insecure=True)
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    with (
        tracer.start_as_current_span("parent") as parent,
        tracer.start_as_current_span("child", attributes={"n": 3, "ok": True}) as child,
    ):
        pass
    provider.shutdown()
    context, child_context = parent.get_span_context(), child.get_span_context()
    return (
        f"{context.trace_id:032x}",
        f"{context.span_id:016x}",
        f"{child_context.span_id:016x}",
    )


def test_grpc_export_is_queried_in_jaegers_json(ports: dict[str, int]) -> None:
    trace_id, parent_id, child_id = _export_two_spans(ports, "seating")
    response = _trace(ports, trace_id)
    assert response.status_code == 200
    (trace,) = response.json()["data"]
    assert int(trace["traceID"], 16) == int(trace_id, 16)
    spans = {s["operationName"]: s for s in trace["spans"]}
    assert spans["parent"]["spanID"] == parent_id and spans["parent"]["references"] == []
    reference = spans["child"]["references"][0]
    assert reference["refType"] == "CHILD_OF" and reference["spanID"] == parent_id
    assert spans["child"]["spanID"] == child_id
    assert {"key": "n", "type": "int64", "value": 3} in spans["child"]["tags"]
    assert trace["processes"][spans["child"]["processID"]]["serviceName"] == "seating"
    services = http.get(f"http://127.0.0.1:{ports['query']}/api/services").json()
    assert "seating" in services["data"]
    found = http.get(
        f"http://127.0.0.1:{ports['query']}/api/traces", params={"service": "seating"}, timeout=5
    ).json()["data"]
    assert any(int(t["traceID"], 16) == int(trace_id, 16) for t in found)


def _request(trace_id: bytes, span_id: bytes, name: str) -> Any:
    request = trace_service_pb2.ExportTraceServiceRequest()
    resource_spans = request.resource_spans.add()
    attribute = resource_spans.resource.attributes.add()
    attribute.key, attribute.value.string_value = "service.name", "http-client"
    span = resource_spans.scope_spans.add().spans.add()
    span.trace_id, span.span_id, span.name = trace_id, span_id, name
    return request


def test_http_protobuf_gzip_and_json_are_decoded(ports: dict[str, int]) -> None:
    url = f"http://127.0.0.1:{ports['otlp']}/v1/traces"
    trace_id = bytes(range(1, 17))
    body = _request(trace_id, b"\x01" * 8, "protobuf").SerializeToString()
    response = http.post(url, content=body, headers={"content-type": "application/x-protobuf"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-protobuf"
    zipped = gzip.compress(_request(trace_id, b"\x02" * 8, "gzip").SerializeToString())
    headers = {"content-type": "application/x-protobuf", "content-encoding": "gzip"}
    assert http.post(url, content=zipped, headers=headers).status_code == 200
    document = {
        "resourceSpans": [
            {
                "scopeSpans": [
                    {"spans": [{"traceId": trace_id.hex(), "spanId": "03" * 8, "name": "json"}]}
                ]
            }
        ]
    }
    response = http.post(
        url, content=json.dumps(document), headers={"content-type": "application/json"}
    )
    assert response.status_code == 200, response.text
    names = {s["operationName"] for s in _trace(ports, trace_id.hex()).json()["data"][0]["spans"]}
    assert names == {"protobuf", "gzip", "json"}


def test_what_jaeger_refuses_is_refused(ports: dict[str, int]) -> None:
    url = f"http://127.0.0.1:{ports['otlp']}/v1/traces"
    garbage = http.post(
        url, content=b"\xff\xff", headers={"content-type": "application/x-protobuf"}
    )
    assert garbage.status_code == 400
    assert http.post(url, content=b"x", headers={"content-type": "text/plain"}).status_code == 415
    short_id = _request(b"\x01" * 4, b"\x01" * 8, "bad").SerializeToString()
    bad_id = http.post(url, content=short_id, headers={"content-type": "application/x-protobuf"})
    assert bad_id.status_code == 400
    with grpc.insecure_channel(f"127.0.0.1:{ports['grpc']}") as channel:
        stub = trace_service_pb2_grpc.TraceServiceStub(channel)
        with pytest.raises(grpc.RpcError) as refused:
            stub.Export(_request(b"\x01" * 4, b"\x01" * 8, "bad"))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    missing = _trace(ports, "0" * 31 + "1")
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["msg"] == "trace not found"
    health = http.get(f"http://127.0.0.1:{ports['health']}/status")
    assert health.status_code == 200


def test_oldest_traces_are_dropped_beyond_max_spans(ports: dict[str, int]) -> None:
    url = f"http://127.0.0.1:{ports['otlp']}/v1/traces"
    headers = {"content-type": "application/x-protobuf"}
    first = b"\x09" * 16
    http.post(url, content=_request(first, b"\x01" * 8, "old").SerializeToString(), headers=headers)
    for i in range(60):
        trace_id = i.to_bytes(2, "big") + b"\x07" * 14
        body = _request(trace_id, b"\x01" * 8, "new").SerializeToString()
        assert http.post(url, content=body, headers=headers).status_code == 200
    assert _trace(ports, first.hex()).status_code == 404
    assert _trace(ports, (59).to_bytes(2, "big").hex() + "07" * 14).status_code == 200
