"""Runs one agent turn with every model call journaled in Restate.

`restate.ext.openai.DurableRunner` hard-codes the SDK's MultiProvider, so the offline model could
not be journaled through it; this is the same wiring (its RestateModelWrapper and Turnstile)
with a model provider of our choosing. Tools are wrapped once, in ordering.py.
"""

from datetime import timedelta

from agents import Agent, Model, ModelProvider, RunConfig, Runner, RunResult, TResponseInputItem
from agents.models.multi_provider import MultiProvider
from restate import RunOptions
from restate.ext.openai.models import State
from restate.ext.openai.runner_wrapper import RestateModelWrapper

from telemetry import tracing_enabled

from . import config
from .measured import MeasuredModel
from .memory import ChunkedSession
from .models import AirlineContext
from .offline import OfflineModel
from .ordering import current_state


class AirlineModels(ModelProvider):
    """ "offline" is the built-in rule-based model; any other name goes to the SDK's providers."""

    def __init__(self) -> None:
        self._offline = OfflineModel(latency_s=config.OFFLINE_MODEL_LATENCY_S)
        self._sdk: MultiProvider | None = None

    def get_model(self, model_name: str | None) -> Model:
        if model_name == "offline" or (not model_name and not config.OPENAI_API_KEY):
            return self._offline
        if self._sdk is None:
            self._sdk = MultiProvider()
        return self._sdk.get_model(model_name)


class JournaledModels(ModelProvider):
    """Wraps each model so its call runs as `ctx.run_typed("call LLM", ...)`."""

    def __init__(self, inner: ModelProvider, state: State, options: RunOptions) -> None:
        self.inner = inner
        self.state = state
        self.options = options

    def get_model(self, model_name: str | None) -> Model:
        measured = MeasuredModel(self.inner.get_model(model_name), model_name or config.AGENT_MODEL)
        return RestateModelWrapper(measured, self.state, self.options)


LLM_RETRIES: RunOptions = RunOptions(
    max_attempts=config.LLM_MAX_ATTEMPTS,
    initial_retry_interval=timedelta(seconds=config.LLM_INITIAL_RETRY_S),
    max_retry_interval=timedelta(seconds=config.LLM_MAX_RETRY_S),
)

_MODELS = AirlineModels()


async def run_turn(
    agent: Agent[AirlineContext],
    message: str | list[TResponseInputItem],
    session: ChunkedSession,
    context: AirlineContext,
) -> RunResult:
    """One customer turn: the agent loop, with journaled model calls and durable tools."""
    state = State()
    current_state.set(state)
    run_config = RunConfig(
        model_provider=JournaledModels(_MODELS, state, LLM_RETRIES),
        # The SDK's spans go to OTEL only (spans.py), and only when an endpoint is set.
        tracing_disabled=not tracing_enabled(),
        trace_include_sensitive_data=False,
        workflow_name="airline customer service",
    )
    return await Runner.run(
        starting_agent=agent,
        input=message,
        session=session,
        context=context,
        run_config=run_config,
        max_turns=config.MAX_AGENT_STEPS,
    )
