"""The seating deployment: bookings, flights and the seed loader."""

import restate

from .booking import booking
from .flight import flight
from .seed import seating_admin

app = restate.app([booking, flight, seating_admin])
