"""`run()`: `Runner.run` with every model call journaled and tool calls run in batches."""

import dataclasses
import inspect
from datetime import timedelta
from typing import Any

from agents import Agent, ModelProvider, RunConfig, Runner, RunResult, TResponseInputItem
from agents.run_config import CallModelData, ModelInputData
from restate import RunOptions

from .cancellation import TurnCancelled, turn_cancelled
from .models import JournaledModels
from .tools import parallel_tools
from .turn import DurableTurn

# Retries of one model call (the journaled step's) before the run gives up: ModelUnavailable.
DEFAULT_LLM_RETRIES = RunOptions(
    max_attempts=6,
    initial_retry_interval=timedelta(milliseconds=500),
    max_retry_interval=timedelta(seconds=10),
)


# Agent graphs made parallel once per starting agent (kept alive with their originals).
_PREPARED: dict[int, tuple[Agent[Any], Agent[Any]]] = {}


def _prepared(agent: Agent[Any]) -> Agent[Any]:
    found = _PREPARED.get(id(agent))
    if found is None or found[0] is not agent:
        found = (agent, parallel_tools(agent))
        _PREPARED[id(agent)] = found
    return found[1]


async def run(
    starting_agent: Agent[Any],
    input: str | list[TResponseInputItem],
    *,
    model_provider: ModelProvider | None = None,
    llm_retries: RunOptions = DEFAULT_LLM_RETRIES,
    run_config: RunConfig | None = None,
    **runner_options: Any,
) -> RunResult:
    """`Runner.run` inside a Restate handler, durable.

    Every model call is a journaled step `call LLM: <agent>` (retried by `llm_retries`; a replay
    reads the response back from the journal); the function calls of one response run
    concurrently with a deterministic journal (see `together`). `model_provider` is any Agents
    SDK provider (default: the run config's, itself by default the SDK's MultiProvider). Other
    options (session, context, hooks, max_turns) go to `Runner.run`.

    Cancelled by Restate, it raises `TurnCancelled` with the tool calls that completed before
    the cancel (and their results) and those cut short, so the handler can tell the truth.
    """
    config = run_config or RunConfig()
    turn = DurableTurn()
    inner = model_provider or config.model_provider
    chosen = config.call_model_input_filter

    async def note_agent(data: CallModelData[Any]) -> ModelInputData:
        turn.agent = data.agent.name
        if chosen is None:
            return data.model_data
        filtered = chosen(data)
        return await filtered if inspect.isawaitable(filtered) else filtered

    config = dataclasses.replace(
        config,
        model_provider=JournaledModels(inner, turn, llm_retries),
        call_model_input_filter=note_agent,
    )
    try:
        return await Runner.run(
            _prepared(starting_agent), input, run_config=config, **runner_options
        )
    except BaseException as error:
        if isinstance(error, TurnCancelled) or not turn_cancelled(error):
            raise
        raise TurnCancelled(turn.completed(), turn.unfinished()) from error
