"""`Flight`: the seat map of one flight, keyed by flight id.

All seat assignments of a flight go through this object's exclusive handler, so two
bookings can never hold the same seat, however many agents ask at once.
"""

import restate
from restate import ObjectContext, ObjectSharedContext, TerminalError

from airline_contracts.errors import BAD_REQUEST, CONFLICT
from airline_contracts.formats import InvalidSeat, normalize_seat

from .models import SeatAssignment, SeatMap

flight = restate.VirtualObject("Flight")


async def _occupied(ctx: ObjectContext | ObjectSharedContext) -> dict[str, str]:
    return await ctx.get("occupied", type_hint=dict[str, str]) or {}


@flight.handler(ingress_private=True)
async def assign(ctx: ObjectContext, req: SeatAssignment) -> SeatMap:
    """Assign a seat to a booking; refuse it if someone else holds it."""
    try:
        seat = normalize_seat(req.seat)
    except InvalidSeat as error:
        raise TerminalError(str(error), status_code=BAD_REQUEST) from None
    occupied = await _occupied(ctx)
    holder = occupied.get(seat)
    if holder is not None and holder != req.confirmation_number:
        raise TerminalError(
            f"Seat {seat} on flight {ctx.key()} is already taken; please choose another seat.",
            status_code=CONFLICT,
        )
    if req.release and occupied.get(req.release) == req.confirmation_number:
        del occupied[req.release]
    occupied[seat] = req.confirmation_number
    ctx.set("occupied", occupied)
    return SeatMap(flight=ctx.key(), occupied=occupied)


# Private: who sits where names confirmation numbers; bookings ask it through Restate.
@flight.handler(kind="shared", ingress_private=True)
async def seat_map(ctx: ObjectSharedContext) -> SeatMap:
    """The occupied seats of this flight."""
    return SeatMap(flight=ctx.key(), occupied=await _occupied(ctx))
