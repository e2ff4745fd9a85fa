"""`PremiumSeats`: where a request for a premium or exit-row seat starts.

It checks what can be checked now (booking, seat, still free), gives the request its id and starts
the `SeatApproval` workflow, then answers at once: the decision comes later, by mail and as a
message in the customer's conversation.
"""

import restate
from restate import Context, TerminalError

from . import config
from .approval import run
from .booking import verify_owner
from .cabin import cabin
from .flight import seat_map
from .models import (
    ApprovalRequest,
    InvalidSeat,
    OwnerProof,
    PremiumSeatRequest,
    normalize_seat,
)

premium_seats = restate.Service("PremiumSeats")


@premium_seats.handler(ingress_private=True)
async def request(ctx: Context, req: PremiumSeatRequest) -> ApprovalRequest:
    """Submit a seat change that needs approval; returns the pending request."""
    try:
        seat = normalize_seat(req.new_seat)
    except InvalidSeat as error:
        raise TerminalError(str(error), status_code=400) from None
    kind = cabin().seat_class(seat)
    if kind is None:
        raise TerminalError(
            f"Seat {seat} needs no approval; change it with Booking/change_seat.", status_code=400
        )
    booking = await ctx.object_call(
        verify_owner, key=req.confirmation_number, arg=OwnerProof(last_name=req.last_name)
    )
    if booking.seat == seat:
        raise TerminalError(
            f"Booking {booking.confirmation_number} already has seat {seat}.", status_code=409
        )
    holder = (await ctx.object_call(seat_map, key=booking.flight, arg=None)).occupied.get(seat)
    if holder is not None and holder != booking.confirmation_number:
        raise TerminalError(
            f"Seat {seat} on flight {booking.flight} is already taken; please choose another seat.",
            status_code=409,
        )
    # ctx.uuid() is seeded by this invocation's id: a retry or replay makes the same request id.
    approval = ApprovalRequest(
        request_id=f"APR-{ctx.uuid().hex[:8].upper()}",
        confirmation_number=booking.confirmation_number,
        passenger_name=booking.passenger_name,
        email=booking.email,
        flight=booking.flight,
        current_seat=booking.seat,
        seat=seat,
        seat_class=kind,
        session_id=req.session_id,
        requested_at=await ctx.time(),
        timeout_s=config.APPROVAL_TIMEOUT_S,
    )
    ctx.workflow_send(run, key=approval.request_id, arg=approval)
    return approval
