"""Invoicing's own types; the wire types other services use are in airline_contracts."""

from typing import Literal

from pydantic import BaseModel, EmailStr, Field

from airline_contracts.invoicing import Invoice, Mail


class InvoiceRequest(BaseModel):
    """Everything needed to bill one booking."""

    confirmation_number: str = Field(min_length=1, max_length=16)
    passenger_name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    flight: str = Field(min_length=1, max_length=16)
    amount_eur: int = Field(ge=0, le=100_000)


class MailList(BaseModel):
    """The mails a mailbox received, oldest first."""

    email: str
    mails: list[Mail]


class InvoiceState(BaseModel):
    """An `Invoice` object's state: the invoice, whether it is paid, its payment reminder."""

    invoice: Invoice
    paid: bool = False
    # Invocation id of the delayed `Invoice/remind` call, cancelled when the invoice is paid.
    reminder_id: str | None = None
    reminder_due: str | None = None  # ISO 8601, UTC
    reminder: Literal["scheduled", "sent", "cancelled"] = "scheduled"


class Payment(BaseModel):
    """The answer to paying an invoice."""

    invoice_id: str
    already_paid: bool
    reminder: Literal["scheduled", "sent", "cancelled"]
    message: str


class BillingState(BaseModel):
    """A `Billing` object's state: the booking's one invoice and how often it was mailed."""

    invoice_id: str | None = None
    mails: int = 0
