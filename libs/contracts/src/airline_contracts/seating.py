"""Seating's contract: bookings, seat changes and seat approvals, as other services call them.

Implemented by services/seating (booking.py, approval.py) under the same names. The stubs give
names, kinds and types; who may call a handler (ingress or not) is the serving side's choice.
"""

from typing import Literal

import restate
from pydantic import BaseModel, EmailStr, Field, field_validator
from restate import Context, ObjectContext, ObjectSharedContext, WorkflowSharedContext

from .formats import APPROVAL_ID, CONFIRMATION, normalize_seat


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


class OwnerProof(BaseModel):
    """Proof that the caller may act on a booking: the passenger's last name."""

    last_name: str = Field(min_length=1, max_length=100)


class SeatChangeRequest(BaseModel):
    """Move a booking to another seat on its flight, for a caller who knows the last name.

    A premium or exit-row seat is not changed at once: seating submits it for a supervisor's
    approval, and the outcome is mailed and told to `session_id`'s conversation.
    """

    new_seat: str = Field(min_length=1, max_length=16)
    last_name: str = Field(min_length=1, max_length=100)
    session_id: str | None = Field(default=None, max_length=200)


ApprovalState = Literal["pending", "approved", "rejected", "expired"]


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


class SeatOutcome(BaseModel):
    """What became of a seat change request."""

    status: Literal["changed", "unchanged", "pending_approval"]
    confirmation_number: str
    flight: str
    old_seat: str  # the booking's seat before the request
    new_seat: str  # the seat asked for, canonical
    # Why the seat needs a supervisor ("2A is in a premium row (rows 1-4)"), and the request.
    reason: str | None = None
    approval: ApprovalRequest | None = None


class ApprovedChange(BaseModel):
    """A move a supervisor approved, carried out by the approval workflow."""

    request_id: str = Field(pattern=APPROVAL_ID.pattern)
    seat: str = Field(min_length=1, max_length=16)


class ApprovalStatus(BaseModel):
    """Where a request stands; `outcome` is what the customer was told once it was decided."""

    request: ApprovalRequest
    state: ApprovalState
    reason: str | None = None
    seat_changed: bool = False
    outcome: str | None = None


class CabinLayout(BaseModel):
    """The cabin as seating has it: the seat codes, and which rows need a supervisor."""

    rows: int  # rows 1..rows
    letters: str  # the seats of a row, e.g. "ABCDEF"
    premium_rows: list[int]
    exit_rows: list[int]

    @property
    def seats(self) -> int:
        """How many seats the cabin has."""
        return self.rows * len(self.letters)


booking = restate.VirtualObject("Booking")


@booking.handler(kind="shared")
async def get(ctx: ObjectSharedContext) -> Booking:
    """The booking, or 404 if there is none under this confirmation number."""
    raise NotImplementedError("served by seating")


@booking.handler(kind="shared")
async def verify_owner(ctx: ObjectSharedContext, proof: OwnerProof) -> Booking:
    """The booking, for a caller who knows the passenger's last name (403 otherwise)."""
    raise NotImplementedError("served by seating")


@booking.handler()
async def change_seat(ctx: ObjectContext, request: SeatChangeRequest) -> SeatOutcome:
    """Change the seat, or submit it for approval; 403 wrong name, 400 bad seat, 412 taken."""
    raise NotImplementedError("served by seating")


@booking.handler()
async def apply_approved(ctx: ObjectContext, change: ApprovedChange) -> SeatOutcome:
    """Carry out a seat change a supervisor approved (the approval workflow's call only)."""
    raise NotImplementedError("served by seating")


cabin = restate.Service("Cabin")


@cabin.handler()
async def layout(ctx: Context) -> CabinLayout:
    """The cabin layout: seat codes, premium rows and exit rows (the one source of them)."""
    raise NotImplementedError("served by seating")


seat_approval = restate.Workflow("SeatApproval")


@seat_approval.handler()
async def status(ctx: WorkflowSharedContext) -> ApprovalStatus:
    """Where the request stands: pending, approved, rejected or expired (404 unknown)."""
    raise NotImplementedError("served by seating")
