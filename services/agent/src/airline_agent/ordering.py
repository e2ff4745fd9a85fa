"""Tool calls of one model response: started in the model's order, then run concurrently.

The Agents SDK runs each function call of a response in an asyncio task of its own, in no
guaranteed order. Restate's journal needs the same order on every replay, and restate-sdk 1.3
cannot have several tasks await durable futures at once: they all read the one queue of
messages from restate-server, so a completion taken by one task is never seen by the task that
waits for it. `restate.ext.openai` avoids both by running tool bodies one after another (its
Turnstile): deterministic, not concurrent.

Here each tool makes exactly one durable operation (tools.py) and hands its future to
`together()`. A `ToolBatch` per model response lets the tools start in the model's order, each
as soon as the one before it has started its operation (a deterministic journal); once all
have, one collector task awaits every future with `restate.gather` (the only task polling
Restate) and hands the results back in the model's order, so post-processing (which updates the
session's context) is deterministic too. Two one-second tools take one second.

A tool that does not call `together()` (a pure tool, or one that awaits Restate itself) keeps
the turn until it returns, exactly as with the Turnstile, so it never polls Restate alongside
the collector. A tool that raises before starting its operation stops the later ones from
starting; the SDK then cancels the siblings and the turn fails (and is retried) as a whole.

The agent graph is wrapped once at start-up: the ext's `wrap_agent_tools` recurses forever on
handoff cycles (triage <-> specialists).
"""

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from typing import Any, TypeVar

import restate
from agents import Agent, FunctionTool, Handoff, Model, ModelResponse
from agents.tool_context import ToolContext
from openai.types.responses import ResponseFunctionToolCall
from restate import RestateDurableFuture, RunOptions, TerminalError
from restate.extensions import current_context

from telemetry import TOOL_CALLS, replaying

from .journal import JournaledResponse

T = TypeVar("T")
Agents = TypeVar("Agents", bound=dict[Any, Agent[Any]])
# Awaits every given future until all are complete (restate.gather; a fake in unit tests).
Gather = Callable[..., Awaitable[Any]]


class ToolBatch:
    """The function calls of one model response: started in order, awaited together."""

    def __init__(self, call_ids: Sequence[str], gather: Gather = restate.gather) -> None:
        self.order = list(dict.fromkeys(call_ids))
        self._gather = gather
        self._turns = {call_id: asyncio.Event() for call_id in self.order}
        if self.order:
            self._turns[self.order[0]].set()
        self._settled: set[str] = set()
        self._started: dict[str, tuple[Awaitable[Any], asyncio.Future[Any]]] = {}
        self._failed = False
        self._collector: asyncio.Task[None] | None = None

    async def turn(self, call_id: str) -> None:
        """Wait until every call before `call_id` has started its operation (or finished)."""
        event = self._turns.get(call_id)
        if event is None:
            raise RuntimeError(f"tool call {call_id} is not a function call of this response")
        # After a failure the later calls wait here until the SDK cancels them.
        await event.wait()

    def started(self, call_id: str, future: Awaitable[T]) -> "asyncio.Future[T]":
        """Record the call's one durable operation; its result arrives on the returned future."""
        if call_id in self._started:
            raise RuntimeError(
                "a durable tool makes exactly one durable operation; move the rest downstream"
            )
        waiter: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._started[call_id] = (future, waiter)
        self._settle(call_id)
        return waiter

    def finished(self, call_id: str) -> None:
        """The call returned (a tool without a durable operation lets the next one go now)."""
        self._settle(call_id)

    def failed(self, call_id: str) -> None:
        """The call raised: no later call may start, no result is collected."""
        self._failed = True
        self._settled.add(call_id)

    def abandon(self) -> None:
        """A waiting tool was cancelled (the SDK tears the batch down): stop polling Restate."""
        if self._collector is not None and not self._collector.done():
            self._collector.cancel()

    def _settle(self, call_id: str) -> None:
        if call_id in self._settled:
            return
        self._settled.add(call_id)
        position = self.order.index(call_id)
        if position + 1 < len(self.order):
            self._turns[self.order[position + 1]].set()
        if len(self._settled) == len(self.order) and self._started and not self._failed:
            self._collector = asyncio.create_task(self._collect())

    async def _collect(self) -> None:
        started = [self._started[c] for c in self.order if c in self._started]
        try:
            await self._gather(*(future for future, _ in started))
            # In the model's order, so the tools post-process in the model's order.
            for future, waiter in started:
                try:
                    value = await future
                except TerminalError as error:  # this call's own failure: only its tool's
                    _settle_waiter(waiter, error=error)
                else:
                    _settle_waiter(waiter, value=value)
        except asyncio.CancelledError:
            for _, waiter in started:
                waiter.cancel()
            raise
        except BaseException as error:
            # Suspension, a lost connection, an SDK error: every waiting tool re-raises it, as
            # it would have had it awaited its future itself.
            for _, waiter in started:
                _settle_waiter(waiter, error=error)


