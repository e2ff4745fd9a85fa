"""The agent on a real OpenAI client path against an LLM endpoint that breaks on demand.

The agent gets OPENAI_API_KEY + OPENAI_BASE_URL pointing at tests/support/fault_llm.py, which
answers with the offline model's decisions and injects faults. The openai client's own retries
are off (the runtime builds it so) so that every failed request is one durable Restate attempt.
"""

import itertools
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from airline_agent.session import UNAVAILABLE, UNAVAILABLE_MIDWAY
from devstack import Stack, wait_for
from tests.conftest import stack_config
from tests.support.auth import ingress_client
from tests.support.fault_llm import TRANSIENT, Fault, FaultLLM
from tests.support.helpers import chat, mails, new_booking, read, seat_of, session_id

MAX_ATTEMPTS = 4
INITIAL_RETRY_S = 0.2
RETRY_AFTER_S = 1.0
RETRIES = {
    "LLM_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
    "LLM_INITIAL_RETRY_S": str(INITIAL_RETRY_S),
    "LLM_MAX_RETRY_S": "2",
}


@pytest.fixture(scope="module")
def llm() -> Iterator[FaultLLM]:
    endpoint = FaultLLM(slow_s=3.0, retry_after_s=RETRY_AFTER_S).start()
    yield endpoint
    endpoint.stop()


@pytest.fixture(scope="module")
def fault_stack(tmp_path_factory: pytest.TempPathFactory, llm: FaultLLM) -> Iterator[Stack]:
    """A stack whose agent talks the Responses API to the fault endpoint."""
    root: Path = tmp_path_factory.mktemp("llm-faults")
    key = f"sk-test-{uuid.uuid4().hex}"
    with Stack(stack_config(root, agent_env=llm.agent_env(key, **RETRIES))) as running:
        yield running


@pytest.fixture
def ingress(fault_stack: Stack, llm: FaultLLM) -> Iterator[httpx.Client]:
    llm.heal()
    with ingress_client(fault_stack.ingress_url, timeout=120.0) as http:
        yield http
    llm.heal()


def step_names(stack: Stack, session: str) -> list[str]:
    """The names of the `call LLM` steps of the session's chat journals, in journal order."""
    rows = stack.admin_query(
        "SELECT j.name FROM sys_journal j JOIN sys_invocation i ON j.id = i.id "
        "WHERE i.target_service_name = 'AgentSession' "
        f"AND i.target_service_key = '{session}' AND i.target_handler_name = 'chat' "
        "AND j.entry_type = 'Command: Run' AND j.name LIKE 'call LLM%' ORDER BY j.index"
    )
    return [row["name"] for row in rows]


def llm_steps(stack: Stack, session: str) -> int:
    """How many `call LLM: <agent>` steps the journals of the session's chat invocations hold."""
    ids = stack.admin_query(
        "SELECT id FROM sys_invocation WHERE target_service_name = 'AgentSession' "
        f"AND target_service_key = '{session}' AND target_handler_name = 'chat'"
    )
    assert ids, f"no chat invocation of {session} found"
    listed = ", ".join(f"'{row['id']}'" for row in ids)
    return len(
        stack.admin_query(
            f"SELECT index FROM sys_journal WHERE id IN ({listed}) AND name LIKE 'call LLM: %'"
        )
    )


def gaps_after_faults(llm: FaultLLM, since: int) -> list[float]:
    """Seconds from each faulty request (from arrival index `since` on) to the next request."""
    arrivals = llm.arrivals[since:]
    return [
        later[0] - earlier[0]
        for earlier, later in itertools.pairwise(arrivals)
        if earlier[1] is not None
    ]


@pytest.mark.parametrize("fault", TRANSIENT)
def test_a_transient_fault_is_retried_and_the_turn_completes(
    fault: Fault, fault_stack: Stack, llm: FaultLLM, ingress: httpx.Client
) -> None:
    session = session_id()
    requests_before, answered_before = llm.snapshot()
    since = len(llm.arrivals)
    llm.fail(fault, times=2, after=1)  # the second and third request of the turn fail

    answer = chat(ingress, session, "how much baggage can I bring?")

    assert "carry-on" in answer["reply"]
    assert answer["agent"] == "faq"
    requests, answered = llm.snapshot()
    assert requests - requests_before == answered - answered_before + 2
    # Each successful response is journaled exactly once; failed attempts leave no entry.
    assert llm_steps(fault_stack, session) == answered - answered_before == 3
    # Backoff: the next attempt waits at least the initial interval (a 429 its retry-after).
    least = RETRY_AFTER_S if fault == "429" else INITIAL_RETRY_S
    gaps = gaps_after_faults(llm, since)
    assert len(gaps) == 2
    assert min(gaps) >= least * 0.9, gaps


