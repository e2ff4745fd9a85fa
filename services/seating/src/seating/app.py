"""The seating deployment: bookings, flights, seat approvals and the seed loader."""

import restate

from telemetry import identity_keys

from .approval import seat_approval
from .booking import booking
from .cabin import cabin_service
from .desk import approval_desk
from .flight import flight
from .seed import seating_admin

app = restate.app(
    [booking, cabin_service, flight, seat_approval, approval_desk, seating_admin],
    identity_keys=identity_keys(),
)
