"""Seat requests waiting for a supervisor: what the ingress returns, and how it is shown."""

from dataclasses import dataclass, field
from typing import Any

from .errors import BadResponse
from .models import Json, _list, _object, _opt_str, _str

DESK_KEY = "supervisors"  # the one ApprovalDesk object seating keeps


def _float(data: Json, key: str, what: str) -> float:
    value = data.get(key)
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise BadResponse(f"unexpected {what} from the ingress: no number {key!r}")
    return float(value)


@dataclass(frozen=True)
class ApprovalRequest:
    """One booking asking to move into a premium or exit-row seat."""

    request_id: str
    confirmation_number: str
    flight: str
    current_seat: str
    seat: str
    seat_class: str
    requested_at: float

    @classmethod
    def from_json(cls, data: Any) -> "ApprovalRequest":
        """Read a request (an element of `requests`, or a status's `request`)."""
        what = "approval request"
        body = _object(data, what)
        return cls(
            request_id=_str(body, "request_id", what),
            confirmation_number=_str(body, "confirmation_number", what),
            flight=_str(body, "flight", what),
            current_seat=_str(body, "current_seat", what),
            seat=_str(body, "seat", what),
            seat_class=_str(body, "seat_class", what),
            requested_at=_float(body, "requested_at", what),
        )


@dataclass(frozen=True)
class PendingApprovals:
    """The requests on the supervisors' desk, oldest first."""

    requests: list[ApprovalRequest]
    raw: Json = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Any) -> "PendingApprovals":
        """Read an `ApprovalDesk/pending` response body."""
        body = _object(data, "pending approvals")
        requests = [ApprovalRequest.from_json(r) for r in _list(body, "requests", "approvals")]
        return cls(requests=requests, raw=body)


@dataclass(frozen=True)
class ApprovalStatus:
    """Where one request stands after a decision (or still pending)."""

    request: ApprovalRequest
    state: str
    reason: str | None
    raw: Json = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Any) -> "ApprovalStatus":
        """Read a `SeatApproval/approve|reject|status` response body."""
        what = "approval status"
        body = _object(data, what)
        return cls(
            request=ApprovalRequest.from_json(body.get("request")),
            state=_str(body, "state", what),
            reason=_opt_str(body, "reason", what),
            raw=body,
        )


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
