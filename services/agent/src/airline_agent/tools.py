"""The agents' tools. Seat and invoice tools reach their services through durable RPC.

A durable tool makes exactly one durable Restate operation (one call to a handler that does the
multi-step work downstream), then only pure post-processing: tools of one model response then
run concurrently and replay deterministically (durable_agents.together). Changing a booking
needs the passenger's last name; seating checks it, and decides which seats need approval.
"""

from typing import get_args

from agents import RunContextWrapper
from restate import TerminalError
from restate.ext.openai import restate_context, restate_object_context

from airline_contracts.formats import APPROVAL_ID, not_a_confirmation
from airline_contracts.formats import confirmation_number as _canonical
from airline_contracts.invoicing import InvoiceBookingRequest, InvoiceSent, invoice_booking
from airline_contracts.seating import (
    ApprovalStatus,
    OwnerProof,
    SeatChangeRequest,
    SeatOutcome,
    change_seat,
    verify_owner,
)
from airline_contracts.seating import layout as cabin_layout
from airline_contracts.seating import status as approval_status
from durable_agents import durable_tool, is_cancellation, together

from . import faq
from .checkin import in_words
from .escalation import open as open_escalation
from .models import AirlineContext, Escalation, EscalationRequest, Topic


@durable_tool(name_override="faq_lookup_tool")
async def faq_lookup(context: RunContextWrapper[AirlineContext], question: str) -> str:
    """Look up frequently asked questions about baggage, seats and wifi.

    Args:
        question: The customer's question.
    """
    answer = faq.lookup(question)
    if answer is not None:
        return answer
    # The cabin's facts come from seating, the one place that holds them.
    layout = await together(context, restate_context().service_call(cabin_layout, arg=None))
    return faq.seats_answer(layout)


def _no_last_name(action: str) -> str:
    return (
        f"{action}: the passenger's last name is needed as proof that the booking is theirs. "
        "Ask the customer for it."
    )


def _owner(
    context: RunContextWrapper[AirlineContext], confirmation_number: str, last_name: str
) -> tuple[str, str] | str:
    """The canonical number and the last name to prove it with (given, or proven earlier in the
    session); or what to tell the model when either is missing."""
    number = _canonical(confirmation_number)
    if number is None:
        return not_a_confirmation(confirmation_number)
    name = last_name.strip() or context.context.proven.get(number, "")
    return (number, name[:100]) if name else ""


def _refused(error: TerminalError, action: str | None = None) -> str:
    """What the model is told when a service refused: why, in the service's words."""
    if is_cancellation(error):
        raise error  # the turn is being cancelled: stop here, do not tell the model
    # Wrong name, unknown booking, bad or taken seat: retrying cannot help.
    return f"{action}: {error.message}" if action else error.message


@durable_tool
async def update_seat(
    context: RunContextWrapper[AirlineContext],
    confirmation_number: str,
    last_name: str,
    new_seat: str,
) -> str:
    """Change the seat of a booking. Needs the passenger's last name as proof of ownership.

    Premium and exit-row seats are submitted for a supervisor's approval instead.

    Args:
        confirmation_number: The booking's confirmation number.
        last_name: The passenger's last name, as the customer gave it.
        new_seat: The new seat, for example 12C.
    """
    owner = _owner(context, confirmation_number, last_name)
    if isinstance(owner, str):
        return owner or _no_last_name("The seat was not changed")
    number, name = owner
    if not new_seat.strip():
        return "The seat was not changed: ask the customer which seat they want, e.g. 12C."
    request = SeatChangeRequest(
        new_seat=new_seat[:16],
        last_name=name,
        session_id=restate_object_context().key(),
    )
    try:
        # The tool's one durable operation; seating checks the name and does the rest.
        outcome = await together(
            context, restate_context().object_call(change_seat, key=number, arg=request)
        )
    except TerminalError as error:
        return _refused(error, "The seat was not changed")
    context.context.prove(number, request.last_name)  # seating accepted the name
    facts = context.context.about(number)
    facts.flight_number = outcome.flight
    return _describe_outcome(outcome, facts)


def _describe_outcome(outcome: SeatOutcome, facts: AirlineContext) -> str:
    """What the customer is told about a seat change request."""
    number = outcome.confirmation_number
    if outcome.status == "unchanged":
        facts.seat_number = outcome.old_seat
        return f"Booking {number} already has seat {outcome.new_seat}; nothing was changed."
    if outcome.status == "changed":
        facts.seat_number = outcome.new_seat
        return (
            f"Seat changed from {outcome.old_seat} to {outcome.new_seat} on flight "
            f"{outcome.flight} for booking {number}."
        )
    assert outcome.approval is not None
    facts.seat_number = outcome.old_seat
    facts.approval_request = outcome.approval.request_id
    return (
        f"Seat {outcome.reason}, so a supervisor has to approve the change. "
        f"I submitted request {outcome.approval.request_id} for booking {number}; you will get "
        "a message here and an e-mail once it is decided. Until then your seat stays "
        f"{outcome.old_seat}."
    )


