"""Payment reminder mails and what a cancelled turn leaves behind, without a server."""

from airline_agent.cancellation import cancelled_turn_items, what_the_cancel_left
from airline_agent.session import _entry
from durable_agents import ToolRun
from invoicing.invoice import reminder_mail
from tests.unit.test_domain import ADA_INVOICE as INVOICE


def test_reminder_mail_has_one_id_per_invoice() -> None:
    mail = reminder_mail(INVOICE)
    assert mail == reminder_mail(INVOICE)
    assert mail.mail_id == "INV-AB4568-1A2B3C4D-REMINDER"
    assert mail.to == INVOICE.email
    assert "INV-AB4568-1A2B3C4D" in mail.subject and "EUR 420" in mail.body


def test_a_turn_cancelled_before_any_tool_says_nothing_was_done() -> None:
    note = what_the_cancel_left(2, [], [])
    assert note == "Turn 2 was cancelled before anything was done; nothing was changed."
    items = cancelled_turn_items("send me the invoice for AB4568", [], note)
    entries = [_entry(item) for item in items]
    assert [(e.kind, e.text) for e in entries] == [
        ("user", "send me the invoice for AB4568"),
        ("assistant", note),
    ]


SEAT = ToolRun(
    "call_1",
    "update_seat",
    '{"confirmation_number": "5666", "last_name": "Hopper", "new_seat": "27A"}',
    "Seat changed from 5B to 27A on flight FLT123 for booking 5666.",
)
INVOICE_SENT = ToolRun(
    "call_2",
    "send_invoice",
    '{"confirmation_number": "5666", "last_name": "Hopper"}',
    "Invoice INV-5666-1 (EUR 380) was sent to grace.hopper@example.com.",
)


def test_a_cancelled_turn_keeps_what_completed_and_says_so() -> None:
    note = what_the_cancel_left(3, [SEAT, INVOICE_SENT], [])
    assert note == (
        "Turn 3 was cancelled. Done before the cancel: "
        "Seat changed from 5B to 27A on flight FLT123 for booking 5666. "
        "Invoice INV-5666-1 (EUR 380) was sent to grace.hopper@example.com. "
        "Nothing else was done."
    )
    items = cancelled_turn_items(
        "change my seat to 27A and send the invoice", [SEAT, INVOICE_SENT], note
    )
    kinds = [_entry(item).kind for item in items]
    assert kinds == ["user", "tool_call", "tool_result", "tool_call", "tool_result", "assistant"]
    calls = [i["call_id"] for i in items if i.get("type") == "function_call"]
    outputs = [i["call_id"] for i in items if i.get("type") == "function_call_output"]
    assert calls == outputs == ["call_1", "call_2"]


def test_a_call_cut_short_is_named_as_not_confirmed() -> None:
    cut = ToolRun("call_2", "send_invoice", '{"confirmation_number": "5666"}')
    note = what_the_cancel_left(1, [SEAT], [cut])
    assert "Done before the cancel: Seat changed from 5B to 27A" in note
    assert "Stopped by the cancel before it answered: the invoice for booking 5666" in note
    items = cancelled_turn_items("m", [SEAT], note)
    assert "call_2" not in str(items)  # no call without its output
