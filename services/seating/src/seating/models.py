"""Pydantic types at the seating service's boundary."""

import re

from pydantic import BaseModel, EmailStr, Field, field_validator

# Every flight in the seed fleet is a narrow-body jet: rows 1-30, seats A-F.
ROWS = 30
LETTERS = "ABCDEF"
_SEAT = re.compile(r"^\s*(\d{1,2})\s*([A-Za-z])\s*$")
CONFIRMATION = re.compile(r"^[A-Z0-9]{4,8}$")


class InvalidSeat(ValueError):
    """A seat code that does not exist on the aircraft."""


def normalize_seat(code: str) -> str:
    """Return the canonical seat code ("10b" -> "10B") or raise InvalidSeat with the reason."""
    match = _SEAT.match(code)
    if match is None:
        raise InvalidSeat(f"'{code}' is not a seat code; seats look like 12C (row 1-{ROWS}, A-F).")
    row, letter = int(match.group(1)), match.group(2).upper()
    if not 1 <= row <= ROWS or letter not in LETTERS:
        raise InvalidSeat(f"Seat {row}{letter} does not exist: rows are 1-{ROWS}, seats A-F.")
    return f"{row}{letter}"


class Booking(BaseModel):
    """A passenger's booking on one flight."""

    confirmation_number: str = Field(pattern=CONFIRMATION.pattern)
    passenger_name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    flight: str = Field(pattern=r"^[A-Z0-9]{2,10}$")
    seat: str
    fare_eur: int = Field(ge=0, le=100_000)

    @field_validator("seat")
    @classmethod
    def _seat_exists(cls, seat: str) -> str:
        return normalize_seat(seat)


class SeatChangeRequest(BaseModel):
    """Move a booking to another seat on the same flight."""

    new_seat: str = Field(min_length=1, max_length=16)


class SeatChange(BaseModel):
    """The outcome of a seat change, as seating recorded it."""

    confirmation_number: str
    flight: str
    old_seat: str
    new_seat: str


class SeatAssignment(BaseModel):
    """Give `seat` to a booking, releasing the seat it held before (if any)."""

    seat: str
    confirmation_number: str
    release: str | None = None


class SeatMap(BaseModel):
    """Occupied seats of a flight: seat code -> confirmation number."""

    flight: str
    occupied: dict[str, str]


class SeedReport(BaseModel):
    """What a seeding run loaded."""

    bookings: int
