"""`Invoicing`: invoices a booking for a caller who proves it is theirs."""

from datetime import timedelta

import restate
from restate import Context

from airline_contracts.invoicing import InvoiceBookingRequest, InvoiceSent
from airline_contracts.seating import OwnerProof, verify_owner
from telemetry import INVOICES, once

from . import config
from .billing import invoice as bill
from .models import InvoiceRequest

invoicing = restate.Service("Invoicing")


async def _send(ctx: Context, req: InvoiceRequest) -> InvoiceSent:
    sent = await ctx.object_call(bill, key=req.confirmation_number, arg=req)
    if config.WORK_DELAY_MS:
        await ctx.sleep(timedelta(milliseconds=config.WORK_DELAY_MS), name="work delay")
    if not sent.resent:
        # Counted after the billing call's journal entry: a replay is not counted again.
        once(INVOICES.inc)
    return sent


@invoicing.handler(ingress_private=True)
async def send_invoice(ctx: Context, req: InvoiceRequest) -> InvoiceSent:
    """Mail the booking's invoice (created once, with its payment reminder; re-sent after)."""
    return await _send(ctx, req)


@invoicing.handler(ingress_private=True)
async def invoice_booking(ctx: Context, req: InvoiceBookingRequest) -> InvoiceSent:
    """Invoice a booking for a caller who proves ownership with the passenger's last name.

    Seating checks the name (`Booking/verify_owner`: 404 unknown booking, 403 wrong name, both
    passed on to the caller); then the booking's one invoice is mailed (see billing.py).
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
