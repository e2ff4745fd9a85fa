"""`AgentSession/cancel` stops the running turn; the session stays consistent and usable.

The agent's model takes LLM_LATENCY_MS per call, which holds a turn open long enough to cancel it.
"""

import os
import signal
from collections.abc import Iterator

import httpx
import pytest

from devstack import Stack, wait_for
from tests.conftest import own_stack
from tests.support.helpers import chat, mails, new_booking, read, seat_of, session_id
from tests.support.turns import Turn

LLM_LATENCY_MS = 1500
SLOW_MODEL = {"OFFLINE_MODEL_LATENCY_MS": str(LLM_LATENCY_MS)}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack of its own whose model takes LLM_LATENCY_MS per call."""
    yield from own_stack(tmp_path_factory, "cancel", agent_env=SLOW_MODEL)


def cancel(ingress: httpx.Client, session: str) -> dict[str, object]:
    return read(ingress, f"/AgentSession/{session}/cancel")


def _chats(stack: Stack, session: str) -> list[dict[str, object]]:
    return stack.admin_query(
        "SELECT id, status, completion_result, completion_failure FROM sys_invocation "
        f"WHERE target_service_name = 'AgentSession' AND target_service_key = '{session}' "
        "AND target_handler_name = 'chat'"
    )


def _calls_of_the_turn(stack: Stack, session: str, where: str) -> str:
    """The query for the calls the session's running turn made that match `where`."""
    wait_for(lambda: len(_chats(stack, session)) == 1, timeout=30, interval=0.05)
    chat_id = _chats(stack, session)[0]["id"]
    return (
        "SELECT id, status, completion_result FROM sys_invocation "
        f"WHERE invoked_by_id = '{chat_id}' AND {where}"
    )


def test_cancel_stops_the_turn_and_the_session_goes_on(stack: Stack, ingress: httpx.Client) -> None:
    session = session_id()
    booking = new_booking(ingress)
    turn = Turn(stack.ingress_url, session, f"send me the invoice for {booking.proof}")
    turn.start()

    # The turn records its invocation id as it starts; until then there is nothing to cancel.
    wait_for(lambda: cancel(ingress, session)["cancelled"] is True, timeout=30, interval=0.05)
    response = turn.result()

    assert response.status_code == 409, response.text
    note = "Turn 1 was cancelled before anything was done; nothing was changed."
    assert response.json()["message"] == note
    [invocation] = _chats(stack, session)
    assert invocation["status"] == "completed" and invocation["completion_result"] == "failure"
    history = read(ingress, f"/AgentSession/{session}/history")
    kinds = [e["kind"] for e in history["entries"]]
    assert kinds == ["user", "assistant"]
    assert history["entries"][1]["text"] == note
    assert read(ingress, f"/AgentSession/{session}/status")["turns"] == 1
    assert cancel(ingress, session)["cancelled"] is False

    answer = chat(ingress, session, "how much baggage can I bring?")
    assert answer["agent"] == "faq" and answer["turn"] == 2
    items = read(ingress, f"/AgentSession/{session}/history")["items"]
    calls = {i["call_id"] for i in items if i.get("type") == "function_call"}
    outputs = {i["call_id"] for i in items if i.get("type") == "function_call_output"}
    assert calls == outputs, "a tool call without its output (or the reverse) in the history"
    # Cancelled before or after the mail went out, never twice.
    assert len(mails(ingress, booking.email)) <= 1


def test_cancel_with_no_running_turn_says_so(stack: Stack, ingress: httpx.Client) -> None:
    session = session_id()
    answer = cancel(ingress, session)
    assert answer["cancelled"] is False
    assert "nothing to cancel" in str(answer["message"])
    assert read(ingress, f"/AgentSession/{session}/status")["turns"] == 0


