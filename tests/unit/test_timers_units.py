"""Payment reminder mails and the cancellation helpers, without a server."""

from agents import UserError
from restate import TerminalError

from airline_agent.cancellation import (
    CANCELLED_NOTE,
    cancelled_turn_items,
    is_cancellation,
    turn_cancelled,
)
from airline_agent.session import _entry
from invoicing.invoice import reminder_mail
from invoicing.models import Invoice

INVOICE = Invoice(
    invoice_id="INV-AB4568-1F0C2A9B",
    confirmation_number="AB4568",
    passenger_name="Ada Lovelace",
    email="ada.lovelace@example.com",
    flight="FLT123",
    amount_eur=420,
)


def test_reminder_mail_has_one_id_per_invoice() -> None:
    mail = reminder_mail(INVOICE)
    assert mail == reminder_mail(INVOICE)
    assert mail.mail_id == "INV-AB4568-1F0C2A9B-REMINDER"
    assert mail.to == INVOICE.email
    assert "INV-AB4568-1F0C2A9B" in mail.subject and "EUR 420" in mail.body


def test_only_restates_cancellation_counts_as_cancellation() -> None:
    assert is_cancellation(TerminalError("cancelled", 409))
    assert is_cancellation(TerminalError("Canceled", 409))
    assert not is_cancellation(TerminalError("Seat 10B is already taken.", 409))
    assert not is_cancellation(TerminalError("cancelled", 500))


def test_a_cancelled_turn_leaves_the_message_and_a_note() -> None:
    items = cancelled_turn_items("send me the invoice for AB4568")
    entries = [_entry(item) for item in items]
    assert [(e.kind, e.text) for e in entries] == [
        ("user", "send me the invoice for AB4568"),
        ("assistant", CANCELLED_NOTE),
    ]
    assert not any(i.get("type") == "function_call" for i in items)


def test_a_cancellation_wrapped_by_the_agents_sdk_is_still_one() -> None:
    # What the SDK raises when a tool's call in flight is cancelled.
    try:
        try:
            raise TerminalError("cancelled", 409)
        except TerminalError as error:
            raise UserError("Error running tool send_invoice: cancelled") from error
    except UserError as wrapped:
        assert turn_cancelled(wrapped)
    assert turn_cancelled(TerminalError("cancelled", 409))
    assert not turn_cancelled(UserError("Error running tool send_invoice: boom"))
    assert not turn_cancelled(TerminalError("Seat 10B is already taken.", 409))
