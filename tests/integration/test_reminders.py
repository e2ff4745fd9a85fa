"""Durable timers: payment reminders (cancelled by paying) and check-in reminders.

Reminders are delayed calls held by restate-server ("scheduled" in `sys_invocation`); the tests
shorten the delays to seconds.
"""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from devstack import Stack, wait_for
from tests.conftest import own_stack, stack_config
from tests.support import helpers
from tests.support.helpers import (
    chat,
    ingress_client,
    mails,
    new_booking,
    pay,
    read,
    relay,
    session_id,
)

PAYMENT_DELAY_S = 4
# Long enough to stop and start every process before it is due.
RESTART_DELAY_S = 12


def _delays(seconds: float) -> dict[str, str]:
    return {"PAYMENT_REMINDER_DELAY_S": str(seconds), "CHECKIN_REMINDER_DELAY_S": str(seconds)}


def _invocations(stack: Stack, service: str, key: str, handler: str) -> list[dict[str, Any]]:
    return stack.admin_query(
        "SELECT id, status, completion_result, completion_failure FROM sys_invocation "
        f"WHERE target_service_name = '{service}' AND target_service_key = '{key}' "
        f"AND target_handler_name = '{handler}'"
    )


def invoice_for(ingress: httpx.Client, booking: helpers.TestBooking) -> str:
    """Ask the agent for the booking's invoice; return the invoice id it mailed."""
    answer = chat(ingress, session_id(), f"send me the invoice for {booking.proof}")
    found = re.search(r"INV-[A-Z0-9]+-[0-9A-F]{8}", answer["reply"])
    assert found, answer
    return found.group(0)


def reminders(ingress: httpx.Client, booking: helpers.TestBooking) -> list[dict[str, Any]]:
    return [m for m in mails(ingress, booking.email) if m["mail_id"].endswith("-REMINDER")]


def checkin_mails(ingress: httpx.Client, booking: helpers.TestBooking) -> list[dict[str, Any]]:
    return [m for m in mails(ingress, booking.email) if m["mail_id"].startswith("CHECKIN-")]


