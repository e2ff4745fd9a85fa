"""`SeatApproval`: a supervisor's decision on one premium or exit-row seat, keyed by request id.

`run` puts the request on the `ApprovalDesk`, then waits for whichever comes first: the durable
promise "decision" (completed by `approve` / `reject`) or a durable timer. Both live in Restate,
so the wait survives a restart of every process. On approval it moves the booking, exactly once;
whatever the outcome, the customer gets a mail and a message in their conversation.
"""

from datetime import timedelta

import restate
from restate import TerminalError, WorkflowContext, WorkflowSharedContext

from airline_contracts.errors import CONFLICT, stored
from airline_contracts.invoicing import Mail, deliver
from airline_contracts.seating import (
    ApprovalRequest,
    ApprovalStatus,
    ApprovedChange,
    apply_approved,
)
from airline_contracts.sessions import Notice, notify
from durable_agents.humans import Ask, settle_waiting, waiting_main
from telemetry import require_supervisor

from . import config
from .desk import DESK, supervisor_desk
from .models import Decision, Rejection

DECISION = Ask(
    "decision", Decision, expired=Decision(verdict="expired"), timer="wait for a supervisor"
)

seat_approval = restate.Workflow("SeatApproval")

# Restate's logger drops lines while a handler replays its journal: each event is logged once.
logger = restate.getLogger(__name__)


# Decided requests stay readable (status, a late approve's 412) for a week.
@waiting_main(seat_approval)
async def run(ctx: WorkflowContext, request: ApprovalRequest) -> ApprovalStatus:
    """Wait for a supervisor (or the timeout), then carry out and announce the decision."""
    status = ApprovalStatus(request=request, state="pending")
    ctx.set("status", status)
    # The wait below suspends the workflow (and a restart replays it): logged once all the same.
    logger.info(
        "approval %s: booking %s asks for %s seat %s; waiting for a supervisor",
        request.request_id,
        request.confirmation_number,
        request.seat_class,
        request.seat,
    )
    # Nobody decided in time: the request expires, and a late `approve` finds it decided.
    wait = timedelta(seconds=request.timeout_s)
    decision = await supervisor_desk.wait(ctx, DESK, request, DECISION, wait)
    status = status.model_copy(update={"state": decision.verdict, "reason": decision.reason})
    ctx.set("status", status)
    failure = None
    if decision.verdict == "approved":
        try:
            # Through the contract's stub: booking.py starts this workflow, so this module
            # does not import it back.
            await ctx.object_call(
                apply_approved,
                key=request.confirmation_number,
                arg=ApprovedChange(request_id=request.request_id, seat=request.seat),
            )
        except TerminalError as error:
            failure = error.message  # e.g. someone took the seat while the request waited
    text = outcome_text(request, decision, failure)
    logger.info(
        "approval %s: %s%s",
        request.request_id,
        decision.verdict,
        f", but the seat could not be assigned: {failure}" if failure else "",
    )
    _announce(ctx, request, decision, text)
    status = status.model_copy(
        update={"seat_changed": decision.verdict == "approved" and failure is None, "outcome": text}
    )
    ctx.set("status", status)
    return status


def _announce(ctx: WorkflowContext, request: ApprovalRequest, decision: Decision, text: str):
    """Mail the passenger and tell their conversation, through the other services' contracts."""
    subject = {
        "approved": "approved",
        "rejected": "not approved",
        "expired": "expired",
    }[decision.verdict]
    mail = Mail(
        mail_id=f"{request.request_id}-{decision.verdict}",
        to=request.email,
        subject=f"Your request {request.request_id} for seat {request.seat}: {subject}",
        body=f"Dear {request.passenger_name},\n\n{text}\n\nThank you for flying with us.",
    )
    ctx.object_send(deliver, key=request.email, arg=mail)
    if request.session_id:
        ctx.object_send(notify, key=request.session_id, arg=Notice(text=text, source="approvals"))


def outcome_text(request: ApprovalRequest, decision: Decision, failure: str | None) -> str:
    """What the customer reads about the decision."""
    what = f"request {request.request_id} for seat {request.seat} on flight {request.flight}"
    if decision.verdict == "approved" and failure is None:
        return (
            f"Good news: your {what} was approved. Booking {request.confirmation_number} now has "
            f"seat {request.seat} (it had {request.current_seat})."
        )
    if decision.verdict == "approved":
        return f"Your {what} was approved, but the seat could not be assigned: {failure}"
    if decision.verdict == "rejected":
        return f"Sorry, your {what} was not approved: {decision.reason}. Your seat was not changed."
    return (
        f"Your {what} expired: no supervisor decided it within {_duration(request.timeout_s)}. "
        "Your seat was not changed; ask again if you still want it."
    )


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:g} hours"
    if seconds >= 60:
        return f"{seconds / 60:g} minutes"
    return f"{seconds:g} seconds"


async def _known(ctx: WorkflowSharedContext) -> ApprovalStatus:
    missing = f"No approval request {ctx.key()}; `client approvals` lists the pending ones."
    return await stored(ctx, "status", ApprovalStatus, missing)


async def _decide(ctx: WorkflowSharedContext, decision: Decision) -> ApprovalStatus:
    # Only a supervisor decides: 401 without the credential, 403 with a wrong one.
    require_supervisor(ctx, config.SUPERVISOR_TOKEN, "decide seat requests")
    status = await _known(ctx)
    already = await settle_waiting(
        ctx, DECISION, decision, state=status.state, waiting="pending", closed="decided"
    )
    if already is None:
        return status.model_copy(update={"state": decision.verdict, "reason": decision.reason})
    raise TerminalError(
        f"Approval request {ctx.key()} was already {already}; nothing was changed.",
        status_code=CONFLICT,
    )


@seat_approval.handler()
async def approve(ctx: WorkflowSharedContext) -> ApprovalStatus:
    """Approve the request: the booking moves to the seat (once), the customer is told."""
    return await _decide(ctx, Decision(verdict="approved"))


@seat_approval.handler()
async def reject(ctx: WorkflowSharedContext, rejection: Rejection) -> ApprovalStatus:
    """Reject the request with a reason the customer will read; the seat stays as it is."""
    return await _decide(ctx, Decision(verdict="rejected", reason=rejection.reason))


# Private: the agent's tool asks it through Restate; supervisors read `ApprovalDesk/pending`.
@seat_approval.handler(ingress_private=True)
async def status(ctx: WorkflowSharedContext) -> ApprovalStatus:
    """Where the request stands: pending, approved, rejected or expired."""
    return await _known(ctx)
