"""Payment reminder mails and what a cancelled turn leaves behind, without a server."""

from airline_agent.cancellation import CANCELLED_NOTE, cancelled_turn_items
from airline_agent.session import _entry
from airline_contracts.invoicing import Invoice
from invoicing.invoice import reminder_mail

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


def test_a_cancelled_turn_leaves_the_message_and_a_note() -> None:
    items = cancelled_turn_items("send me the invoice for AB4568")
    entries = [_entry(item) for item in items]
    assert [(e.kind, e.text) for e in entries] == [
        ("user", "send me the invoice for AB4568"),
        ("assistant", CANCELLED_NOTE),
    ]
    assert not any(i.get("type") == "function_call" for i in items)
