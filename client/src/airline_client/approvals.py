"""Seat requests waiting for a supervisor: what the ingress returns, and how it is shown."""

from typing import ClassVar

from .models import Answer

DESK_KEY = "supervisors"  # the one ApprovalDesk object seating keeps


class ApprovalRequest(Answer):
    """One booking asking to move into a premium or exit-row seat."""

    what: ClassVar[str] = "approval request"
    request_id: str
    confirmation_number: str
    flight: str
    current_seat: str
    seat: str
    seat_class: str
    requested_at: float


class PendingApprovals(Answer):
    """The requests on the supervisors' desk, oldest first."""

    what: ClassVar[str] = "pending approvals"
    requests: list[ApprovalRequest]


class ApprovalStatus(Answer):
    """Where one request stands after a decision (or still pending)."""

    what: ClassVar[str] = "approval status"
    request: ApprovalRequest
    state: str
    reason: str | None = None


def age(seconds: float) -> str:
    """`45s`, `12m`, `3h 05m`, `2d 4h`: how long a request has waited."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"
    return f"{seconds // 86400}d {seconds % 86400 // 3600}h"


def pending(found: PendingApprovals, now: float) -> str:
    """One line per waiting request: id, booking, flight, seat change, age."""
    count = len(found.requests)
    if not count:
        return "no seat requests waiting for approval"
    lines = [f"{count} seat request{'' if count == 1 else 's'} waiting for approval:"]
    for r in found.requests:
        lines.append(
            f"  {r.request_id}  booking {r.confirmation_number:<8}  flight {r.flight:<10}  "
            f"{r.current_seat} -> {r.seat} ({r.seat_class})  waiting {age(now - r.requested_at)}"
        )
    return "\n".join(lines)


def decided(status: ApprovalStatus) -> str:
    """What a decision did: `approved APR-...: booking X moves to 2A ...`."""
    r = status.request
    what = f"{r.request_id}: booking {r.confirmation_number}, seat {r.current_seat} -> {r.seat}"
    if status.state == "rejected":
        return f"rejected {what} ({status.reason}); the customer will be told"
    if status.state == "approved":
        return f"approved {what} on flight {r.flight}; the customer will be told"
    return f"{status.state} {what}"
