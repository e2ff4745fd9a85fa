"""The agents' tools. Seat and invoice tools reach their services through durable RPC.

A durable tool makes exactly one durable Restate operation (one call to a handler that does the
multi-step work downstream), then only pure post-processing: tools of one model response then
run concurrently and replay deterministically (ordering.py). Changing a booking needs the
passenger's last name; seating checks it, not the agent.
"""

import re

from agents import RunContextWrapper, function_tool
from restate import TerminalError
from restate.ext.openai import durable_function_tool, restate_context, restate_object_context

from invoicing.invoicing import invoice_booking
from invoicing.models import InvoiceBookingRequest
from seating.approval import status as approval_status
from seating.booking import change_seat
from seating.cabin import cabin
from seating.models import (
    APPROVAL_ID,
    CONFIRMATION,
    ApprovalStatus,
    InvalidSeat,
    PremiumSeatRequest,
    SeatChangeRequest,
)
from seating.premium import request as request_premium_seat

from . import faq
from .cancellation import is_cancellation
from .models import AirlineContext
from .ordering import together

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


def _no_last_name(action: str) -> str:
    return (
        f"{action}: the passenger's last name is needed as proof that the booking is theirs. "
        "Ask the customer for it."
    )


@durable_function_tool
async def update_seat(
    context: RunContextWrapper[AirlineContext],
    confirmation_number: str,
    last_name: str,
    new_seat: str,
) -> str:
    """Change the seat of a booking. Needs the passenger's last name as proof of ownership.

    Args:
        confirmation_number: The booking's confirmation number.
        last_name: The passenger's last name, as the customer gave it.
        new_seat: The new seat, for example 12C.
    """
    number = _confirmation(confirmation_number)
    if number is None:
        return _not_a_confirmation(confirmation_number)
    if not last_name.strip():
        return _no_last_name("The seat was not changed")
    if not new_seat.strip():
        return "The seat was not changed: ask the customer which seat they want, e.g. 12C."
    if _needs_approval(new_seat):
        return await _request_approval(context.context, number, last_name, new_seat)
    request = SeatChangeRequest(new_seat=new_seat[:16], last_name=last_name.strip()[:100])
    try:
        # The tool's one durable operation; seating checks the name and does the rest.
        change = await together(restate_context().object_call(change_seat, key=number, arg=request))
    except TerminalError as error:
        if is_cancellation(error):
            raise  # the turn is being cancelled: stop here, do not tell the model
        # Wrong name, unknown booking, bad or taken seat: retrying cannot help.
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


def _needs_approval(seat: str) -> bool:
    try:
        return cabin().seat_class(seat) is not None
    except InvalidSeat:
        return False  # seating explains what is wrong with the code


async def _request_approval(
    facts: AirlineContext, number: str, last_name: str, new_seat: str
) -> str:
    """A premium or exit-row seat: one call starts the approval; the customer hears back later."""
    session = restate_object_context().key()
    request = PremiumSeatRequest(
        confirmation_number=number,
        new_seat=new_seat[:16],
        last_name=last_name.strip()[:100],
        session_id=session,
    )
    try:
        # One durable operation; seating checks the name, the seat, and starts the workflow.
        request = await together(restate_context().service_call(request_premium_seat, arg=request))
    except TerminalError as error:
        if is_cancellation(error):
            raise
        return f"The seat was not changed: {error.message}"
    if facts.confirmation_number != number:
        facts.passenger_name = None
    facts.confirmation_number = number
    facts.flight_number = request.flight
    facts.approval_request = request.request_id
    return (
        f"Seat {cabin().describe(request.seat)}, so a supervisor has to approve the change. "
        f"I submitted request {request.request_id} for booking {number}; you will get a message "
        "here and an e-mail once it is decided. Until then your seat stays "
        f"{request.current_seat}."
    )


@durable_function_tool
async def seat_request_status(context: RunContextWrapper[AirlineContext], request_id: str) -> str:
    """Tell where a seat request that needs a supervisor's approval stands.

    Args:
        request_id: The request id, like APR-1A2B3C4D; empty for the customer's latest request.
    """
    wanted = request_id.strip().upper() or context.context.approval_request or ""
    if not APPROVAL_ID.match(wanted):
        return (
            "There is no seat request to look up in this conversation; request ids look like "
            "APR-1A2B3C4D."
        )
    try:
        found = await together(
            restate_context().workflow_call(approval_status, key=wanted, arg=None)
        )
    except TerminalError as error:
        if is_cancellation(error):
            raise
        return error.message
    return describe_status(found)


def describe_status(found: ApprovalStatus) -> str:
    """Where a request stands, for the customer."""
    request = found.request
    if found.state == "pending":
        return (
            f"Request {request.request_id} for seat {request.seat} on flight {request.flight} "
            "is still waiting for a supervisor's decision."
        )
    if found.outcome:
        return found.outcome
    return (
        f"Request {request.request_id} for seat {request.seat} was {found.state}; "
        "the change is being carried out."
    )


@durable_function_tool
async def send_invoice(
    context: RunContextWrapper[AirlineContext], confirmation_number: str, last_name: str
) -> str:
    """Send the invoice for a booking to the passenger's e-mail address.

    Needs the passenger's last name as proof of ownership.

    Args:
        confirmation_number: The booking's confirmation number.
        last_name: The passenger's last name, as the customer gave it.
    """
    number = _confirmation(confirmation_number)
    if number is None:
        return _not_a_confirmation(confirmation_number)
    if not last_name.strip():
        return _no_last_name("No invoice was sent")
    request = InvoiceBookingRequest(confirmation_number=number, last_name=last_name.strip()[:100])
    try:
        # The tool's one durable operation; invoicing checks the name and does the rest.
        invoice = await together(restate_context().service_call(invoice_booking, arg=request))
    except TerminalError as error:
        if is_cancellation(error):
            raise
        return f"No invoice was sent: {error.message}"
    facts = context.context
    facts.confirmation_number = number
    facts.passenger_name = invoice.passenger_name
    facts.flight_number = invoice.flight
    return f"Invoice {invoice.invoice_id} (EUR {invoice.amount_eur}) was sent to {invoice.email}."