@durable_tool
async def booking_details(
    context: RunContextWrapper[AirlineContext], confirmation_number: str, last_name: str
) -> str:
    """Read a booking's seat and flight as seating holds them now, for its proven owner.

    Args:
        confirmation_number: The confirmation number of the booking to read.
        last_name: The passenger's last name (empty if the booking is proven in this session).
    """
    owner = _owner(context, confirmation_number, last_name)
    if isinstance(owner, str):
        return owner or _no_last_name("I cannot show the booking")
    number, name = owner
    proof = OwnerProof(last_name=name)
    try:
        found = await together(
            context, restate_context().object_call(verify_owner, key=number, arg=proof)
        )
    except TerminalError as error:
        return _refused(error, "I cannot show the booking")
    context.context.prove(number, proof.last_name)
    facts = context.context.about(number)
    facts.seat_number, facts.flight_number = found.seat, found.flight
    facts.passenger_name = found.passenger_name
    return f"Booking {number}: seat {found.seat} on flight {found.flight}."


@durable_tool
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
            context, restate_context().workflow_call(approval_status, key=wanted, arg=None)
        )
    except TerminalError as error:
        return _refused(error)
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


@durable_tool
async def send_invoice(
    context: RunContextWrapper[AirlineContext], confirmation_number: str, last_name: str
) -> str:
    """Send the invoice for a booking to the passenger's e-mail address.

    Needs the passenger's last name as proof of ownership.

    Args:
        confirmation_number: The booking's confirmation number.
        last_name: The passenger's last name, as the customer gave it.
    """
    owner = _owner(context, confirmation_number, last_name)
    if isinstance(owner, str):
        return owner or _no_last_name("No invoice was sent")
    number, name = owner
    request = InvoiceBookingRequest(confirmation_number=number, last_name=name)
    try:
        # The tool's one durable operation; invoicing checks the name and does the rest.
        invoice = await together(
            context, restate_context().service_call(invoice_booking, arg=request)
        )
    except TerminalError as error:
        return _refused(error, "No invoice was sent")
    context.context.prove(number, request.last_name)  # invoicing accepted the name
    facts = context.context.about(number)
    facts.passenger_name = invoice.passenger_name
    facts.flight_number = invoice.flight
    return describe_invoice(invoice)


def describe_invoice(invoice: InvoiceSent) -> str:
    """What the customer is told about the invoice just mailed."""
    what = f"Invoice {invoice.invoice_id} (EUR {invoice.amount_eur})"
    if not invoice.resent:
        return f"{what} was sent to {invoice.email}."
    if invoice.paid:
        return f"{what} is paid already; a copy was sent to {invoice.email} as your receipt."
    return (
        f"{what} was sent to {invoice.email} again: it is the same invoice as before, not paid "
        "yet; no new invoice was made."
    )


@durable_tool
async def escalate_to_human(
    context: RunContextWrapper[AirlineContext],
    topic: str,
    summary: str,
    confirmation_number: str,
    last_name: str,
) -> str:
    """Pass the customer's request to a person on our staff, who answers in this conversation.

    Use it when the customer asks for a human, complains, or wants a refund or a booking
    cancelled: only staff can do those. It changes, cancels and refunds nothing itself.

    Args:
        topic: One of: human, complaint, refund, cancellation.
        summary: What the customer wants, in their own words.
        confirmation_number: The booking it is about, if the customer named one; else empty.
        last_name: The passenger's last name, if given (the answer is also mailed to the
            booking's address when it matches); else empty.
    """
    proven = context.context.proven
    number = _canonical(confirmation_number) if confirmation_number.strip() else None
    if number is None and len(proven) == 1:
        number = next(iter(proven))
    request = EscalationRequest(
        session_id=restate_object_context().key(),
        topic=topic if topic in get_args(Topic) else "human",  # type: ignore[arg-type]
        summary=summary.strip()[:1000] or topic,
        confirmation_number=number,
        last_name=(last_name.strip() or proven.get(number or "", ""))[:100] or None,
    )
    opened = await together(context, restate_context().service_call(open_escalation, arg=request))
    if opened.email and number and request.last_name:
        context.context.prove(number, request.last_name)  # seating accepted the name
    return describe_escalation(opened)


NOT_DONE = {
    "cancellation": "Nothing has been cancelled",
    "refund": "Nothing has been refunded",
    "complaint": "Nothing has been changed",
    "human": "Nothing has been changed",
}


def describe_escalation(opened: Escalation) -> str:
    """What the customer is told: the reference, that nothing was done, where the answer comes."""
    mailed = (
        f" and by e-mail to the address on booking {opened.confirmation_number}"
        if opened.email
        else ""
    )
    return (
        f"I've passed this to a person on our staff: your reference is {opened.escalation_id}. "
        f"{NOT_DONE[opened.topic]} yet; only our staff can do that. You'll get their answer "
        f"here in this conversation{mailed}. If nobody has answered "
        f"{in_words(opened.timeout_s)}, I'll tell you here."
    )
