"""Two tool calls in one model response run at the same time, and each effect happens once.

Seating and invoicing run with a durable one-second sleep in their handlers
(SEATING_WORK_DELAY_MS / INVOICING_WORK_DELAY_MS), so the two calls overlap for about a second
when they run together. The proof is the order of events restate-server recorded (both calls
created before either completed), not a time bound, which a loaded machine would break; the
turn's duration is printed, and `make bench` measures it.
"""

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from devstack import Stack, wait_for
from tests.conftest import stack_config
from tests.support.helpers import ingress_client, mails, new_booking, seat_map, session_id

WORK_DELAY_MS = 1000


@pytest.fixture(scope="module")
def slow_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack whose seat changes and invoices each take WORK_DELAY_MS (a durable sleep)."""
    root: Path = tmp_path_factory.mktemp("parallel")
    delays = {
        "SEATING_WORK_DELAY_MS": str(WORK_DELAY_MS),
        "INVOICING_WORK_DELAY_MS": str(WORK_DELAY_MS),
    }
    with Stack(stack_config(root, service_env=delays)) as running:
        yield running


@pytest.fixture
def client(slow_stack: Stack) -> Iterator[httpx.Client]:
    with ingress_client(slow_stack.ingress_url, timeout=120.0) as http:
        yield http


class Turn(threading.Thread):
    """One chat request in the background, as a customer's client sends it (idempotency key)."""

    def __init__(self, url: str, session: str, message: str) -> None:
        super().__init__(daemon=True)
        self.url, self.session, self.message = url, session, message
        self.response: httpx.Response | None = None
        self.seconds = 0.0

    def run(self) -> None:
        with ingress_client(self.url, timeout=120.0) as http:
            started = time.monotonic()
            self.response = http.post(
                f"/AgentSession/{self.session}/chat",
                json={"message": self.message},
                headers={"idempotency-key": str(uuid.uuid4())},
            )
            self.seconds = time.monotonic() - started

    def answer(self, timeout: float = 90.0) -> dict[str, Any]:
        self.join(timeout)
        assert self.response is not None, "the turn did not complete"
        assert self.response.status_code == 200, self.response.text
        return self.response.json()


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


def assert_concurrent(turn: "Turn", calls: list[dict[str, Any]]) -> None:
    """Both calls ran at the same time: each was created before the other completed."""
    assert len(calls) == 2, calls
    # (The admin API leaves out null columns.)
    assert all(c.get("completed_at") for c in calls), calls
    last_start = max(_at(c["created_at"]) for c in calls)
    first_end = min(_at(c["completed_at"]) for c in calls)
    assert last_start < first_end, f"the calls did not overlap: {calls}"
    span = max(_at(c["completed_at"]) for c in calls) - min(_at(c["created_at"]) for c in calls)
    print(f"turn {turn.seconds:.2f}s, the two tools' calls {span.total_seconds():.2f}s")


def test_two_invoices_in_one_response_run_at_the_same_time(
    slow_stack: Stack, client: httpx.Client
) -> None:
    first, second = new_booking(client), new_booking(client)
    session = session_id()
    turn = Turn(
        slow_stack.ingress_url,
        session,
        f"send me the invoices for {first.proof} and {second.proof}",
    )
    turn.start()
    answer = turn.answer()

    for booking in (first, second):
        received = mails(client, booking.email)
        assert len(received) == 1
        assert received[0]["mail_id"] in answer["reply"]
    calls = downstream_calls(slow_stack, session)
    assert [c["target"] for c in calls] == ["Invoicing/invoice_booking"] * 2
    assert_concurrent(turn, calls)


def test_seat_change_and_invoice_in_one_response(slow_stack: Stack, client: httpx.Client) -> None:
    booking = new_booking(client, seat="5B")
    session = session_id()
    turn = Turn(
        slow_stack.ingress_url,
        session,
        f"change my seat to 12C and send the invoice, booking {booking.proof}",
    )
    turn.start()
    answer = turn.answer()

    assert "12C" in answer["reply"]
    assert seat_map(client, booking.flight) == {"12C": booking.confirmation_number}
    assert len(mails(client, booking.email)) == 1
    calls = downstream_calls(slow_stack, session)
    assert sorted(c["target"] for c in calls) == [
        f"Booking/{booking.confirmation_number}/change_seat",
        "Invoicing/invoice_booking",
    ]
    assert_concurrent(turn, calls)


def test_sigkill_while_both_tools_run_completes_each_effect_once(
    slow_stack: Stack, client: httpx.Client
) -> None:
    first, second = new_booking(client), new_booking(client)
    session = session_id()
    turn = Turn(
        slow_stack.ingress_url,
        session,
        f"send me the invoices for {first.proof} and {second.proof}",
    )
    turn.start()

    # Both downstream calls are under way (each pauses for WORK_DELAY_MS): kill the agent now.
    wait_for(
        lambda: len(_running(slow_stack, session)) == 2, timeout=60, interval=0.01, message="calls"
    )
    slow_stack.agent.kill()
    slow_stack.agent.start()
    slow_stack.agent.wait_listening(timeout=60)
    answer = turn.answer()

    for booking in (first, second):
        received = mails(client, booking.email)
        assert len(received) == 1
        assert received[0]["mail_id"] in answer["reply"]
    calls = downstream_calls(slow_stack, session)
    assert [c["target"] for c in calls] == ["Invoicing/invoice_booking"] * 2
    delivered = slow_stack.admin_query(
        "SELECT target_service_key FROM sys_invocation WHERE target_service_name = 'Mailbox' "
        f"AND target_handler_name = 'deliver' "
        f"AND target_service_key IN ('{first.email}', '{second.email}')"
    )
    assert sorted(r["target_service_key"] for r in delivered) == sorted([first.email, second.email])


def _running(stack: Stack, session: str) -> list[dict[str, Any]]:
    """The session's downstream calls that have not completed (one query: the window is 1 s)."""
    calls = stack.admin_query(
        "SELECT target, completed_at FROM sys_invocation WHERE invoked_by_id IN "
        "(SELECT id FROM sys_invocation WHERE target_service_name = 'AgentSession' "
        f"AND target_service_key = '{session}' AND target_handler_name = 'chat')"
    )
    return [c for c in calls if not c.get("completed_at")]
