"""Invoicing's contract: invoicing a booking, and the mailbox every service mails through.

Implemented by services/invoicing (invoicing.py, mailbox.py) under the same names.
"""

import restate
from pydantic import BaseModel, EmailStr, Field
from restate import Context, ObjectContext


class InvoiceBookingRequest(BaseModel):
    """Bill a booking: its confirmation number and, as proof of ownership, the last name."""

    confirmation_number: str = Field(min_length=1, max_length=16)
    last_name: str = Field(min_length=1, max_length=100)


class Invoice(BaseModel):
    """An invoice as it was sent."""

    invoice_id: str
    confirmation_number: str
    passenger_name: str
    email: EmailStr
    flight: str
    amount_eur: int


class InvoiceSent(Invoice):
    """The booking's invoice as it was just mailed: for the first time, or again.

    A booking has one invoice: asking again mails the same one (`resent`), and says whether it
    is paid already.
    """

    resent: bool = False
    paid: bool = False


class Mail(BaseModel):
    """One mail for a mailbox; delivering the same mail_id twice keeps one copy."""

    mail_id: str
    to: EmailStr
    subject: str
    body: str


invoicing = restate.Service("Invoicing")


@invoicing.handler()
async def invoice_booking(ctx: Context, request: InvoiceBookingRequest) -> InvoiceSent:
    """Mail the booking's invoice to a caller who proves ownership (404 unknown, 403 wrong name).

    The first request creates the invoice; later ones mail the same invoice again.
    """
    raise NotImplementedError("served by invoicing")


mailbox = restate.VirtualObject("Mailbox")


@mailbox.handler()
async def deliver(ctx: ObjectContext, mail: Mail) -> None:
    """Deliver the mail to the mailbox keyed by its address."""
    raise NotImplementedError("served by invoicing")
