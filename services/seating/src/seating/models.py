"""Pydantic types at the seating service's boundary."""

import re
from typing import Literal

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


class OwnerProof(BaseModel):
    """Proof that the caller may act on a booking: the passenger's last name."""

    last_name: str = Field(min_length=1, max_length=100)


class SeatChangeRequest(BaseModel):
    """Move a booking to another seat on the same flight.

    Needs the passenger's last name, unless an approval vouches for the move (the approval
    workflow, private to seating, carries out a change a supervisor approved).
    """

    new_seat: str = Field(min_length=1, max_length=16)
    last_name: str | None = Field(default=None, min_length=1, max_length=100)
    # Required for premium and exit rows: the id of the SeatApproval that allowed this move.
    approval: str | None = Field(default=None, max_length=64)


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


# --------------------------------------------------------------------------------------------
# Approvals for premium and exit-row seats (approval.py, desk.py)
# --------------------------------------------------------------------------------------------

ApprovalState = Literal["pending", "approved", "rejected", "expired"]
APPROVAL_ID = re.compile(r"^APR-[0-9A-F]{8}$")


class PremiumSeatRequest(BaseModel):
    """A customer asks to move into a seat that needs a supervisor's approval."""

    confirmation_number: str = Field(pattern=CONFIRMATION.pattern)
    new_seat: str = Field(min_length=1, max_length=16)
    # Proof that the booking is the customer's, as for a plain seat change.
    last_name: str = Field(min_length=1, max_length=100)
    # The conversation that hears the outcome (AgentSession key); None tells only by mail.
    session_id: str | None = Field(default=None, max_length=200)


class ApprovalRequest(BaseModel):
    """One pending decision: may this booking move into this seat?"""

    request_id: str = Field(pattern=APPROVAL_ID.pattern)
    confirmation_number: str
    passenger_name: str
    email: EmailStr
    flight: str
    current_seat: str
    seat: str
    seat_class: Literal["premium", "exit"]
    session_id: str | None = None
    requested_at: float  # unix seconds
    timeout_s: float  # undecided after this long, the request expires


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


class ApprovalStatus(BaseModel):
    """Where a request stands; `outcome` is what the customer was told once it was decided."""

    request: ApprovalRequest
    state: ApprovalState
    reason: str | None = None
    seat_changed: bool = False
    outcome: str | None = None


class PendingApprovals(BaseModel):
    """The requests waiting for a supervisor, oldest first."""

    requests: list[ApprovalRequest]


class OutgoingMail(BaseModel):
    """A mail for invoicing's `Mailbox/deliver` (same fields as invoicing's `Mail`)."""

    mail_id: str
    to: EmailStr
    subject: str
    body: str


class SessionNotice(BaseModel):
    """A message for `AgentSession/notify` (same fields as the agent's `Notice`)."""

    text: str = Field(min_length=1, max_length=2000)
    source: str = "approvals"
