"""`AgentSession`: one customer conversation, keyed by session id.

Its memory is Restate state: "session" (active agent, what the agents learned, counters) and the
history in chunks (see memory.py). Shared handlers read it from outside while a turn runs.
"""

import time
from typing import Any

import restate
from agents import AgentsException, MaxTurnsExceeded
from restate import ObjectContext, ObjectSharedContext, TerminalError

from airline_contracts.sessions import Notice
from durable_agents import (
    CANCELLED,
    ChunkedSession,
    ModelUnavailable,
    TurnCancelled,
    read_items,
    turn_cancelled,
)
from telemetry import ERRORS, TURN_DURATION, TURNS, handler_span, once

from . import config
from .airline import build_agents, role_of
from .auth import authorize
from .cancellation import RUNNING_TURN, cancelled_turn_items, what_the_cancel_left
from .durable import run_turn
from .models import (
    AirlineContext,
    CancelReply,
    ChatReply,
    ChatRequest,
    History,
    HistoryEntry,
    SessionState,
)
from .validation import CheckedSerde, accept

# Restate's logger drops lines while the handler replays, so a replay logs nothing twice.
logger = restate.getLogger(__name__)

# Lazy state: a turn reads only the keys it needs ("session" and the chunks of its window)
# instead of having restate-server send every key of the conversation with each invocation.
agent_session = restate.VirtualObject("AgentSession", state_preload=False)
NOTICES_KEPT = 20
AGENTS = build_agents()


async def _state(ctx: ObjectContext | ObjectSharedContext) -> SessionState:
    return await ctx.get("session", type_hint=SessionState) or SessionState()


async def _answer(
    ctx: ObjectContext, message: str, state: SessionState, context: AirlineContext
) -> tuple[ChatReply, str | None]:
    """Run the turn and save the session; also says what kept the agents from finishing it.

    `context` is the turn's copy of what the agents know; the tools update it as they go.
    """
    memory = ChunkedSession(ctx, state.item_count, config.HISTORY_WINDOW)
    problem: str | None = None
    try:
        result = await run_turn(AGENTS[state.active_agent], message, memory, context)
        reply, agent = str(result.final_output), role_of(result.last_agent.name)
    except MaxTurnsExceeded:
        logger.warning(
            "turn of session %s exceeded %d agent steps", ctx.key(), config.MAX_AGENT_STEPS
        )
        reply, agent = "Sorry, I could not finish that request. Could you rephrase it?", "triage"
        problem = "max_steps"
    except ModelUnavailable as error:
        logger.warning("turn of session %s: the model is unavailable: %s", ctx.key(), error)
        reply, agent = _unavailable(memory, message), state.active_agent
        problem = "llm_unavailable"
    await memory.flush()
    state.turns += 1
    state.item_count = memory.count
    state.active_agent = agent
    state.context = context
    if context.confirmation_number and context.confirmation_number not in state.bookings:
        state.bookings.append(context.confirmation_number)
    ctx.set("session", state)
    return ChatReply(reply=reply, agent=agent, turn=state.turns), problem


UNAVAILABLE = (
    "Sorry, our assistant is unavailable right now; nothing was changed. "
    "Please try again in a few minutes."
)
UNAVAILABLE_MIDWAY = (
    "Sorry, our assistant became unavailable before it could finish. What was already done "
    "stays done (your conversation history lists it); please try again in a few minutes."
)


def _unavailable(memory: ChunkedSession, message: str) -> str:
    """The answer when the model failed for good; the message and it go into the history.

    The SDK may already have buffered the user's message and this turn's tool calls: they
    happened, so they stay; "nothing was changed" is said only if no tool ran.
    """
    pending = memory.unflushed
    if not any(item.get("role") == "user" for item in pending):
        pending.insert(0, {"role": "user", "content": message})
    tools = {
        i.get("call_id"): i.get("name", "") for i in pending if i.get("type") == "function_call"
    }
    ran = any(
        not str(tools.get(i.get("call_id"), "")).startswith("transfer_to_")
        for i in pending
        if i.get("type") == "function_call_output"
    )
    reply = UNAVAILABLE_MIDWAY if ran else UNAVAILABLE
    pending.append({"type": "message", "role": "assistant", "content": reply})
    return reply


async def _record_cancelled(
    ctx: ObjectContext, message: str, context: AirlineContext, cancelled: TurnCancelled | None
) -> str:
    """Keep the message, every tool call that completed before the cancel with its result, and
    a note saying what was and was not done; the model reads it all next turn. Returns the note.
    """
    state = await _state(ctx)
    memory = ChunkedSession(ctx, state.item_count, config.HISTORY_WINDOW)
    turn = state.turns + 1
    completed = cancelled.completed if cancelled else []
    unfinished = cancelled.unfinished if cancelled else []
    note = what_the_cancel_left(turn, completed, unfinished)
    await memory.add_items(cancelled_turn_items(message, completed, note))  # type: ignore[arg-type]
    await memory.flush()
    state.turns = turn
    state.item_count = memory.count
    state.context = context  # what the completed tools learned (a proven booking) stays known
    ctx.set("session", state)
    return note


