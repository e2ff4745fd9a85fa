"""Escalations: a customer's request handed to a person, and the person's answer handed back.

`Escalations/open` (the agents' tool calls it) finds the customer's e-mail on a proven booking,
names the escalation (ESC-..., from `ctx.uuid()`) and starts its `Escalation` workflow. The
workflow puts it on the `EscalationDesk`, then waits for whichever comes first: the durable
promise "reply" (completed by a supervisor's `answer`) or a durable timer of
ESCALATION_TIMEOUT_S. Both live in Restate, so the wait survives a restart of every process.
Either way the customer is told once, in the conversation (`AgentSession/notify`) and by mail
when the address is known.
"""

from datetime import timedelta

import restate
from restate import Context, TerminalError, WorkflowContext, WorkflowSharedContext

from airline_contracts.errors import CONFLICT, stored
from airline_contracts.invoicing import Mail, deliver
from airline_contracts.seating import OwnerProof, verify_owner
from airline_contracts.sessions import Notice, notify
from durable_agents import is_cancellation
from durable_agents.humans import Ask, settle_waiting, waiting_main
from telemetry import require_supervisor

from . import config
from .checkin import in_words
from .escalation_desk import DESK, supervisor_desk
from .models import Escalation, EscalationRequest, EscalationStatus, Reply, StaffAnswer
from .validation import CheckedSerde, accept

ANSWER = Ask("reply", Reply, expired=Reply(verdict="expired"), timer="wait for a person")

escalations = restate.Service("Escalations")
escalation = restate.Workflow("Escalation")

# Restate's logger drops lines while a handler replays its journal: each event is logged once.
logger = restate.getLogger(__name__)


@escalations.handler(ingress_private=True)
async def open(ctx: Context, request: EscalationRequest) -> Escalation:
    """Open an escalation for the session and start waiting for a person; returns it."""
    email = passenger = None
    if request.confirmation_number and request.last_name:
        proof = OwnerProof(last_name=request.last_name)
        try:
            booking = await ctx.object_call(
                verify_owner, key=request.confirmation_number, arg=proof
            )
            email, passenger = str(booking.email), booking.passenger_name
        except TerminalError as error:
            if is_cancellation(error):
                raise
            # Unknown booking or wrong name: the answer goes to the conversation only.
    opened = Escalation(
        # ctx.uuid() is seeded by this invocation's id: a retry or replay makes the same id.
        escalation_id=f"ESC-{ctx.uuid().hex[:8].upper()}",
        session_id=request.session_id,
        topic=request.topic,
        summary=request.summary,
        confirmation_number=request.confirmation_number,
        email=email,
        passenger_name=passenger,
        opened_at=await ctx.time(),
        timeout_s=config.ESCALATION_TIMEOUT_S,
    )
    ctx.workflow_send(run, key=opened.escalation_id, arg=opened)
    return opened


# Closed escalations stay readable (status, a late answer's 412) for a week.
@waiting_main(escalation)
async def run(ctx: WorkflowContext, opened: Escalation) -> EscalationStatus:
    """Wait for a person's answer (or the timeout), then tell the customer, once."""
    status = EscalationStatus(escalation=opened, state="open")
    ctx.set("status", status)
    logger.info(
        "escalation %s (%s) of session %s: waiting for a person",
        opened.escalation_id,
        opened.topic,
        opened.session_id,
    )
    # Nobody answered in time: it expires, and a late `answer` finds the escalation closed.
    wait = timedelta(seconds=opened.timeout_s)
    reply = await supervisor_desk.wait(ctx, DESK, opened, ANSWER, wait)
    text = told(opened, reply)
    status = status.model_copy(update={"state": reply.verdict, "answer": reply.text, "told": text})
    ctx.set("status", status)
    _announce(ctx, opened, reply, text)
    logger.info("escalation %s: %s", opened.escalation_id, reply.verdict)
    return status


def told(opened: Escalation, reply: Reply) -> str:
    """What the customer reads when the escalation closes."""
    if reply.verdict == "answered":
        return f"Answer from our staff to your request {opened.escalation_id}: {reply.text}"
    return (
        f"Sorry: nobody from our staff has answered your request {opened.escalation_id} "
        f"{in_words(opened.timeout_s)}, and nothing was done about it. Ask again here and I will "
        "pass it on once more; seat changes, invoices and check-in reminders I can do myself."
    )


def _announce(ctx: WorkflowContext, opened: Escalation, reply: Reply, text: str) -> None:
    """Post it into the conversation and mail it, through the contracts (no import of session)."""
    ctx.object_send(notify, key=opened.session_id, arg=Notice(text=text, source="escalations"))
    if opened.email:
        subject = "our answer" if reply.verdict == "answered" else "no answer yet"
        mail = Mail(
            mail_id=f"{opened.escalation_id}-{reply.verdict}",
            to=opened.email,
            subject=f"Your request {opened.escalation_id}: {subject}",
            body=f"Dear {opened.passenger_name},\n\n{text}\n\nThank you for flying with us.",
        )
        ctx.object_send(deliver, key=opened.email, arg=mail)


async def _known(ctx: WorkflowSharedContext) -> EscalationStatus:
    missing = f"No escalation {ctx.key()}; `client escalations` lists the open ones."
    return await stored(ctx, "status", EscalationStatus, missing)


@escalation.handler(input_serde=CheckedSerde(StaffAnswer))
async def answer(ctx: WorkflowSharedContext, given: StaffAnswer) -> EscalationStatus:
    """Answer the customer (supervisors only): posted into their conversation and mailed."""
    require_supervisor(ctx, config.SUPERVISOR_TOKEN, "answer escalations")
    text = accept(given).text
    status = await _known(ctx)
    reply = Reply(verdict="answered", text=text)
    already = await settle_waiting(
        ctx, ANSWER, reply, state=status.state, waiting="open", closed="closed"
    )
    if already is None:
        return status.model_copy(update={"state": "answered", "answer": text})
    raise TerminalError(
        f"Escalation {ctx.key()} was already {already}; nothing was sent.", status_code=CONFLICT
    )


# Private: it names the session and the customer's words; supervisors read the desk.
@escalation.handler(ingress_private=True)
async def status(ctx: WorkflowSharedContext) -> EscalationStatus:
    """Where the escalation stands: open, answered or expired."""
    return await _known(ctx)
