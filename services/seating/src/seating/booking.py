"""`Booking`: one passenger's booking, keyed by confirmation number."""

from datetime import timedelta

import restate
from restate import ObjectContext, ObjectSharedContext, TerminalError

from airline_contracts.errors import BAD_REQUEST, CONFLICT, FORBIDDEN, NOT_FOUND, stored
from airline_contracts.formats import InvalidSeat, normalize_seat
from airline_contracts.seating import (
    ApprovalRequest,
    ApprovedChange,
    Booking,
    OwnerProof,
    SeatChangeRequest,
    SeatOutcome,
)
from telemetry import SEAT_CHANGES, handler_span, once

from . import config
from .approval import run as wait_for_approval
from .cabin import cabin
from .flight import assign, seat_map
from .models import SeatAssignment, is_last_name_of

booking = restate.VirtualObject("Booking")

# Restate's logger drops lines while a handler replays its journal: each event is logged once.
logger = restate.getLogger(__name__)


async def _booking(ctx: ObjectContext | ObjectSharedContext) -> Booking:
    missing = (
        f"No booking with confirmation number {ctx.key()}; please check the number on your ticket."
    )
    return await stored(ctx, "booking", Booking, missing)


# Private: the raw record (name, e-mail) is for services; customers use `lookup`.
@booking.handler(kind="shared", ingress_private=True)
async def get(ctx: ObjectSharedContext) -> Booking:
    """The booking, or 404 if there is none under this confirmation number."""
    with handler_span("read booking", **{"airline.booking": ctx.key()}):
        return await _booking(ctx)


@booking.handler(kind="shared")
async def lookup(ctx: ObjectSharedContext, proof: OwnerProof) -> Booking:
    """The booking for its owner: confirmation number plus the passenger's last name.

    An unknown booking and a wrong name get the same 404, so the answer tells an outsider
    nothing about which bookings exist.
    """
    with handler_span("look up booking", **{"airline.booking": ctx.key()}):
        found = await ctx.get("booking", type_hint=Booking)
        if found is None or not is_last_name_of(found.passenger_name, proof.last_name):
            raise TerminalError(
                f"No booking {ctx.key()} with that last name; check both and try again.",
                status_code=NOT_FOUND,
            )
        return found


def _owned(key: str, found: Booking, last_name: str) -> Booking:
    """The booking if `last_name` is its passenger's last name; a 403 otherwise."""
    if not is_last_name_of(found.passenger_name, last_name):
        # Says nothing about the real name: the caller has to know it.
        raise TerminalError(
            f"The last name does not match booking {key}; nothing was changed. "
            "Please give the passenger's last name as it is on the booking.",
            status_code=FORBIDDEN,
        )
    return found


@booking.handler(kind="shared", ingress_private=True)
async def verify_owner(ctx: ObjectSharedContext, proof: OwnerProof) -> Booking:
    """The booking, for a caller who knows the passenger's last name (403 otherwise)."""
    with handler_span("verify owner", **{"airline.booking": ctx.key()}):
        return _owned(ctx.key(), await _booking(ctx), proof.last_name)


@booking.handler(ingress_private=True)
async def create(ctx: ObjectContext, new: Booking) -> Booking:
    """Create the booking and take its seat; a booking that exists already is kept as it is."""
    if new.confirmation_number != ctx.key():
        raise TerminalError(
            "The confirmation number must match the object key.", status_code=BAD_REQUEST
        )
    existing = await ctx.get("booking", type_hint=Booking)
    if existing is not None:
        return existing
    await ctx.object_call(
        assign, key=new.flight, arg=SeatAssignment(seat=new.seat, confirmation_number=ctx.key())
    )
    ctx.set("booking", new)
    return new


