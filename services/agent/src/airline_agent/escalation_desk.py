"""`EscalationDesk`: the list supervisors answer from, the escalations still waiting for a person.

One object (key `DESK`) holds them all: the `Escalation` workflow adds one when it starts
waiting and removes it once answered or expired; `pending` reads the list while they come and go
(supervisors only). Built by `durable_agents.humans.desk`, as seating's `ApprovalDesk` is.
"""

from restate import ObjectSharedContext

from durable_agents.humans import desk
from telemetry import require_supervisor

from . import config
from .models import OpenEscalations

DESK = "supervisors"


def _supervisor(ctx: ObjectSharedContext) -> None:
    require_supervisor(ctx, config.SUPERVISOR_TOKEN, "read the escalations")


supervisor_desk = desk(
    "EscalationDesk", OpenEscalations, key="escalation_id", state="open", authorise=_supervisor
)
escalation_desk, pending = supervisor_desk.service, supervisor_desk.pending