def _settle_waiter(
    waiter: "asyncio.Future[Any]", value: Any = None, error: BaseException | None = None
) -> None:
    if waiter.done():
        return
    if error is None:
        waiter.set_result(value)
    else:
        waiter.set_exception(error)


class TurnTools:
    """The tool batch of the latest model response of a turn."""

    def __init__(self) -> None:
        self.batch = ToolBatch([])


current_turn: ContextVar[TurnTools] = ContextVar("airline_turn_tools")
# (batch, call id) of the tool running in this task.
_slot: ContextVar[tuple[ToolBatch, str] | None] = ContextVar("airline_tool_slot", default=None)


async def together(future: RestateDurableFuture[T]) -> T:
    """Await a tool's one durable operation together with the other tools of its response.

    Call it right after starting the operation, before awaiting anything else. Outside a
    batch (a tool called directly) it simply awaits the future.
    """
    slot = _slot.get()
    if slot is None:
        return await future
    batch, call_id = slot
    waiter = batch.started(call_id, future)
    try:
        return await waiter
    except asyncio.CancelledError:
        batch.abandon()
        raise


class BatchingModel(Model):
    """Journals each model call (`call LLM`) and opens a ToolBatch for its function calls."""

    def __init__(self, model: Model, turn: TurnTools, options: RunOptions) -> None:
        self.model = model
        self.turn = turn
        self.options = options

    async def get_response(self, *args: Any, **kwargs: Any) -> ModelResponse:
        async def call_llm() -> JournaledResponse:
            return JournaledResponse.of(await self.model.get_response(*args, **kwargs))

        ctx = current_context()
        if ctx is None:
            raise RuntimeError("a model call outside a Restate handler cannot be journaled")
        journaled = await ctx.run_typed("call LLM", call_llm, self.options)
        response = journaled.to_response()
        tools = kwargs.get("tools", args[3] if len(args) > 3 else [])
        names = {tool.name for tool in tools if isinstance(tool, FunctionTool)}
        self.turn.batch = ToolBatch(
            [
                item.call_id
                for item in response.output
                if isinstance(item, ResponseFunctionToolCall) and item.name in names
            ]
        )
        return response

    def stream_response(self, *args: Any, **kwargs: Any) -> Any:
        raise TerminalError("streaming is not supported by the durable runner; use get_response")


def _in_batch(tool: FunctionTool) -> FunctionTool:
    invoke = tool.on_invoke_tool

    async def on_invoke_tool(tool_context: ToolContext[Any], tool_input: str) -> Any:
        batch = current_turn.get().batch
        call_id = tool_context.tool_call_id
        await batch.turn(call_id)
        token = _slot.set((batch, call_id))
        try:
            result = await invoke(tool_context, tool_input)
        except BaseException:
            batch.failed(call_id)
            if not replaying():
                TOOL_CALLS.labels(tool=tool.name, outcome="error").inc()
            raise
        finally:
            _slot.reset(token)
        batch.finished(call_id)
        # Checked after the tool's last journal entry: a replayed call is not counted again.
        if not replaying():
            TOOL_CALLS.labels(tool=tool.name, outcome="ok").inc()
        return result

    return dataclasses.replace(tool, on_invoke_tool=on_invoke_tool)


def order_tool_calls(agents: Agents) -> Agents:
    """Copies of `agents` (and their handoffs to each other) whose tools run in ToolBatches."""
    clones = {
        id(agent): agent.clone(
            tools=[_in_batch(t) if isinstance(t, FunctionTool) else t for t in agent.tools]
        )
        for agent in agents.values()
    }
    for agent in agents.values():
        targets: list[Agent[Any] | Handoff[Any, Any]] = []
        for target in agent.handoffs:
            if isinstance(target, Agent) and id(target) not in clones:
                raise ValueError(f"handoff to {target.name}, which is not in the agent graph")
            targets.append(clones[id(target)] if isinstance(target, Agent) else target)
        clones[id(agent)].handoffs = targets
    return {name: clones[id(agent)] for name, agent in agents.items()}  # type: ignore[return-value]
