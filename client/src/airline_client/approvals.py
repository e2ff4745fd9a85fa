"""Seat requests waiting for a supervisor: what the ingress returns, and how it is shown."""

from .desks import age, listing
from .models import Answer

DESK_KEY = "supervisors"  # the one ApprovalDesk object seating keeps


class ApprovalRequest(Answer):
    """One booking asking to move into a premium or exit-row seat."""

    request_id: str
    confirmation_number: str
    flight: str
    current_seat: str
    seat: str
    seat_class: str
    requested_at: float


class PendingApprovals(Answer):
    """The requests on the supervisors' desk, oldest first."""

    requests: list[ApprovalRequest]


class ApprovalStatus(Answer):
    """Where one request stands after a decision (or still pending)."""

    request: ApprovalRequest
    state: str
    reason: str | None = None


def pending(found: PendingApprovals, now: float) -> str:
    """One line per waiting request: id, booking, flight, seat change, age."""

    def line(r: ApprovalRequest) -> str:
        return (
            f"  {r.request_id}  booking {r.confirmation_number:<8}  flight {r.flight:<10}  "
            f"{r.current_seat} -> {r.seat} ({r.seat_class})  waiting {age(now - r.requested_at)}"
        )

    return listing(found.requests, "seat request", "for approval", line)


def decided(status: ApprovalStatus) -> str:
    """What a decision did: `approved APR-...: booking X moves to 2A ...`."""
    r = status.request
    what = f"{r.request_id}: booking {r.confirmation_number}, seat {r.current_seat} -> {r.seat}"
    if status.state == "rejected":
        return f"rejected {what} ({status.reason}); the customer will be told"
    if status.state == "approved":
        return f"approved {what} on flight {r.flight}; the customer will be told"
    return f"{status.state} {what}"
