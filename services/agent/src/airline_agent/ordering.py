"""Tool calls of one model response run in the order the model gave them.

Their journal entries must come in the same order on every replay. We do what
`restate.ext.openai` does (its Turnstile), but wrap the agent graph once at start-up:
its `wrap_agent_tools` recurses forever on handoff cycles (triage <-> specialists).
"""

import dataclasses
from contextvars import ContextVar
from typing import Any, TypeVar

from agents import Agent, FunctionTool, Handoff
from agents.tool_context import ToolContext
from restate.ext.openai.models import State

from telemetry import TOOL_CALLS, replaying

current_state: ContextVar[State] = ContextVar("airline_turn_state")
Agents = TypeVar("Agents", bound=dict[Any, Agent[Any]])


def _ordered(tool: FunctionTool) -> FunctionTool:
    invoke = tool.on_invoke_tool

    async def on_invoke_tool(tool_context: ToolContext[Any], tool_input: str) -> Any:
        turnstile = current_state.get().turnstile
        call_id = tool_context.tool_call_id
        await turnstile.wait_for(call_id)
        try:
            result = await invoke(tool_context, tool_input)
        except BaseException:
            # Later tools must not touch the context once this one failed.
            turnstile.cancel_all_after(call_id)
            if not replaying():
                TOOL_CALLS.labels(tool=tool.name, outcome="error").inc()
            raise
        turnstile.allow_next_after(call_id)
        # Checked after the tool's last journal entry: a replayed call is not counted again.
        if not replaying():
            TOOL_CALLS.labels(tool=tool.name, outcome="ok").inc()
        return result

    return dataclasses.replace(tool, on_invoke_tool=on_invoke_tool)


def order_tool_calls(agents: Agents) -> Agents:
    """Copies of `agents` (and their handoffs to each other) with ordered tool calls."""
    clones = {
        id(agent): agent.clone(
            tools=[_ordered(t) if isinstance(t, FunctionTool) else t for t in agent.tools]
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