def test_a_tool_turn_survives_faults_and_sends_one_mail(
    fault_stack: Stack, llm: FaultLLM, ingress: httpx.Client
) -> None:
    booking = new_booking(ingress)
    session = session_id()
    _, answered_before = llm.snapshot()
    llm.fail("500", times=1, after=2)  # the call after the tool ran
    llm.fail("reset", times=1)

    answer = chat(ingress, session, f"send me the invoice for {booking.proof}")

    assert answer["reply"].startswith("I've sent it.")
    assert len(mails(ingress, booking.email)) == 1
    assert llm_steps(fault_stack, session) == llm.snapshot()[1] - answered_before == 3
    # Each model step is named for the agent that called the model, as the Restate UI shows it.
    assert step_names(fault_stack, session) == [
        "call LLM: Triage Agent",
        "call LLM: Invoice Agent",
        "call LLM: Invoice Agent",
    ]


def test_each_call_carries_its_own_booking_through_the_openai_client(
    fault_stack: Stack, llm: FaultLLM, ingress: httpx.Client
) -> None:
    """The same requests as test_requests_per_booking, through the real OpenAI client path."""
    a, b = new_booking(ingress, seat="5B"), new_booking(ingress, seat="9C")
    session = session_id()
    chat(ingress, session, f"change seat for {a.proof} to 6A and send the invoice for {b.proof}")
    assert seat_of(ingress, a.confirmation_number) == "6A"
    assert seat_of(ingress, b.confirmation_number) == "9C"
    assert (len(mails(ingress, a.email)), len(mails(ingress, b.email))) == (0, 1)

    # The proven booking comes back from the session's memory, through the instructions.
    chat(ingress, session, f"move {a.proof} to 7A and {b.proof} to 8B")
    assert seat_of(ingress, a.confirmation_number) == "7A"
    assert seat_of(ingress, b.confirmation_number) == "8B"
    answer = chat(ingress, session, f"what's my seat? booking {b.confirmation_number}")
    assert f"seat 8B on flight {b.flight}" in answer["reply"]


def _history(ingress: httpx.Client, session: str) -> list[dict[str, Any]]:
    return read(ingress, f"/AgentSession/{session}/history")["entries"]


def test_a_permanent_failure_ends_the_turn_with_a_clear_message(
    fault_stack: Stack, llm: FaultLLM, ingress: httpx.Client
) -> None:
    session = session_id()
    chat(ingress, session, "hello")
    requests_before, _ = llm.snapshot()
    llm.fail("500")  # until healed

    answer = chat(ingress, session, "how much baggage can I bring?")

    assert answer["reply"] == UNAVAILABLE
    assert answer["turn"] == 2
    assert llm.snapshot()[0] - requests_before == MAX_ATTEMPTS
    history = _history(ingress, session)
    assert [(e["kind"], e["text"]) for e in history[-2:]] == [
        ("user", "how much baggage can I bring?"),
        ("assistant", UNAVAILABLE),
    ]

    llm.heal()
    again = chat(ingress, session, "how much baggage can I bring?")
    assert "carry-on" in again["reply"]
    assert again["turn"] == 3
    users = [e["text"] for e in _history(ingress, session) if e["kind"] == "user"]
    assert users == ["hello", "how much baggage can I bring?", "how much baggage can I bring?"]


def test_a_rejected_key_is_not_retried(
    fault_stack: Stack, llm: FaultLLM, ingress: httpx.Client
) -> None:
    session = session_id()
    requests_before, _ = llm.snapshot()
    llm.fail("401")

    answer = chat(ingress, session, "is there wifi?")

    assert answer["reply"] == UNAVAILABLE
    assert llm.snapshot()[0] - requests_before == 1
    assert llm_steps(fault_stack, session) == 1  # the terminal failure, journaled once


def test_a_failure_after_a_tool_ran_says_what_stays_done(
    fault_stack: Stack, llm: FaultLLM, ingress: httpx.Client
) -> None:
    booking = new_booking(ingress)
    session = session_id()
    llm.fail("500", after=2)  # triage hands off, the invoice agent calls the tool, then nothing

    answer = chat(ingress, session, f"send me the invoice for {booking.proof}")

    assert answer["reply"] == UNAVAILABLE_MIDWAY
    assert len(mails(ingress, booking.email)) == 1
    kinds = [(e["kind"], e.get("name")) for e in _history(ingress, session)]
    assert ("tool_call", "send_invoice") in kinds
    assert kinds[-1] == ("assistant", None)

    llm.heal()
    again = chat(ingress, session, "how much baggage can I bring?")
    assert "carry-on" in again["reply"]
    assert len(mails(ingress, booking.email)) == 1


def test_an_agent_killed_during_a_hanging_model_call_finishes_the_turn(
    fault_stack: Stack, llm: FaultLLM, ingress: httpx.Client
) -> None:
    session = session_id()
    _, answered_before = llm.snapshot()
    hung_before = llm.faults["slow"]
    llm.fail("slow", times=1, after=1)  # the turn's second model request hangs

    with ThreadPoolExecutor(max_workers=1) as pool:
        turn = pool.submit(chat, ingress, session, "how much baggage can I bring?")
        wait_for(lambda: llm.faults["slow"] > hung_before, timeout=60, interval=0.02)
        fault_stack.restart("agent")
        answer = turn.result(timeout=120)

    assert "carry-on" in answer["reply"]
    # The first response, journaled before the kill, was not asked for again.
    assert llm_steps(fault_stack, session) == llm.snapshot()[1] - answered_before == 3
