"""Pydantic types at the invoicing service's boundary."""

from typing import Literal

from pydantic import BaseModel, EmailStr, Field


class InvoiceRequest(BaseModel):
    """Everything needed to bill one booking."""

    confirmation_number: str = Field(min_length=1, max_length=16)
    passenger_name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    flight: str = Field(min_length=1, max_length=16)
    amount_eur: int = Field(ge=0, le=100_000)


class Invoice(BaseModel):
    """An invoice as it was sent."""

    invoice_id: str
    confirmation_number: str
    passenger_name: str
    email: EmailStr
    flight: str
    amount_eur: int


class Mail(BaseModel):
    """One mail delivered to a mailbox."""

    mail_id: str
    to: EmailStr
    subject: str
    body: str


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


class InvoiceBookingRequest(BaseModel):
    """Bill a booking: its confirmation number and, as proof of ownership, the last name."""

    confirmation_number: str = Field(min_length=1, max_length=16)
    last_name: str = Field(min_length=1, max_length=100)


class OwnerProof(BaseModel):
    """What seating's `Booking/verify_owner` takes."""

    last_name: str


class BookedPassenger(BaseModel):
    """The part of seating's booking that an invoice needs (other fields are ignored)."""

    confirmation_number: str
    passenger_name: str
    email: EmailStr
    flight: str
    fare_eur: int