def checkin_notices(ingress: httpx.Client, session: str) -> list[str]:
    entries = read(ingress, f"/AgentSession/{session}/history")["entries"]
    return [
        e["text"]
        for e in entries
        if e["kind"] == "assistant" and e["text"].startswith("Reminder: check-in for flight")
    ]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack of its own with reminders due after seconds."""
    yield from own_stack(tmp_path_factory, "timers", service_env=_delays(PAYMENT_DELAY_S))


def test_unpaid_invoice_gets_one_reminder_and_a_paid_one_none(
    stack: Stack, ingress: httpx.Client
) -> None:
    paid, unpaid = new_booking(ingress), new_booking(ingress)
    paid_id = invoice_for(ingress, paid)
    [scheduled] = _invocations(stack, "Invoice", paid_id, "remind")
    assert scheduled["status"] == "scheduled"

    payment = pay(ingress, paid_id)
    assert payment.status_code == 200, payment.text
    assert payment.json()["already_paid"] is False
    assert payment.json()["reminder"] == "cancelled"
    # Restate drops a cancelled invocation that never started: it is no longer scheduled.
    wait_for(lambda: not _invocations(stack, "Invoice", paid_id, "remind"), timeout=30)

    # The unpaid invoice is due after the paid one would have been: once its reminder is
    # there, the paid one's time has passed too.
    unpaid_id = invoice_for(ingress, unpaid)
    wait_for(lambda: len(reminders(ingress, unpaid)) == 1, timeout=60, interval=0.2)
    assert reminders(ingress, paid) == []
    assert relay(ingress, "Invoice", "get", unpaid_id)["reminder"] == "sent"
    assert relay(ingress, "Invoice", "get", paid_id)["paid"] is True


def invoices_of(stack: Stack, booking: helpers.TestBooking) -> list[str]:
    """The invoices invoicing holds for the booking (Invoice objects with state)."""
    rows = stack.admin_query(
        "SELECT DISTINCT service_key FROM state WHERE service_name = 'Invoice' "
        f"AND service_key LIKE 'INV-{booking.confirmation_number}-%'"
    )
    return [row["service_key"] for row in rows]


def scheduled_reminders(stack: Stack, booking: helpers.TestBooking) -> list[dict[str, Any]]:
    return [
        row
        for invoice_id in invoices_of(stack, booking)
        for row in _invocations(stack, "Invoice", invoice_id, "remind")
        if row["status"] == "scheduled"
    ]


def test_asking_again_resends_the_one_invoice_and_paying_ends_the_dunning(
    stack: Stack, ingress: httpx.Client
) -> None:
    booking = new_booking(ingress)
    session = session_id()
    first = invoice_for(ingress, booking)
    # Other words, another session, the same booking: the same invoice, mailed again.
    again = chat(ingress, session, f"I lost the invoice, can you resend it? {booking.proof}")
    assert first in again["reply"] and "again" in again["reply"], again
    assert "EUR 250" in again["reply"], again
    number = booking.confirmation_number
    third = chat(ingress, session, f"can I get the receipt for {number}, last name Passenger?")
    assert first in third["reply"], third
    assert invoices_of(stack, booking) == [first]
    assert len(mails(ingress, booking.email)) == 3
    assert {m["mail_id"] for m in mails(ingress, booking.email)} == {
        first,
        f"{first}-COPY-2",
        f"{first}-COPY-3",
    }
    assert len(scheduled_reminders(stack, booking)) == 1

    paid = pay(ingress, first)
    assert paid.status_code == 200, paid.text
    wait_for(lambda: scheduled_reminders(stack, booking) == [], timeout=30)
    receipt = chat(ingress, session, f"send me the invoice for {booking.proof}")
    assert first in receipt["reply"] and "paid already" in receipt["reply"], receipt
    assert invoices_of(stack, booking) == [first]
    assert scheduled_reminders(stack, booking) == []
    # Well past the reminder's delay: a paid booking is never dunned.
    other = new_booking(ingress)
    invoice_for(ingress, other)
    wait_for(lambda: len(reminders(ingress, other)) == 1, timeout=60, interval=0.2)
    assert reminders(ingress, booking) == []
    assert len(mails(ingress, booking.email)) == 4
    assert "paid, thank you" in mails(ingress, booking.email)[-1]["subject"]


def test_an_unpaid_booking_keeps_its_one_reminder(stack: Stack, ingress: httpx.Client) -> None:
    booking = new_booking(ingress)
    first = invoice_for(ingress, booking)
    assert invoice_for(ingress, booking) == first
    assert len(scheduled_reminders(stack, booking)) == 1
    wait_for(lambda: len(reminders(ingress, booking)) == 1, timeout=60, interval=0.2)
    # After the reminder went out, asking again re-sends and schedules nothing new.
    assert invoice_for(ingress, booking) == first
    assert scheduled_reminders(stack, booking) == []
    assert invoices_of(stack, booking) == [first]
    assert len(reminders(ingress, booking)) == 1
    assert len(mails(ingress, booking.email)) == 4  # invoice, copy, reminder, copy


def test_paying_twice_and_unknown_invoices(stack: Stack, ingress: httpx.Client) -> None:
    booking = new_booking(ingress)
    invoice_id = invoice_for(ingress, booking)
    first = pay(ingress, invoice_id).json()
    second = pay(ingress, invoice_id)
    assert second.status_code == 200, second.text
    assert first["already_paid"] is False
    assert second.json()["already_paid"] is True
    assert "already paid" in second.json()["message"]

    unknown = pay(ingress, "INV-NOPE9-00000000")
    assert unknown.status_code == 404
    assert "no invoice" in unknown.json()["message"].lower()
    # Only the agent's invoicing path may create invoices or send reminders.
    for handler in ("create", "remind"):
        refused = ingress.post(f"/Invoice/{invoice_id}/{handler}", json={})
        assert refused.status_code in (400, 404), refused.text


def test_payment_reminder_fires_once_after_a_full_restart(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    root: Path = tmp_path_factory.mktemp("restart")
    config = stack_config(root, service_env=_delays(RESTART_DELAY_S))
    session = session_id()
    with Stack(config) as first, ingress_client(first.ingress_url, timeout=60) as ingress:
        booking = new_booking(ingress)
        invoice_id = invoice_for(ingress, booking)
        chat(ingress, session, f"remind me to check in for {booking.confirmation_number}")
        [scheduled] = _invocations(first, "Invoice", invoice_id, "remind")
        assert scheduled["status"] == "scheduled"
        checkin_key = f"{booking.confirmation_number}@{session}"
        [checkin] = _invocations(first, "CheckInReminder", checkin_key, "fire")
        assert checkin["status"] == "scheduled"
        assert reminders(ingress, booking) == [] and checkin_mails(ingress, booking) == []

    with Stack(config) as second, ingress_client(second.ingress_url, timeout=60) as ingress:
        wait_for(lambda: len(reminders(ingress, booking)) == 1, timeout=60, interval=0.2)
        [done] = _invocations(second, "Invoice", invoice_id, "remind")
        assert done["id"] == scheduled["id"]
        wait_for(
            lambda: (
                _invocations(second, "Invoice", invoice_id, "remind")[0]["status"] == "completed"
            ),
            timeout=30,
        )
        assert relay(ingress, "Invoice", "get", invoice_id)["reminder"] == "sent"
        wait_for(lambda: len(checkin_notices(ingress, session)) == 1, timeout=60, interval=0.2)
        assert len(checkin_mails(ingress, booking)) == 1
        [fired] = _invocations(second, "CheckInReminder", checkin_key, "fire")
        assert fired["id"] == checkin["id"]
        # The invoice, one payment reminder, one check-in reminder.
        assert len(mails(ingress, booking.email)) == 3


def test_checkin_reminder_mails_and_tells_the_session_once(
    stack: Stack, ingress: httpx.Client
) -> None:
    booking, session = new_booking(ingress), session_id()
    number = booking.confirmation_number
    answer = chat(ingress, session, f"remind me to check in for {number}")
    assert answer["agent"] == "triage"
    assert f"Check-in reminder scheduled for flight {booking.flight}" in answer["reply"]
    assert booking.email not in answer["reply"]  # a booking number proves nothing: no address
    again = chat(ingress, session, f"please remind me to check in for {number}")
    assert "already scheduled" in again["reply"]
    [scheduled] = _invocations(stack, "CheckInReminder", f"{number}@{session}", "fire")
    assert scheduled["status"] == "scheduled"

    wait_for(lambda: len(checkin_notices(ingress, session)) == 1, timeout=60, interval=0.2)
    [mail] = checkin_mails(ingress, booking)
    assert booking.flight in mail["subject"]
    [notice] = checkin_notices(ingress, session)
    assert number in notice
    state = read(ingress, f"/AgentSession/{session}/status")
    assert [n["source"] for n in state["notices"]] == ["checkin-reminder"]
    assert state["context"]["confirmation_number"] == number
    # The conversation goes on after the reminder.
    assert chat(ingress, session, "how much baggage can I bring?")["agent"] == "faq"
    assert len(checkin_notices(ingress, session)) == 1
    assert len(checkin_mails(ingress, booking)) == 1


def test_checkin_reminder_for_an_unknown_booking(stack: Stack, ingress: httpx.Client) -> None:
    session = session_id()
    answer = chat(ingress, session, "remind me to check in for ZZ9999")
    assert "No reminder was scheduled" in answer["reply"]
    assert _invocations(stack, "CheckInReminder", f"ZZ9999@{session}", "fire") == []