@agent_session.handler(input_serde=CheckedSerde(ChatRequest))
async def chat(ctx: ObjectContext, request: ChatRequest) -> ChatReply:
    """Take one customer message and answer it; the conversation continues where it left off."""
    authorize(ctx)
    message = accept(request).message
    started = time.monotonic()
    # Lets the shared `cancel` handler find this turn while it runs.
    ctx.set(RUNNING_TURN, ctx.request().id)
    state = await _state(ctx)
    context = state.context.model_copy(deep=True)
    with handler_span("turn", **{"airline.session": ctx.key()}) as span:
        try:
            reply, problem = await _answer(ctx, message, state, context)
        except (TerminalError, AgentsException) as error:
            if not turn_cancelled(error) and not isinstance(error, TerminalError):
                raise  # a bug, not the turn's end: Restate retries the invocation
            ctx.clear(RUNNING_TURN)
            if turn_cancelled(error):
                found = error if isinstance(error, TurnCancelled) else None
                note = await _record_cancelled(ctx, message, context, found)
                once(TURNS.labels(agent="unknown", outcome="cancelled").inc)
                raise TerminalError(note, status_code=CANCELLED) from None
            # The turn failed for good (e.g. the model never answered): count it once.
            once(TURNS.labels(agent="unknown", outcome="error").inc)
            once(ERRORS.labels(service="agent", kind="turn_failed").inc)
            raise
        span.set_attribute("airline.agent", reply.agent)
        span.set_attribute("airline.turn", reply.turn)
    ctx.clear(RUNNING_TURN)
    # After the last journal entry of the turn: counted in the attempt that completed it.
    once(lambda: _count_turn(reply, problem, time.monotonic() - started))
    return reply


def _count_turn(reply: ChatReply, problem: str | None, seconds: float) -> None:
    TURNS.labels(agent=reply.agent, outcome="error" if problem else "ok").inc()
    TURN_DURATION.observe(seconds)
    if problem:
        ERRORS.labels(service="agent", kind=problem).inc()


@agent_session.handler(ingress_private=True)
async def notify(ctx: ObjectContext, notice: Notice) -> None:
    """Tell the customer something outside a turn: appended to the history the model sees."""
    state = await _state(ctx)
    memory = ChunkedSession(ctx, state.item_count, config.HISTORY_WINDOW)
    # The plain input-message form: valid model input for any provider (no made-up item ids).
    await memory.add_items([{"type": "message", "role": "assistant", "content": notice.text}])
    await memory.flush()
    state.item_count = memory.count
    state.notices = [*state.notices, notice][-NOTICES_KEPT:]
    ctx.set("session", state)


@agent_session.handler(kind="shared")
async def cancel(ctx: ObjectSharedContext) -> CancelReply:
    """Cancel the turn that is running in this session, with the calls it has in flight."""
    authorize(ctx)
    running = await ctx.get(RUNNING_TURN, type_hint=str)
    if not running:
        return CancelReply(
            cancelled=False,
            message=f"No turn is running in session {ctx.key()}; nothing to cancel.",
        )
    ctx.cancel_invocation(running)
    return CancelReply(
        cancelled=True,
        invocation_id=running,
        message=f"Cancelling the running turn of session {ctx.key()} ({running}).",
    )


@agent_session.handler(kind="shared")
async def status(ctx: ObjectSharedContext) -> SessionState:
    """The session's current state: active agent, bookings touched, what the agents know."""
    authorize(ctx)
    return await _state(ctx)


def _entry(item: dict[str, Any]) -> HistoryEntry:
    if item.get("role") == "user":
        content = item.get("content")
        return HistoryEntry(kind="user", text=content if isinstance(content, str) else str(content))
    kind = item.get("type")
    if kind == "message" and isinstance(item.get("content"), str):
        return HistoryEntry(kind="assistant", text=item["content"])  # a notice
    if kind == "message":
        parts = item.get("content") or []
        text = " ".join(p.get("text", "") for p in parts if isinstance(p, dict))
        return HistoryEntry(kind="assistant", text=text)
    if kind == "function_call":
        return HistoryEntry(kind="tool_call", name=item.get("name"), text=item.get("arguments", ""))
    if kind == "function_call_output":
        return HistoryEntry(kind="tool_result", text=str(item.get("output", "")))
    return HistoryEntry(kind="other", text=str(kind))


# Reads every key anyway: one preload beats a round trip per chunk.
@agent_session.handler(kind="shared", state_preload=True)
async def history(ctx: ObjectSharedContext) -> History:
    """The whole conversation, oldest first."""
    authorize(ctx)
    state = await _state(ctx)
    items = await read_items(ctx, state.item_count)
    return History(session_id=ctx.key(), entries=[_entry(i) for i in items], items=items)
