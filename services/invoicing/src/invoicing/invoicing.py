"""`Invoicing`: builds an invoice and mails it."""

from datetime import timedelta

import restate
from restate import Context

from airline_contracts.invoicing import Invoice, InvoiceBookingRequest, Mail
from airline_contracts.seating import OwnerProof, verify_owner
from telemetry import INVOICES, handler_span, once

from . import config
from .invoice import create as create_invoice
from .mailbox import deliver
from .models import InvoiceRequest

invoicing = restate.Service("Invoicing")


def render(invoice: Invoice) -> Mail:
    """The invoice as a mail to the passenger."""
    return Mail(
        mail_id=invoice.invoice_id,
        to=invoice.email,
        subject=f"Your invoice {invoice.invoice_id} for booking {invoice.confirmation_number}",
        body=(
            f"Dear {invoice.passenger_name},\n\n"
            f"Flight {invoice.flight}, booking {invoice.confirmation_number}: "
            f"EUR {invoice.amount_eur}.\n\nThank you for flying with us."
        ),
    )


async def _send(ctx: Context, req: InvoiceRequest) -> Invoice:
    # ctx.uuid() is seeded by the invocation id: a retry or replay gets the same id.
    invoice_id = f"INV-{req.confirmation_number}-{ctx.uuid().hex[:8].upper()}"
    invoice = Invoice(invoice_id=invoice_id, **req.model_dump())
    # Recorded before it is mailed, so the invoice in the mail can always be paid.
    await ctx.object_call(create_invoice, key=invoice_id, arg=invoice)
    with handler_span("mail invoice", **{"airline.invoice": invoice_id}):
        await ctx.object_call(deliver, key=invoice.email, arg=render(invoice))
    if config.WORK_DELAY_MS:
        await ctx.sleep(timedelta(milliseconds=config.WORK_DELAY_MS), name="work delay")
    # Counted after the delivery's journal entry: a replay of a sent invoice is not counted.
    once(INVOICES.inc)
    return invoice


@invoicing.handler(ingress_private=True)
async def send_invoice(ctx: Context, req: InvoiceRequest) -> Invoice:
    """Create the invoice (scheduling its payment reminder) and mail it to the passenger, once."""
    return await _send(ctx, req)


@invoicing.handler(ingress_private=True)
async def invoice_booking(ctx: Context, req: InvoiceBookingRequest) -> Invoice:
    """Invoice a booking for a caller who proves ownership with the passenger's last name.

    Seating checks the name (`Booking/verify_owner`: 404 unknown booking, 403 wrong name, both
    passed on to the caller); then the invoice is mailed once.
    """
    booking = await ctx.object_call(
        verify_owner, key=req.confirmation_number, arg=OwnerProof(last_name=req.last_name)
    )
    return await _send(
        ctx,
        InvoiceRequest(
            confirmation_number=booking.confirmation_number,
            passenger_name=booking.passenger_name,
            email=booking.email,
            flight=booking.flight,
            amount_eur=booking.fare_eur,
        ),
    )
