"""`EscalationDesk`: the list supervisors answer from, the escalations still waiting for a person.

One object (key `DESK`) holds them all: the `Escalation` workflow adds one when it starts
waiting and removes it once answered or expired; `pending` reads the list while they come and go.
"""

import restate
from restate import ObjectContext, ObjectSharedContext

from telemetry import require_supervisor

from . import config
from .models import Escalation, OpenEscalations

DESK = "supervisors"

escalation_desk = restate.VirtualObject("EscalationDesk")


async def _open(ctx: ObjectContext | ObjectSharedContext) -> OpenEscalations:
    return await ctx.get("open", type_hint=OpenEscalations) or OpenEscalations(escalations=[])


@escalation_desk.handler(ingress_private=True)
async def add(ctx: ObjectContext, opened: Escalation) -> None:
    """Put an escalation on the desk; adding it again keeps one copy."""
    desk = await _open(ctx)
    if all(e.escalation_id != opened.escalation_id for e in desk.escalations):
        desk.escalations.append(opened)
        ctx.set("open", desk)


@escalation_desk.handler(ingress_private=True)
async def remove(ctx: ObjectContext, escalation_id: str) -> None:
    """Take a closed escalation off the desk."""
    desk = await _open(ctx)
    left = [e for e in desk.escalations if e.escalation_id != escalation_id]
    if len(left) != len(desk.escalations):
        ctx.set("open", OpenEscalations(escalations=left))


@escalation_desk.handler(kind="shared")
async def pending(ctx: ObjectSharedContext) -> OpenEscalations:
    """The escalations waiting for a person, oldest first (supervisors only)."""
    headers = {name.lower(): value for name, value in ctx.request().headers.items()}
    require_supervisor(headers, config.SUPERVISOR_TOKEN, "read the escalations")
    return await _open(ctx)
