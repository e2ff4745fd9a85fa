"""The mails invoicing sends: the invoice, a copy of it, its payment reminder.

Each mail id is fixed by what it is (the invoice, its n-th mailing, its reminder), so a retry or
replay that delivers it again leaves one copy in the mailbox.
"""

from airline_contracts.invoicing import Invoice, Mail


def _body(invoice: Invoice, closing: str) -> str:
    return (
        f"Dear {invoice.passenger_name},\n\n"
        f"Flight {invoice.flight}, booking {invoice.confirmation_number}: "
        f"EUR {invoice.amount_eur}.\n\n{closing}"
    )


def invoice_mail(invoice: Invoice) -> Mail:
    """The invoice as a mail to the passenger."""
    return Mail(
        mail_id=invoice.invoice_id,
        to=invoice.email,
        subject=f"Your invoice {invoice.invoice_id} for booking {invoice.confirmation_number}",
        body=_body(invoice, "Thank you for flying with us."),
    )


def copy_mail(invoice: Invoice, mailing: int, paid: bool) -> Mail:
    """The same invoice mailed again (the `mailing`-th time), saying whether it is paid."""
    state = "paid, thank you" if paid else "not paid yet"
    return Mail(
        mail_id=f"{invoice.invoice_id}-COPY-{mailing}",
        to=invoice.email,
        subject=(
            f"Copy of your invoice {invoice.invoice_id} for booking "
            f"{invoice.confirmation_number} ({state})"
        ),
        body=_body(invoice, f"This is a copy of the invoice we sent before; it is {state}."),
    )


def reminder_mail(invoice: Invoice) -> Mail:
    """The payment reminder; its id is fixed per invoice, so the mailbox keeps one copy."""
    return Mail(
        mail_id=f"{invoice.invoice_id}-REMINDER",
        to=invoice.email,
        subject=f"Reminder: invoice {invoice.invoice_id} is not paid yet",
        body=(
            f"Dear {invoice.passenger_name},\n\n"
            f"Our invoice {invoice.invoice_id} for booking {invoice.confirmation_number} "
            f"(EUR {invoice.amount_eur}) is still open. If you have paid it in the meantime, "
            "please ignore this mail."
        ),
    )
