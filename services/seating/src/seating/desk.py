"""`ApprovalDesk`: the list supervisors work from, the requests still waiting for a decision.

One object (key `DESK`) holds them all: `SeatApproval` adds a request when it starts waiting and
removes it once decided; `pending` reads the list while requests come and go.
"""

import restate
from restate import ObjectContext, ObjectSharedContext

from airline_contracts.seating import ApprovalRequest
from telemetry import require_supervisor

from . import config
from .models import PendingApprovals

DESK = "supervisors"

approval_desk = restate.VirtualObject("ApprovalDesk")


async def _pending(ctx: ObjectContext | ObjectSharedContext) -> PendingApprovals:
    return await ctx.get("pending", type_hint=PendingApprovals) or PendingApprovals(requests=[])


@approval_desk.handler(ingress_private=True)
async def add(ctx: ObjectContext, request: ApprovalRequest) -> None:
    """Put a request on the desk; adding it again keeps one copy."""
    desk = await _pending(ctx)
    if all(r.request_id != request.request_id for r in desk.requests):
        desk.requests.append(request)
        ctx.set("pending", desk)


@approval_desk.handler(ingress_private=True)
async def remove(ctx: ObjectContext, request_id: str) -> None:
    """Take a decided request off the desk."""
    desk = await _pending(ctx)
    left = [r for r in desk.requests if r.request_id != request_id]
    if len(left) != len(desk.requests):
        ctx.set("pending", PendingApprovals(requests=left))


@approval_desk.handler(kind="shared")
async def pending(ctx: ObjectSharedContext) -> PendingApprovals:
    """The requests waiting for a supervisor, oldest first (supervisors only)."""
    headers = {name.lower(): value for name, value in ctx.request().headers.items()}
    require_supervisor(headers, config.SUPERVISOR_TOKEN, "read the approval requests")
    return await _pending(ctx)
