"""`Booking`: one passenger's booking, keyed by confirmation number."""

from datetime import timedelta

import restate
from restate import ObjectContext, ObjectSharedContext, TerminalError

from telemetry import SEAT_CHANGES, handler_span, replaying

from . import config
from .cabin import cabin
from .flight import assign
from .models import (
    Booking,
    InvalidSeat,
    OwnerProof,
    SeatAssignment,
    SeatChange,
    SeatChangeRequest,
    is_last_name_of,
    normalize_seat,
)

booking = restate.VirtualObject("Booking")


def _unknown(confirmation_number: str) -> TerminalError:
    return TerminalError(
        f"No booking with confirmation number {confirmation_number}; "
        "please check the number on your ticket.",
        status_code=404,
    )


@booking.handler(kind="shared")
async def get(ctx: ObjectSharedContext) -> Booking:
    """The booking, or 404 if there is none under this confirmation number."""
    with handler_span("read booking", **{"airline.booking": ctx.key()}):
        found = await ctx.get("booking", type_hint=Booking)
    if found is None:
        raise _unknown(ctx.key())
    return found


def _owned(key: str, found: Booking | None, last_name: str) -> Booking:
    """The booking if `last_name` is its passenger's last name; a 404 or 403 otherwise."""
    if found is None:
        raise _unknown(key)
    if not is_last_name_of(found.passenger_name, last_name):
        # Says nothing about the real name: the caller has to know it.
        raise TerminalError(
            f"The last name does not match booking {key}; nothing was changed. "
            "Please give the passenger's last name as it is on the booking.",
            status_code=403,
        )
    return found


@booking.handler(kind="shared", ingress_private=True)
async def verify_owner(ctx: ObjectSharedContext, proof: OwnerProof) -> Booking:
    """The booking, for a caller who knows the passenger's last name (403 otherwise)."""
    with handler_span("verify owner", **{"airline.booking": ctx.key()}):
        found = await ctx.get("booking", type_hint=Booking)
    return _owned(ctx.key(), found, proof.last_name)


@booking.handler(ingress_private=True)
async def create(ctx: ObjectContext, new: Booking) -> Booking:
    """Create the booking and take its seat; a booking that exists already is kept as it is."""
    if new.confirmation_number != ctx.key():
        raise TerminalError("The confirmation number must match the object key.", status_code=400)
    existing = await ctx.get("booking", type_hint=Booking)
    if existing is not None:
        return existing
    await ctx.object_call(
        assign, key=new.flight, arg=SeatAssignment(seat=new.seat, confirmation_number=ctx.key())
    )
    ctx.set("booking", new)
    return new


@booking.handler(ingress_private=True)
async def change_seat(ctx: ObjectContext, req: SeatChangeRequest) -> SeatChange:
    """Move the booking to another seat on its flight; the last name must match (403)."""
    with handler_span("change seat", **{"airline.booking": ctx.key()}) as span:
        try:
            change = await _change_seat(ctx, req)
        except TerminalError as error:
            span.set_attribute("airline.refused", error.message)
            if not replaying():
                SEAT_CHANGES.labels(outcome="refused").inc()
            raise
    # Checked after the last journal entry: a replay of a finished change is not counted.
    if not replaying():
        SEAT_CHANGES.labels(outcome="ok").inc()
    return change


async def _change_seat(ctx: ObjectContext, req: SeatChangeRequest) -> SeatChange:
    found = await ctx.get("booking", type_hint=Booking)
    if req.approval is None:
        current = _owned(ctx.key(), found, req.last_name or "")
    elif found is None:
        raise _unknown(ctx.key())
    else:
        current = found  # the approval is checked below, before the seat is taken
    try:
        seat = normalize_seat(req.new_seat)
    except InvalidSeat as error:
        raise TerminalError(str(error), status_code=400) from None
    if seat != current.seat:
        if cabin().seat_class(seat) is not None:
            await _check_approval(ctx, req.approval, seat)
        # The flight refuses a taken seat with a TerminalError, which propagates to the caller.
        await ctx.object_call(
            assign,
            key=current.flight,
            arg=SeatAssignment(seat=seat, confirmation_number=ctx.key(), release=current.seat),
        )
        if config.WORK_DELAY_MS:
            await ctx.sleep(timedelta(milliseconds=config.WORK_DELAY_MS), name="work delay")
        ctx.set("booking", current.model_copy(update={"seat": seat}))
    return SeatChange(
        confirmation_number=ctx.key(), flight=current.flight, old_seat=current.seat, new_seat=seat
    )


async def _check_approval(ctx: ObjectContext, approval: str | None, seat: str) -> None:
    """Premium and exit-row seats need an approved SeatApproval for this booking and seat.

    The agent never asks for such a seat here without one (it starts an approval instead);
    this check is the second line, against any other caller.
    """
    if approval is None:
        raise TerminalError(
            f"Seat {cabin().describe(seat)} and needs a supervisor's approval; "
            "request it (the agent does) instead of changing the seat directly.",
            status_code=403,
        )
    # Imported here: approval.py calls this module's change_seat.
    from .approval import status as approval_status

    found = await ctx.workflow_call(approval_status, key=approval, arg=None)
    request = found.request
    if (
        found.state != "approved"
        or request.confirmation_number != ctx.key()
        or request.seat != seat
    ):
        raise TerminalError(
            f"Approval {approval} does not allow booking {ctx.key()} to take seat {seat} "
            f"(it is {found.state}, for booking {request.confirmation_number}, "
            f"seat {request.seat}).",
            status_code=403,
        )
