"""`SeatingAdmin`: loads the seed bookings, idempotently, when the stack starts."""

import json
from importlib import resources

import restate
from restate import Context

from airline_contracts.seating import Booking
from telemetry import require_supervisor

from . import config
from .booking import create
from .models import SeedReport

seating_admin = restate.Service("SeatingAdmin")

# Restate's logger drops lines while a handler replays its journal: each event is logged once.
logger = restate.getLogger(__name__)


def seed_bookings() -> list[Booking]:
    """The bookings shipped with the service (the README's examples use them)."""
    raw = json.loads(resources.files("seating").joinpath("seed.json").read_text())
    return [Booking.model_validate(item) for item in raw]


@seating_admin.handler()
async def seed(ctx: Context) -> SeedReport:
    """Create every seed booking that does not exist yet (operators only)."""
    require_supervisor(ctx, config.SUPERVISOR_TOKEN, "seed the bookings")
    bookings = seed_bookings()
    calls = [ctx.object_call(create, key=b.confirmation_number, arg=b) for b in bookings]
    for call in calls:
        await call
    logger.info("seeded %d bookings", len(bookings))
    return SeedReport(bookings=len(bookings))
