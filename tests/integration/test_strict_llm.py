"""Every request a turn sends is one the OpenAI API accepts, on both APIs, through crashes.

The agent talks to the strict test endpoint (tests/support/fault_llm) through the real openai
client. The endpoint answers like a current reasoning model ("current" profile: reasoning items
with encrypted content, provider ids, phases, annotations, several calls in one response) and
refuses, as the real API does, any request with an invalid item; the conftest fixture fails a
test that caused one. Covered: a session started on the offline model continued on each API,
tool turns, handoffs, two tools in one response, a refusal, a cancelled turn, and a SIGKILL of
the agent mid-turn, whose retried model call must send exactly the first attempt's input.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from devstack import Stack, wait_for
from tests.conftest import WATCHED, stack_config, strict_agent_env, watch
from tests.support.fault_llm import REFUSAL, FaultLLM
from tests.support.helpers import TestBooking as Booking
from tests.support.helpers import chat, ingress_client, mails, new_booking, read, session_id
from tests.support.turns import Turn

# Responses last: the tests after them run on it without another restart.
API = ("chat_completions", "responses")
PATH = {"responses": "/v1/responses", "chat_completions": "/v1/chat/completions"}


@pytest.fixture(scope="module")
def llm() -> Iterator[FaultLLM]:
    endpoint = FaultLLM(profile="current").start()
    watch(endpoint)  # the conftest fixture fails any test that caused a refusal
    yield endpoint
    WATCHED.remove(endpoint)
    endpoint.stop()


def model_env(llm: FaultLLM, api: str) -> dict[str, str]:
    """The agent on `api` against the strict endpoint, stateless with encrypted reasoning."""
    return strict_agent_env(llm, api) | {"OPENAI_API_KEY": KEY}


KEY = "sk-test-strict-llm"
# The built-in model: no key.
OFFLINE = {"OPENAI_API_KEY": "", "AGENT_MODEL": "offline"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, llm: FaultLLM) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("strict-llm")
    with Stack(stack_config(root, agent_env=model_env(llm, "responses"))) as running:
        yield running


def use_model(stack: Stack, env: dict[str, str]) -> None:
    """Restart the agent with another model configuration (same port, same registration).

    Between turns nothing runs: a SIGKILL is as good as a graceful stop, and quicker.
    """
    if all(stack.agent.extra_env.get(name) == value for name, value in env.items()):
        return
    stack.agent.kill()
    stack.agent.extra_env = {**stack.agent.extra_env, **env}
    stack.agent.start()
    stack.agent.wait_listening(timeout=60)


@pytest.fixture
def ingress(stack: Stack, llm: FaultLLM) -> Iterator[httpx.Client]:
    llm.latency_s = 0
    with ingress_client(stack.ingress_url, timeout=120.0) as http:
        yield http
    llm.latency_s = 0


def requests_of(llm: FaultLLM, marker: str, api: str = "responses") -> list[dict[str, Any]]:
    """The request bodies whose conversation holds `marker` (a booking number), in order."""
    key = "input" if api == "responses" else "messages"
    return [b for b in llm.bodies(PATH[api]) if marker in str(b.get(key))]


def kinds(body: dict[str, Any]) -> list[str]:
    return [str(i.get("type") or i.get("role")) for i in body.get("input") or []]


def no_split_pairs(items: list[dict[str, Any]]) -> None:
    calls = {i["call_id"] for i in items if i.get("type") == "function_call"}
    outputs = {i["call_id"] for i in items if i.get("type") == "function_call_output"}
    assert calls == outputs, "a tool call without its output (or the reverse) in the history"


def test_a_session_started_offline_continues_on_both_apis(
    stack: Stack, llm: FaultLLM, ingress: httpx.Client
) -> None:
    """What the offline model, the tools, handoffs and notices left is valid input for both."""
    booking = new_booking(ingress)
    session = session_id()
    use_model(stack, OFFLINE)
    assert chat(ingress, session, "how much baggage can I bring?")["agent"] == "faq"
    answer = chat(ingress, session, f"change my seat to 7C and send the invoice, {booking.proof}")
    assert "7C" in answer["reply"], answer
    use_model(stack, model_env(llm, "chat_completions"))
    answer = chat(ingress, session, f"send me the invoice again for {booking.proof}")
    assert "nvoice" in answer["reply"], answer
    # What Chat Completions left (the SDK gives its output placeholder ids) goes on to Responses.
    use_model(stack, model_env(llm, "responses"))
    answer = chat(ingress, session, "what about wifi on board?")
    assert answer["agent"] == "faq", answer
    assert requests_of(llm, booking.confirmation_number, "responses")
    assert requests_of(llm, booking.confirmation_number, "chat_completions")
    no_split_pairs(read(ingress, f"/AgentSession/{session}/history")["items"])


@pytest.mark.parametrize("api", API)
def test_current_model_outputs_over_a_multi_turn_session(
    api: str, stack: Stack, llm: FaultLLM, ingress: httpx.Client
) -> None:
    """Reasoning items, provider ids, phases, annotations, two calls in one response, a refusal."""
    use_model(stack, model_env(llm, api))
    booking = new_booking(ingress)
    session = session_id()
    assert chat(ingress, session, f"hi, my booking is {booking.confirmation_number}")
    assert chat(ingress, session, "how much baggage can I bring?")["agent"] == "faq"
    answer = chat(ingress, session, f"change my seat to 9D and send the invoice {booking.proof}")
    assert "9D" in answer["reply"] and "nvoice" in answer["reply"], answer
    assert len(mails(ingress, booking.email)) == 1
    llm.refuse()
    assert chat(ingress, session, "tell me something you should not")["reply"] == REFUSAL
    answer = chat(ingress, session, f"send me the invoice for {booking.proof}")
    assert "nvoice" in answer["reply"], answer
    bodies = requests_of(llm, booking.confirmation_number, api)
    assert len(bodies) >= 8
    if api == "responses":
        assert all(b.get("store") is False for b in bodies)
        assert all("reasoning.encrypted_content" in b.get("include", []) for b in bodies)
        # The model's reasoning goes back to it, encrypted, right before what it led to.
        sent = [i for b in bodies for i in b["input"] if i.get("type") == "reasoning"]
        assert sent and all(i.get("encrypted_content") for i in sent)
        # Both calls of one response went back with their outputs, provider ids kept.
        last = bodies[-1]["input"]
        pair = {"update_seat", "send_invoice"}
        both = [i for i in last if i.get("type") == "function_call" and i["name"] in pair]
        assert len(both) >= 2 and all(i["id"].startswith("fc_") for i in both)


@dataclass
class SlowTurn:
    """A session's second turn, running in the background on a slow model."""

    turn: Turn
    booking: Booking
    session: str
    before: int  # the session's requests before this turn


