"""Seating's own types, and the ownership rule; the wire types are in airline_contracts."""

from typing import Literal

from pydantic import BaseModel, Field, field_validator

from airline_contracts.seating import ApprovalRequest


def _name_key(name: str) -> str:
    """A name as compared for ownership: no case, no spaces ("van  Rossum" -> "vanrossum")."""
    return "".join(name.split()).casefold()


def is_last_name_of(passenger_name: str, last_name: str) -> bool:
    """Whether `last_name` is the last name of the passenger (ignoring case and spaces).

    A last name of several words counts ("van Rossum" of "Guido van Rossum"), a first name
    does not.
    """
    words = passenger_name.split()
    given = _name_key(last_name)
    tails = {_name_key(" ".join(words[i:])) for i in range(1 if len(words) > 1 else 0, len(words))}
    return bool(given) and given in tails


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


# --------------------------------------------------------------------------------------------
# Approvals for premium and exit-row seats (approval.py, desk.py)
# --------------------------------------------------------------------------------------------


class Rejection(BaseModel):
    """A supervisor's no, with the reason the customer will read."""

    reason: str = Field(min_length=1, max_length=500)

    @field_validator("reason")
    @classmethod
    def _said(cls, reason: str) -> str:
        if not reason.strip():
            raise ValueError("give the customer a reason, e.g. 'premium cabin is full'")
        return reason.strip()


class Decision(BaseModel):
    """What completed the request's durable promise: a supervisor, or the timer."""

    verdict: Literal["approved", "rejected", "expired"]
    reason: str | None = None


class PendingApprovals(BaseModel):
    """The requests waiting for a supervisor, oldest first."""

    requests: list[ApprovalRequest]