def test_cancel_reaches_a_call_in_flight_to_a_slow_service(
    stack: Stack, ingress: httpx.Client
) -> None:
    """Invoicing is stopped (SIGSTOP) while the tool waits for it: the turn still ends at once,
    and the invoice call, cancelled with it, sends nothing once invoicing runs again."""
    session = session_id()
    booking = new_booking(ingress)
    pid = stack.invoicing.pid
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)
    try:
        turn = Turn(
            stack.ingress_url,
            session,
            f"send me the invoice for {booking.proof}",
        )
        turn.start()
        calls = _calls_of_the_turn(stack, session, "target_service_name = 'Invoicing'")
        wait_for(lambda: bool(stack.admin_query(calls)), timeout=60, interval=0.05)
        assert cancel(ingress, session)["cancelled"] is True
        response = turn.result(timeout=30)
        assert response.status_code == 409, response.text
        [in_flight] = stack.admin_query(calls)
        assert in_flight["status"] != "completed", "the slow call finished before invoicing ran"
    finally:
        os.kill(pid, signal.SIGCONT)

    def call_ended() -> bool:
        [call] = stack.admin_query(calls)
        return call["status"] == "completed"

    wait_for(call_ended, timeout=90, interval=0.2)
    [call] = stack.admin_query(calls)
    assert call["completion_result"] == "failure"
    assert mails(ingress, booking.email) == []
    entries = read(ingress, f"/AgentSession/{session}/history")["entries"]
    note = response.json()["message"]
    number = booking.confirmation_number
    assert f"Stopped by the cancel before it answered: the invoice for booking {number}" in note
    assert "Nothing was confirmed as done." in note
    assert [(e["kind"], e["text"]) for e in entries][1:] == [("assistant", note)], entries
    assert chat(ingress, session, "is there wifi?")["agent"] == "faq"


def _history_kinds(ingress: httpx.Client, session: str) -> list[str]:
    return [e["kind"] for e in read(ingress, f"/AgentSession/{session}/history")["entries"]]


def test_a_turn_cancelled_after_its_tools_ran_says_what_was_done(
    stack: Stack, ingress: httpx.Client
) -> None:
    """Both tools completed; the cancel lands in the model call that words the reply."""
    session = session_id()
    booking = new_booking(ingress, seat="5B")
    message = f"change my seat to 27A and send the invoice, booking {booking.proof}"
    turn = Turn(stack.ingress_url, session, message)
    turn.start()
    # Both calls answered the turn (a mail alone is not the invoice call's answer).
    answered = _calls_of_the_turn(stack, session, "status = 'completed'")
    wait_for(lambda: len(stack.admin_query(answered)) == 2, timeout=60, interval=0.05)
    assert seat_of(ingress, booking.confirmation_number) == "27A"
    assert cancel(ingress, session)["cancelled"] is True
    response = turn.result()

    assert response.status_code == 409, response.text
    note = response.json()["message"]
    [mail] = mails(ingress, booking.email)
    assert note.startswith(
        "Turn 1 was cancelled. Done before the cancel: Seat changed from 5B to 27A"
    )
    assert mail["mail_id"] in note and note.endswith("Nothing else was done.")
    assert _history_kinds(ingress, session) == [
        "user",
        "tool_call",
        "tool_result",
        "tool_call",
        "tool_result",
        "assistant",
    ]
    # The next turn knows: the booking was proven by the calls that completed.
    answer = chat(ingress, session, "what's my seat?")
    assert f"Booking {booking.confirmation_number}: seat 27A" in answer["reply"]
    assert len(mails(ingress, booking.email)) == 1


def test_a_cancel_between_two_calls_keeps_the_one_that_completed(
    stack: Stack, ingress: httpx.Client
) -> None:
    """Invoicing is stopped: the seat change completes, the invoice hangs, then the cancel."""
    session = session_id()
    booking = new_booking(ingress, seat="5B")
    pid = stack.invoicing.pid
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)
    try:
        message = f"change my seat to 26B and send the invoice, booking {booking.proof}"
        turn = Turn(stack.ingress_url, session, message)
        turn.start()
        wait_for(
            lambda: seat_of(ingress, booking.confirmation_number) == "26B",
            timeout=60,
            interval=0.05,
        )
        assert cancel(ingress, session)["cancelled"] is True
        response = turn.result(timeout=30)
    finally:
        os.kill(pid, signal.SIGCONT)
    assert response.status_code == 409, response.text
    note = response.json()["message"]
    assert "Done before the cancel: Seat changed from 5B to 26B" in note
    number = booking.confirmation_number
    assert f"Stopped by the cancel before it answered: the invoice for booking {number}" in note
    assert _history_kinds(ingress, session) == ["user", "tool_call", "tool_result", "assistant"]