def slow_turn(
    stack: Stack, llm: FaultLLM, ingress: httpx.Client, messages: tuple[str, str], calls: int
) -> SlowTurn:
    """A first turn, then the second on a model that takes 1 s a call, `calls` calls into it.

    The messages are templates: {number} the new booking's confirmation number (the first
    message names it: requests_of() looks for it), {proof} it with the last name.
    """
    use_model(stack, model_env(llm, "responses"))
    booking, session = new_booking(ingress), session_id()
    first, then = (
        m.format(number=booking.confirmation_number, proof=booking.proof) for m in messages
    )
    assert chat(ingress, session, first)
    llm.latency_s = 1.0
    before = len(requests_of(llm, booking.confirmation_number))
    turn = Turn(stack.ingress_url, session, then)
    turn.start()
    wait_for(
        lambda: len(requests_of(llm, booking.confirmation_number)) >= before + calls,
        timeout=60,
        interval=0.02,
    )
    return SlowTurn(turn, booking, session, before)


def test_a_cancelled_turn_leaves_valid_input(
    stack: Stack, llm: FaultLLM, ingress: httpx.Client
) -> None:
    slow = slow_turn(
        stack, llm, ingress, ("how much baggage can I bring? {number}", "invoice for {proof}"), 1
    )
    turn, booking, session = slow.turn, slow.booking, slow.session
    wait_for(
        lambda: read(ingress, f"/AgentSession/{session}/cancel")["cancelled"],
        timeout=30,
        interval=0.05,
    )
    turn.join(90)
    assert turn.response is not None and turn.response.status_code == 409, turn.response
    llm.latency_s = 0
    answer = chat(ingress, session, f"send me the invoice for {booking.proof}")
    assert "nvoice" in answer["reply"], answer
    no_split_pairs(read(ingress, f"/AgentSession/{session}/history")["items"])


def test_after_a_sigkill_mid_turn_the_retried_call_sends_the_same_input(
    stack: Stack, llm: FaultLLM, ingress: httpx.Client
) -> None:
    """The model call in flight is sent again; its input, built from the journal, is the same."""
    # The second model call of the turn is built from the first one's (journaled) response.
    messages = ("my booking is {number}", "change my seat to 12A and send the invoice {proof}")
    slow = slow_turn(stack, llm, ingress, messages, calls=2)
    turn, booking, session, sent = slow.turn, slow.booking, slow.session, slow.before
    stack.restart("agent")
    answer = turn.answer()
    llm.latency_s = 0
    assert "12A" in answer["reply"], answer
    assert len(mails(ingress, booking.email)) == 1
    bodies = requests_of(llm, booking.confirmation_number)[sent:]
    killed = bodies[1]
    retried = [b for b in bodies[2:] if len(b["input"]) == len(killed["input"])]
    assert retried, f"the call in flight was not sent again: {[kinds(b) for b in bodies]}"
    assert retried[0]["input"] == killed["input"]
    no_split_pairs(read(ingress, f"/AgentSession/{session}/history")["items"])
