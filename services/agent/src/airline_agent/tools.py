"""The agents' tools. Seat and invoice tools reach their services through durable RPC."""

import re

from agents import RunContextWrapper, function_tool
from restate import TerminalError
from restate.ext.openai import durable_function_tool, restate_context

from invoicing.invoicing import send_invoice as invoicing_send_invoice
from invoicing.models import InvoiceRequest
from seating.booking import change_seat
from seating.booking import get as get_booking
from seating.models import CONFIRMATION, SeatChangeRequest

from . import faq
from .cancellation import is_cancellation
from .models import AirlineContext

_SPACES = re.compile(r"\s+")


def _confirmation(raw: str) -> str | None:
    """The confirmation number in canonical form, or None if it cannot be one."""
    number = _SPACES.sub("", raw).upper()
    return number if CONFIRMATION.match(number) else None


def _not_a_confirmation(raw: str) -> str:
    shown = raw if len(raw) <= 20 else raw[:20] + "..."
    return (
        f"'{shown}' is not a confirmation number: they are 4-8 letters and digits, "
        "like AB4568. Ask the customer for the number on their ticket."
    )


@function_tool(name_override="faq_lookup_tool")
def faq_lookup(question: str) -> str:
    """Look up frequently asked questions about baggage, seats and wifi.

    Args:
        question: The customer's question.
    """
    return faq.lookup(question)


@durable_function_tool
async def update_seat(
    context: RunContextWrapper[AirlineContext], confirmation_number: str, new_seat: str
) -> str:
    """Change the seat of a booking.

    Args:
        confirmation_number: The booking's confirmation number.
        new_seat: The new seat, for example 12C.
    """
    number = _confirmation(confirmation_number)
    if number is None:
        return _not_a_confirmation(confirmation_number)
    try:
        change = await restate_context().object_call(
            change_seat, key=number, arg=SeatChangeRequest(new_seat=new_seat[:16])
        )
    except TerminalError as error:
        if is_cancellation(error):
            raise  # the turn is being cancelled: stop here, do not tell the model
        # Unknown booking, bad or taken seat: the customer has to choose, retrying cannot help.
        return f"The seat was not changed: {error.message}"
    facts = context.context
    if facts.confirmation_number != number:
        facts.passenger_name = None  # learned for another booking
    facts.confirmation_number = number
    facts.seat_number = change.new_seat
    facts.flight_number = change.flight
    return (
        f"Seat changed from {change.old_seat} to {change.new_seat} on flight {change.flight} "
        f"for booking {number}."
    )


@durable_function_tool
async def send_invoice(context: RunContextWrapper[AirlineContext], confirmation_number: str) -> str:
    """Send the invoice for a booking to the passenger's e-mail address.

    Args:
        confirmation_number: The booking's confirmation number.
    """
    number = _confirmation(confirmation_number)
    if number is None:
        return _not_a_confirmation(confirmation_number)
    ctx = restate_context()
    try:
        booking = await ctx.object_call(get_booking, key=number, arg=None)
    except TerminalError as error:
        if is_cancellation(error):
            raise
        return f"No invoice was sent: {error.message}"
    invoice = await ctx.service_call(
        invoicing_send_invoice,
        arg=InvoiceRequest(
            confirmation_number=booking.confirmation_number,
            passenger_name=booking.passenger_name,
            email=booking.email,
            flight=booking.flight,
            amount_eur=booking.fare_eur,
        ),
    )
    facts = context.context
    facts.confirmation_number = number
    facts.passenger_name = booking.passenger_name
    facts.flight_number = booking.flight
    return f"Invoice {invoice.invoice_id} (EUR {invoice.amount_eur}) was sent to {invoice.email}."
