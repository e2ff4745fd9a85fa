"""Two tool calls in one model response run at the same time, and each effect happens once.

Seating and invoicing run with a durable one-second sleep in their handlers
(SEATING_WORK_DELAY_MS / INVOICING_WORK_DELAY_MS), so the two calls overlap for about a second
when they run together. The proof is the order of events restate-server recorded (both calls
created before either completed), not a time bound, which a loaded machine would break; the
turn's duration is printed, and `make bench` measures it.
"""

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest

from devstack import Stack, wait_for
from tests.conftest import own_stack
from tests.support.helpers import TestBooking as Booked
from tests.support.helpers import mails, new_booking, seat_map, session_id
from tests.support.turns import Turn

WORK_DELAY_MS = 1000


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack whose seat changes and invoices each take WORK_DELAY_MS (a durable sleep)."""
    delays = {
        "SEATING_WORK_DELAY_MS": str(WORK_DELAY_MS),
        "INVOICING_WORK_DELAY_MS": str(WORK_DELAY_MS),
    }
    yield from own_stack(tmp_path_factory, "parallel", service_env=delays)


def chat_invocation(stack: Stack, session: str) -> str:
    rows = stack.admin_query(
        "SELECT id FROM sys_invocation WHERE target_service_name = 'AgentSession' "
        f"AND target_service_key = '{session}' AND target_handler_name = 'chat'"
    )
    assert len(rows) == 1, rows
    return rows[0]["id"]


def downstream_calls(stack: Stack, session: str) -> list[dict[str, Any]]:
    """The invocations the session's turn made: target, status and timestamps."""
    return stack.admin_query(
        "SELECT target, status, created_at, completed_at FROM sys_invocation "
        f"WHERE invoked_by_id = '{chat_invocation(stack, session)}' ORDER BY created_at"
    )


def _at(timestamp: str) -> datetime:
    return datetime.fromisoformat(timestamp)


def assert_concurrent(turn: Turn, calls: list[dict[str, Any]]) -> None:
    """Both calls ran at the same time: each was created before the other completed."""
    assert len(calls) == 2, calls
    # (The admin API leaves out null columns.)
    assert all(c.get("completed_at") for c in calls), calls
    last_start = max(_at(c["created_at"]) for c in calls)
    first_end = min(_at(c["completed_at"]) for c in calls)
    assert last_start < first_end, f"the calls did not overlap: {calls}"
    span = max(_at(c["completed_at"]) for c in calls) - min(_at(c["created_at"]) for c in calls)
    print(f"turn {turn.seconds:.2f}s, the two tools' calls {span.total_seconds():.2f}s")


def start_turn(stack: Stack, message: str) -> Turn:
    turn = Turn(stack.ingress_url, session_id(), message)
    turn.start()
    return turn


def two_invoices(stack: Stack, ingress: httpx.Client) -> tuple[Turn, list[Booked]]:
    """A turn started that asks for two new bookings' invoices in one message."""
    bookings = [new_booking(ingress), new_booking(ingress)]
    proofs = " and ".join(booking.proof for booking in bookings)
    return start_turn(stack, f"send me the invoices for {proofs}"), bookings


def assert_invoiced_once_each(
    stack: Stack, ingress: httpx.Client, turn: Turn, bookings: list[Booked]
) -> list[dict[str, Any]]:
    """Each booking got one mail, named in the answer, from one invoice call; the calls."""
    answer = turn.answer()
    for booking in bookings:
        received = mails(ingress, booking.email)
        assert len(received) == 1
        assert received[0]["mail_id"] in answer["reply"]
    calls = downstream_calls(stack, turn.session)
    assert [c["target"] for c in calls] == ["Invoicing/invoice_booking"] * len(bookings)
    return calls


def test_two_invoices_in_one_response_run_at_the_same_time(
    stack: Stack, ingress: httpx.Client
) -> None:
    turn, bookings = two_invoices(stack, ingress)
    assert_concurrent(turn, assert_invoiced_once_each(stack, ingress, turn, bookings))


def test_seat_change_and_invoice_in_one_response(stack: Stack, ingress: httpx.Client) -> None:
    booking = new_booking(ingress, seat="5B")
    turn = start_turn(stack, f"change my seat to 12C and send the invoice, booking {booking.proof}")
    answer = turn.answer()

    assert "12C" in answer["reply"]
    assert seat_map(ingress, booking.flight) == {"12C": booking.confirmation_number}
    assert len(mails(ingress, booking.email)) == 1
    calls = downstream_calls(stack, turn.session)
    assert sorted(c["target"] for c in calls) == [
        f"Booking/{booking.confirmation_number}/change_seat",
        "Invoicing/invoice_booking",
    ]
    assert_concurrent(turn, calls)


def test_sigkill_while_both_tools_run_completes_each_effect_once(
    stack: Stack, ingress: httpx.Client
) -> None:
    turn, bookings = two_invoices(stack, ingress)

    # Both downstream calls are under way (each pauses for WORK_DELAY_MS): kill the agent now.
    session = turn.session
    wait_for(lambda: len(_running(stack, session)) == 2, timeout=60, interval=0.01, message="calls")
    stack.restart("agent")

    assert_invoiced_once_each(stack, ingress, turn, bookings)
    emails = sorted(booking.email for booking in bookings)
    delivered = stack.admin_query(
        "SELECT target_service_key FROM sys_invocation WHERE target_service_name = 'Mailbox' "
        f"AND target_handler_name = 'deliver' "
        f"AND target_service_key IN ('{emails[0]}', '{emails[1]}')"
    )
    assert sorted(r["target_service_key"] for r in delivered) == emails


def _running(stack: Stack, session: str) -> list[dict[str, Any]]:
    """The session's downstream calls that have not completed (one query: the window is 1 s)."""
    calls = stack.admin_query(
        "SELECT target, completed_at FROM sys_invocation WHERE invoked_by_id IN "
        "(SELECT id FROM sys_invocation WHERE target_service_name = 'AgentSession' "
        f"AND target_service_key = '{session}' AND target_handler_name = 'chat')"
    )
    return [c for c in calls if not c.get("completed_at")]
