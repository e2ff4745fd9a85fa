"""`ApprovalDesk`: the list supervisors work from, the requests still waiting for a decision.

One object (key `DESK`) holds them all: `SeatApproval` adds a request when it starts waiting and
removes it once decided; `pending` reads the list while requests come and go (supervisors only).
Built by `durable_agents.humans.desk`, as the agent's `EscalationDesk` is.
"""

from restate import ObjectSharedContext

from durable_agents.humans import desk
from telemetry import require_supervisor

from . import config
from .models import PendingApprovals

DESK = "supervisors"


def _supervisor(ctx: ObjectSharedContext) -> None:
    require_supervisor(ctx, config.SUPERVISOR_TOKEN, "read the approval requests")


supervisor_desk = desk(
    "ApprovalDesk", PendingApprovals, key="request_id", state="pending", authorise=_supervisor
)
approval_desk, pending = supervisor_desk.service, supervisor_desk.pending
