"""The airline's models and one durable turn, run by the `durable_agents` runtime.

"offline" (or no API key) is the built-in rule-based model; any other name goes to the Agents
SDK's providers through an openai client that never retries by itself: the journaled step owns
the retries (durable_agents.retries).
"""

from datetime import timedelta

from agents import (
    Agent,
    Model,
    ModelProvider,
    ModelRefusalError,
    RunConfig,
    RunErrorHandlerInput,
    RunErrorHandlerResult,
    RunResult,
    TResponseInputItem,
)
from agents.models.multi_provider import MultiProvider
from restate import RunOptions

import durable_agents
from durable_agents import ChunkedSession, openai_client
from telemetry import tracing_enabled

from . import config
from .measured import MeasuredModel
from .models import AirlineContext
from .offline import OfflineModel


class AirlineModels(ModelProvider):
    """The offline model by name ("offline", or no name and no key); else the SDK's."""

    def __init__(self) -> None:
        self._offline = OfflineModel(latency_s=config.OFFLINE_MODEL_LATENCY_S)
        self._sdk: MultiProvider | None = None

    def get_model(self, model_name: str | None) -> Model:
        """The named model, timed and counted where its calls really run."""
        name = model_name or config.AGENT_MODEL
        if model_name == "offline" or (not model_name and not config.OPENAI_API_KEY):
            return MeasuredModel(self._offline, name)
        if self._sdk is None:
            client = openai_client(
                api_key=config.OPENAI_API_KEY,
                base_url=config.OPENAI_BASE_URL,
                timeout=config.OPENAI_TIMEOUT_S,
            )
            self._sdk = MultiProvider(
                openai_client=client, openai_use_responses=config.OPENAI_API == "responses"
            )
        return MeasuredModel(self._sdk.get_model(model_name), name)


LLM_RETRIES = RunOptions(
    max_attempts=config.LLM_MAX_ATTEMPTS,
    initial_retry_interval=timedelta(seconds=config.LLM_INITIAL_RETRY_S),
    max_retry_interval=timedelta(seconds=config.LLM_MAX_RETRY_S),
)
_MODELS = AirlineModels()


REFUSED = "Sorry, I can't help with that. Is there anything else I can do for you?"


def answer_refusal(data: RunErrorHandlerInput[AirlineContext]) -> RunErrorHandlerResult:
    """A model's refusal answers the customer in its own words; the turn ends normally.

    The refusal message is in the history already; no second message is added (the SDK's
    would carry a placeholder id).
    """
    refusal = data.error.refusal if isinstance(data.error, ModelRefusalError) else ""
    return RunErrorHandlerResult(final_output=refusal or REFUSED, include_in_history=False)


async def run_turn(
    agent: Agent[AirlineContext],
    message: str | list[TResponseInputItem],
    session: ChunkedSession,
    context: AirlineContext,
) -> RunResult:
    """One customer turn: the agent loop, with journaled model calls and durable tools."""
    run_config = RunConfig(
        # The SDK's spans go to OTEL only (spans.py), and only when an endpoint is set.
        tracing_disabled=not tracing_enabled(),
        trace_include_sensitive_data=False,
        workflow_name="airline customer service",
    )
    return await durable_agents.run(
        agent,
        message,
        model_provider=_MODELS,
        llm_retries=LLM_RETRIES,
        run_config=run_config,
        session=session,
        context=context,
        max_turns=config.MAX_AGENT_STEPS,
        error_handlers={"model_refusal": answer_refusal},
    )
