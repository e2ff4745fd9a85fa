"""SIGKILL each process at a chosen point of a turn; the customer sees nothing but a slower answer.

One stack for the module, made slow on purpose so every crash point is a window, not an instant:
the offline model takes LLM_LATENCY_MS per call, Booking/change_seat pauses (a durable sleep)
between taking the seat on the flight and recording it on the booking, Invoicing/invoice_booking
pauses after the mail is delivered. Each test waits for observable state that proves the turn is
at its point (the journal, the seat map, the mailbox), kills, restarts, and then checks from the
outside: the message got its answer, effects happened once, the seat map is consistent, the
history holds the turn.
"""

from collections.abc import Iterator

import httpx
import pytest

from devstack import Stack, wait_for
from tests.conftest import own_stack
from tests.support.helpers import TestBooking as Booked
from tests.support.helpers import mails, new_booking, read, seat_map, seat_of
from tests.support.helpers import session_id as new_session_id
from tests.support.turns import Turn, calls_from, count, invocations, journal, pending

LLM_LATENCY_MS = 1000
WORK_DELAY_MS = 2500
# Restate retries a killed service's invocations with exponential backoff (tens of seconds
# after a few refused connections); a cap keeps the wait for a restarted service short.
RETRY_CAP = {"RESTATE_DEFAULT_RETRY_POLICY__MAX_INTERVAL": "1s"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack of its own with a slow model and slow seating and invoicing handlers."""
    yield from own_stack(
        tmp_path_factory,
        "crash-points",
        agent_env={"OFFLINE_MODEL_LATENCY_MS": str(LLM_LATENCY_MS)},
        service_env={
            "SEATING_WORK_DELAY_MS": str(WORK_DELAY_MS),
            "INVOICING_WORK_DELAY_MS": str(WORK_DELAY_MS),
        },
        server_env=RETRY_CAP,
    )


def start_turn(stack: Stack, message: str) -> Turn:
    turn = Turn(stack.ingress_url, new_session_id(), message)
    turn.start()
    return turn


def seat_turn(stack: Stack, booking: Booked, seat: str = "10B") -> Turn:
    return start_turn(stack, f"change my seat to {seat}, booking {booking.proof}")


def invoice_turn(stack: Stack, booking: Booked) -> Turn:
    return start_turn(stack, f"send me the invoice for {booking.proof}")


def assert_history_complete(ingress: httpx.Client, turn: Turn, reply: str) -> None:
    """The session holds exactly this turn: the message once, the answer last, one turn counted."""
    history = read(ingress, f"/AgentSession/{turn.session}/history")
    users = [e["text"] for e in history["entries"] if e["kind"] == "user"]
    assistant = [e["text"] for e in history["entries"] if e["kind"] == "assistant"]
    assert users == [turn.message]
    assert assistant[-1] == reply
    assert read(ingress, f"/AgentSession/{turn.session}/status")["turns"] == 1


def assert_seat_moved_once(
    stack: Stack, ingress: httpx.Client, turn: Turn, booking: Booked
) -> None:
    """The answer says 10B, seating agrees, the flight holds one seat for it, one change ran."""
    answer = turn.answer()
    assert "10B" in answer["reply"], answer
    assert seat_of(ingress, booking.confirmation_number) == "10B"
    assert seat_map(ingress, booking.flight) == {"10B": booking.confirmation_number}
    assert invocations(stack, "Booking", "change_seat", booking.confirmation_number) == 1
    # One assignment when the booking was created, one for the change.
    assert invocations(stack, "Flight", "assign", booking.flight) == 2
    assert_history_complete(ingress, turn, answer["reply"])


def llm_call_running(stack: Stack, session: str) -> bool:
    """The turn's first model call has started and not returned (no tool has run yet)."""
    entries = journal(stack, session)
    return count(entries, "Command: Run", "call LLM") == 1 and not count(
        entries, "Notification: Run"
    )


def tool_call_running(stack: Stack, session: str) -> bool:
    """The turn has called seating or invoicing and waits for the answer."""
    entries = journal(stack, session)
    return pending(entries, "Call") > 0


def seat_taken_not_recorded(ingress: httpx.Client, booking: Booked) -> bool:
    """Booking/change_seat is in its pause: the flight has the new seat, the booking the old."""
    return (
        seat_map(ingress, booking.flight) == {"10B": booking.confirmation_number}
        and seat_of(ingress, booking.confirmation_number) == "5B"
    )


def test_agent_killed_mid_llm_call(stack: Stack, ingress: httpx.Client) -> None:
    booking = new_booking(ingress, seat="5B")
    turn = seat_turn(stack, booking)

    wait_for(lambda: llm_call_running(stack, turn.session), 60, 0.02, "the first LLM call")
    stack.restart("agent")

    assert_seat_moved_once(stack, ingress, turn, booking)
    entries = journal(stack, turn.session)
    # The interrupted call ran again; every model call's result is journaled exactly once.
    assert count(entries, "Command: Run", "call LLM") == count(entries, "Notification: Run")


def test_agent_killed_mid_tool(stack: Stack, ingress: httpx.Client) -> None:
    booking = new_booking(ingress, seat="5B")
    turn = seat_turn(stack, booking)

    wait_for(lambda: tool_call_running(stack, turn.session), 60, 0.02, "the seat tool's call")
    wait_for(lambda: seat_taken_not_recorded(ingress, booking), 60, 0.02, "seating mid-handler")
    stack.restart("agent")

    assert_seat_moved_once(stack, ingress, turn, booking)


def test_seating_killed_mid_handler(stack: Stack, ingress: httpx.Client) -> None:
    booking = new_booking(ingress, seat="5B")
    turn = seat_turn(stack, booking)

    wait_for(lambda: seat_taken_not_recorded(ingress, booking), 60, 0.02, "seating mid-handler")
    stack.restart("seating")

    assert_seat_moved_once(stack, ingress, turn, booking)


def test_invoicing_killed_mid_handler(stack: Stack, ingress: httpx.Client) -> None:
    booking = new_booking(ingress)
    turn = invoice_turn(stack, booking)

    wait_for(lambda: len(mails(ingress, booking.email)) == 1, 60, 0.02, "the mail")
    # The mail is out and Invoicing/invoice_booking is in its pause: the tool still waits.
    assert tool_call_running(stack, turn.session)
    stack.restart("invoicing")

    answer = turn.answer()
    received = mails(ingress, booking.email)
    assert len(received) == 1
    assert received[0]["mail_id"] in answer["reply"]
    assert calls_from(stack, turn.session, "Invoicing", "invoice_booking") == 1
    assert_history_complete(ingress, turn, answer["reply"])


def test_restate_server_killed_mid_turn_and_restarted_on_its_data(
    stack: Stack, ingress: httpx.Client
) -> None:
    seat_booking, invoice_booking = new_booking(ingress, seat="5B"), new_booking(ingress)
    seat = seat_turn(stack, seat_booking)
    wait_for(lambda: seat_taken_not_recorded(ingress, seat_booking), 60, 0.02, "seating pause")
    # Started now, so the kill finds it in its first model call while seating is paused.
    invoice = invoice_turn(stack, invoice_booking)
    wait_for(lambda: llm_call_running(stack, invoice.session), 60, 0.02, "the invoice turn")
    stack.restart("restate")

    # The clients' connections dropped; their retries with the same key found the turns.
    assert_seat_moved_once(stack, ingress, seat, seat_booking)
    answer = invoice.answer()
    assert len(mails(ingress, invoice_booking.email)) == 1
    assert calls_from(stack, invoice.session, "Invoicing", "invoice_booking") == 1
    assert_history_complete(ingress, invoice, answer["reply"])
    assert seat.retries >= 1 and invoice.retries >= 1
