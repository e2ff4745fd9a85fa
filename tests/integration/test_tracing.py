"""One trace from the client to every hop, exported over OTLP; metrics after a turn.

An in-process OTLP/gRPC receiver stands in for Jaeger. The stack exports to it: restate-server
(RESTATE_TRACING_ENDPOINT) and the services (OTEL_EXPORTER_OTLP_ENDPOINT). In replay mode
(RESTATE_WORKER__INVOKER__INACTIVITY_TIMEOUT=0s) every step is replayed, and still no span of
the agent appears twice.
"""

from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from airline_client import TraceParent
from devstack import Stack, wait_for
from tests.conftest import TEST_MODEL, own_stack
from tests.support.helpers import new_booking, session_id
from tests.support.otlp import OtlpReceiver, ReceivedSpan, span_tree

AGENT_METRICS = (
    "airline_turns_total",
    "airline_turn_duration_seconds",
    "airline_tool_calls_total",
    "airline_llm_call_duration_seconds",
    "airline_llm_tokens_total",
    "airline_errors_total",
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, receiver: OtlpReceiver) -> Iterator[Stack]:
    """A stack of its own exporting spans to the receiver, flushed every 200 ms."""
    yield from own_stack(
        tmp_path_factory,
        "tracing",
        service_env={"OTEL_BSP_SCHEDULE_DELAY": "200"},
        otlp_endpoint=receiver.endpoint,
    )


def _named(spans: list[ReceivedSpan], prefix: str) -> list[ReceivedSpan]:
    return [s for s in spans if s.name.startswith(prefix)]


def _one(spans: list[ReceivedSpan], prefix: str) -> ReceivedSpan:
    found = _named(spans, prefix)
    assert len(found) == 1, f"expected one span {prefix!r}, got {len(found)}"
    return found[0]


def _ancestors(span: ReceivedSpan, spans: list[ReceivedSpan]) -> set[str]:
    """The span ids above span, up to the root (or the first span that is not there)."""
    by_id = {s.span_id: s for s in spans}
    above: set[str] = set()
    parent = span.parent_id
    while parent and parent not in above:
        above.add(parent)
        parent = by_id[parent].parent_id if parent in by_id else ""
    return above


def _complete(spans: list[ReceivedSpan]) -> bool:
    """Whether the spans of every hop and of the agent's end have arrived."""
    names = {s.name for s in spans}
    expected = (
        "ingress AgentSession",
        "invocation-end AgentSession",
        "invocation-attempt Invoicing",
        "invocation-attempt Booking",
        "turn",
        "tool send_invoice",
        "mail invoice",
        "verify owner",
    )
    return all(any(n.startswith(e) for n in names) for e in expected)


def test_one_message_is_one_trace_across_every_hop(
    stack: Stack, receiver: OtlpReceiver, ingress: httpx.Client
) -> None:
    booking = new_booking(ingress)
    client = TraceParent.new()
    response = ingress.post(
        f"/AgentSession/{session_id()}/chat",
        json={"message": f"send me the invoice for {booking.proof}"},
        headers={"traceparent": client.header},
    )
    assert response.status_code == 200, response.text

    try:
        wait_for(lambda: _complete(receiver.spans(client.trace_id)), timeout=30, message="spans")
    finally:
        spans = receiver.spans(client.trace_id)
        print(f"\nclient span {client.span_id}, trace {client.trace_id}\n{span_tree(spans)}")

    ingress_span = _one(spans, "ingress AgentSession")
    assert ingress_span.parent_id == client.span_id
    attempts = _named(spans, "invocation-attempt AgentSession")
    agent_spans = [s for s in spans if s.service == "agent"]
    assert {s.name.split()[0] for s in agent_spans} >= {"turn", "agent", "llm", "tool", "handoff"}
    attempt_ids = {a.span_id for a in attempts}
    for span in agent_spans:
        assert _ancestors(span, spans) & attempt_ids, f"{span.name} is not under the agent"
    # In replay mode every handler suspends, so each invocation may have several attempts.
    for hop in ("invocation-attempt Invoicing", "invocation-attempt Booking"):
        assert _named(spans, hop), f"no {hop}"
        for span in _named(spans, hop):
            assert _ancestors(span, spans) & attempt_ids, f"{hop} is not under the agent"
    assert _one(spans, "mail invoice").service == "invoicing"
    assert _one(spans, "verify owner").service == "seating"

    # Replays emit no span: one span per LLM call that really ran, one per tool call, one turn.
    invocation = ingress_span.attributes["restate.invocation.id"]
    llm_steps = stack.admin_query(
        f"SELECT index FROM sys_journal WHERE id = '{invocation}' AND name LIKE 'call LLM: %'"
    )
    assert len(_named(agent_spans, "llm ")) == len(llm_steps) > 0
    _one(agent_spans, "tool send_invoice")
    _one(agent_spans, "turn")
    _one(agent_spans, "handoff Triage Agent -> Invoice Agent")
    _one(agent_spans, "agent Triage Agent")
    _one(agent_spans, "agent Invoice Agent")
    _one(spans, "mail invoice")


def _samples(url: str | None) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample the endpoint serves, by name and labels."""
    assert url is not None, "the service serves no metrics"
    text = httpx.get(url, timeout=10).text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def _grew(before: Samples, after: Samples, name: str, **labels: str) -> float:
    key = (name, frozenset(labels.items()))
    return after.get(key, 0.0) - before.get(key, 0.0)


def test_metrics_count_each_effect_once_after_a_turn(stack: Stack, ingress: httpx.Client) -> None:
    booking = new_booking(ingress)
    agent_before = _samples(stack.agent.metrics_url)
    invoicing_before = _samples(stack.invoicing.metrics_url)
    response = ingress.post(
        f"/AgentSession/{session_id()}/chat",
        json={"message": f"send me the invoice for {booking.proof}"},
    )
    assert response.status_code == 200, response.text

    agent = _samples(stack.agent.metrics_url)
    invoicing = _samples(stack.invoicing.metrics_url)

    assert stack.agent.metrics_url is not None
    text = httpx.get(stack.agent.metrics_url, timeout=10).text
    for metric in AGENT_METRICS:
        assert f"# TYPE {metric} " in text, metric
    assert "airline_invoices_total" not in text  # invoicing's own
    # Exactly once each, in replay mode too: the turn makes three model calls, one tool call.
    assert _grew(agent_before, agent, "airline_turns_total", agent="invoice", outcome="ok") == 1
    assert _grew(agent_before, agent, "airline_turn_duration_seconds_count") == 1
    tool = {"tool": "send_invoice", "outcome": "ok"}
    assert _grew(agent_before, agent, "airline_tool_calls_total", **tool) == 1
    llm = _grew(agent_before, agent, "airline_llm_call_duration_seconds_count", model=TEST_MODEL)
    assert llm == 3
    assert _grew(invoicing_before, invoicing, "airline_invoices_total") == 1
