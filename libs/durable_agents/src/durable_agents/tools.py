"""How tools join the batch of their model response: `together`, `durable_tool`, `parallel_tools`.

A tool makes exactly one durable operation and hands its future to `together()`; the batch
(batch.py) starts the operations in the model's order and awaits them all at once. A tool that
does not call `together()` (a pure tool, or one that awaits Restate itself) keeps the turn until
it returns, exactly as with restate.ext.openai's Turnstile, so it never polls Restate alongside
the batch's collector. A tool that raises before starting its operation stops the later ones
from starting; the SDK then cancels the siblings and the run fails (and is retried) as a whole.
"""

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from agents import Agent, FunctionTool, Handoff, Model, RunContextWrapper, function_tool
from agents.tool import default_tool_error_function
from agents.tool_context import ToolContext
from restate import TerminalError

from .turn import DurableTurn

T = TypeVar("T")


def _turn_of(context: RunContextWrapper[Any]) -> DurableTurn | None:
    """The durable run a tool call belongs to: the run's model provider (JournaledModels) has it."""
    run_config = getattr(context, "run_config", None)
    turn = getattr(getattr(run_config, "model_provider", None), "turn", None)
    return turn if isinstance(turn, DurableTurn) else None


async def together(context: RunContextWrapper[Any], future: Awaitable[T]) -> T:
    """Await a tool's one durable operation together with the other tools of its response.

    `context` is the tool's own context (its first parameter). Call this right after starting
    the operation, before awaiting anything else. Outside a durable run it simply awaits.
    """
    turn = _turn_of(context)
    call_id = getattr(context, "tool_call_id", None)
    if turn is None or call_id is None or call_id not in turn.batch:
        return await future
    batch = turn.batch
    waiter = batch.started(call_id, future)
    try:
        return await waiter
    except asyncio.CancelledError:
        batch.abandon()
        raise


def _in_batch(tool: FunctionTool) -> FunctionTool:
    invoke = tool.on_invoke_tool

    async def on_invoke_tool(tool_context: ToolContext[Any], tool_input: str) -> Any:
        turn = _turn_of(tool_context)
        call_id = tool_context.tool_call_id
        if turn is None:
            return await invoke(tool_context, tool_input)
        turn.tool_started(call_id, tool.name, tool_input)
        if call_id not in turn.batch:
            result = await invoke(tool_context, tool_input)
            turn.tool_returned(call_id, result)
            return result
        batch = turn.batch
        await batch.turn(call_id)
        try:
            result = await invoke(tool_context, tool_input)
        except BaseException:
            batch.failed(call_id)
            raise
        # Recorded before the batch hears of it: a cancelled run still knows this call's result.
        turn.tool_returned(call_id, result)
        batch.finished(call_id)
        return result

    return dataclasses.replace(tool, on_invoke_tool=on_invoke_tool)


def _keep_terminal_errors(context: RunContextWrapper[Any], error: Exception) -> str:
    """A TerminalError (a cancellation among them) ends the run; other errors go to the model."""
    if isinstance(error, TerminalError):
        raise error
    return default_tool_error_function(context, error)


def durable_tool(func: Callable[..., Any] | None = None, **options: Any) -> Any:
    """`agents.function_tool` for durable runs: a TerminalError raised by the tool ends the run.

    Any other error is told to the model as the tool's result, as the SDK does by default.
    """
    options.setdefault("failure_error_function", _keep_terminal_errors)
    if func is None:
        return lambda f: function_tool(f, **options)
    return function_tool(func, **options)


def _graph(start: Agent[Any]) -> list[Agent[Any]]:
    """Every agent reachable from `start` through handoffs to agents."""
    seen: dict[int, Agent[Any]] = {}
    pending = [start]
    while pending:
        agent = pending.pop()
        if id(agent) in seen:
            continue
        if isinstance(agent.model, Model):
            raise TypeError(
                f"agent {agent.name!r} has a Model object: its calls would bypass the journal. "
                "Give the model by name and pass the provider to durable_agents.run()."
            )
        seen[id(agent)] = agent
        pending.extend(target for target in agent.handoffs if isinstance(target, Agent))
    return list(seen.values())


def parallel_tools(start: Agent[Any]) -> Agent[Any]:
    """A copy of the agent graph from `start` whose function tools run in ToolBatches.

    Handoff cycles (triage <-> specialists) stay cycles: every agent is cloned once, then the
    clones' handoffs point at each other. Handoff objects (not agents) are kept as they are.
    """
    agents = _graph(start)
    clones = {
        id(agent): agent.clone(
            tools=[_in_batch(t) if isinstance(t, FunctionTool) else t for t in agent.tools]
        )
        for agent in agents
    }
    for agent in agents:
        targets: list[Agent[Any] | Handoff[Any, Any]] = [
            clones[id(target)] if isinstance(target, Agent) else target for target in agent.handoffs
        ]
        clones[id(agent)].handoffs = targets
    return clones[id(start)]