@booking.handler(ingress_private=True)
async def change_seat(ctx: ObjectContext, req: SeatChangeRequest) -> SeatOutcome:
    """Move the booking to another seat, or submit a premium or exit-row seat for approval.

    The last name must match (403); a bad seat code is a 400, a taken seat a 412.
    """
    with handler_span("change seat", **{"airline.booking": ctx.key()}) as span:
        try:
            current = _owned(ctx.key(), await _booking(ctx), req.last_name)
            seat = _seat(req.new_seat)
            if seat == current.seat:
                outcome = _outcome(current, seat, "unchanged")
            elif cabin().seat_class(seat) is not None:
                outcome = await _submit_for_approval(ctx, current, seat, req.session_id)
            else:
                outcome = await _move(ctx, current, seat)
        except TerminalError as error:
            span.set_attribute("airline.refused", error.message)
            once(SEAT_CHANGES.labels(outcome="refused").inc)
            raise
    # Counted after the last journal entry: a replay of a finished change is not counted.
    once(SEAT_CHANGES.labels(outcome=_counted(outcome)).inc)
    return outcome


@booking.handler(ingress_private=True)
async def apply_approved(ctx: ObjectContext, change: ApprovedChange) -> SeatOutcome:
    """Carry out a seat change a supervisor approved: only SeatApproval calls this."""
    current = await _booking(ctx)
    seat = _seat(change.seat)
    if seat == current.seat:
        return _outcome(current, seat, "unchanged")
    outcome = await _move(ctx, current, seat)
    once(SEAT_CHANGES.labels(outcome=_counted(outcome)).inc)
    return outcome


def _counted(outcome: SeatOutcome) -> str:
    """The metric's outcome label: "ok" for a seat that moved (the dashboards count those)."""
    return "ok" if outcome.status == "changed" else outcome.status


def _seat(code: str) -> str:
    try:
        return normalize_seat(code)
    except InvalidSeat as error:
        raise TerminalError(str(error), status_code=BAD_REQUEST) from None


def _outcome(current: Booking, seat: str, status: str, **extra: object) -> SeatOutcome:
    return SeatOutcome(
        status=status,  # type: ignore[arg-type]
        confirmation_number=current.confirmation_number,
        flight=current.flight,
        old_seat=current.seat,
        new_seat=seat,
        **extra,  # type: ignore[arg-type]
    )


async def _move(ctx: ObjectContext, current: Booking, seat: str) -> SeatOutcome:
    # The flight refuses a taken seat with a TerminalError, which propagates to the caller.
    await ctx.object_call(
        assign,
        key=current.flight,
        arg=SeatAssignment(seat=seat, confirmation_number=ctx.key(), release=current.seat),
    )
    if config.WORK_DELAY_MS:
        await ctx.sleep(timedelta(milliseconds=config.WORK_DELAY_MS), name="work delay")
    ctx.set("booking", current.model_copy(update={"seat": seat}))
    logger.info(
        "booking %s: seat %s -> %s on flight %s", ctx.key(), current.seat, seat, current.flight
    )
    return _outcome(current, seat, "changed")


async def _submit_for_approval(
    ctx: ObjectContext, current: Booking, seat: str, session_id: str | None
) -> SeatOutcome:
    """Start the SeatApproval workflow for a seat that is free now; the answer comes later."""
    holder = (await ctx.object_call(seat_map, key=current.flight, arg=None)).occupied.get(seat)
    if holder is not None and holder != current.confirmation_number:
        raise TerminalError(
            f"Seat {seat} on flight {current.flight} is already taken; please choose another seat.",
            status_code=CONFLICT,
        )
    kind = cabin().seat_class(seat)
    assert kind is not None
    # ctx.uuid() is seeded by this invocation's id: a retry or replay makes the same request id.
    approval = ApprovalRequest(
        request_id=f"APR-{ctx.uuid().hex[:8].upper()}",
        confirmation_number=current.confirmation_number,
        passenger_name=current.passenger_name,
        email=current.email,
        flight=current.flight,
        current_seat=current.seat,
        seat=seat,
        seat_class=kind,
        session_id=session_id,
        requested_at=await ctx.time(),
        timeout_s=config.APPROVAL_TIMEOUT_S,
    )
    ctx.workflow_send(wait_for_approval, key=approval.request_id, arg=approval)
    return _outcome(
        current, seat, "pending_approval", reason=cabin().describe(seat), approval=approval
    )
