"""Runs one agent turn with every model call journaled in Restate.

`restate.ext.openai.DurableRunner` hard-codes the SDK's MultiProvider, so the offline model could
not be journaled through it; this is the same wiring (its RestateModelWrapper) with a model
provider of our choosing. Tools are wrapped once, in ordering.py, and the tool calls of each
model response run concurrently there.
"""

from datetime import timedelta
from typing import Any

from agents import (
    Agent,
    Model,
    ModelProvider,
    ModelResponse,
    RunConfig,
    Runner,
    RunResult,
    TResponseInputItem,
)
from agents.models.multi_provider import MultiProvider
from openai import APIStatusError, AsyncOpenAI, RateLimitError
from restate import RunOptions, TerminalError
from restate.exceptions import RetryableError

from telemetry import tracing_enabled

from . import config
from .cancellation import is_cancellation
from .measured import MeasuredModel
from .memory import ChunkedSession
from .models import AirlineContext
from .offline import OfflineModel
from .ordering import BatchingModel, TurnTools, current_turn


class AirlineModels(ModelProvider):
    """ "offline" is the built-in rule-based model; any other name goes to the SDK's providers."""

    def __init__(self) -> None:
        self._offline = OfflineModel(latency_s=config.OFFLINE_MODEL_LATENCY_S)
        self._sdk: MultiProvider | None = None

    def get_model(self, model_name: str | None) -> Model:
        if model_name == "offline" or (not model_name and not config.OPENAI_API_KEY):
            return self._offline
        if self._sdk is None:
            client = AsyncOpenAI(
                api_key=config.OPENAI_API_KEY,
                base_url=config.OPENAI_BASE_URL,
                timeout=config.OPENAI_TIMEOUT_S,
                max_retries=config.OPENAI_MAX_RETRIES,
            )
            self._sdk = MultiProvider(
                openai_client=client, openai_use_responses=config.OPENAI_API == "responses"
            )
        return OpenAIErrors(self._sdk.get_model(model_name))


class LLMUnavailable(TerminalError):
    """The model could not be reached after every retry: the turn ends with an apology."""


# Client errors a retry cannot fix (bad request, bad key, no access, unknown model).
_PERMANENT = {400, 401, 403, 404, 422}


class OpenAIErrors(Model):
    """Maps the openai client's errors onto Restate's retry semantics inside `call LLM`.

    A 429's retry-after becomes the delay of the next durable attempt; a client error that no
    retry can fix ends the step at once; everything else is retried with LLM_RETRIES' backoff.
    """

    def __init__(self, inner: Model) -> None:
        self.inner = inner

    async def get_response(self, *args: Any, **kwargs: Any) -> ModelResponse:
        try:
            return await self.inner.get_response(*args, **kwargs)
        except RateLimitError as error:
            raise RetryableError(
                f"the model is rate limited ({error.status_code})",
                retry_after=_retry_after(error),
            ) from error
        except APIStatusError as error:
            if error.status_code in _PERMANENT:
                raise TerminalError(
                    f"the model refused the request ({error.status_code})", status_code=502
                ) from error
            raise

    def stream_response(self, *args: Any, **kwargs: Any) -> Any:
        return self.inner.stream_response(*args, **kwargs)


def _retry_after(error: APIStatusError) -> timedelta | None:
    """The server's retry-after (seconds), bounded by LLM_MAX_RETRY_S; None if absent."""
    try:
        seconds = float(error.response.headers.get("retry-after", ""))
    except ValueError:
        return None
    return timedelta(seconds=min(max(seconds, 0.0), config.LLM_MAX_RETRY_S))


class JournaledModels(ModelProvider):
    """Wraps each model so its call runs as `ctx.run_typed("call LLM", ...)`."""

    def __init__(self, inner: ModelProvider, turn: TurnTools, options: RunOptions) -> None:
        self.inner = inner
        self.turn = turn
        self.options = options

    def get_model(self, model_name: str | None) -> Model:
        measured = MeasuredModel(self.inner.get_model(model_name), model_name or config.AGENT_MODEL)
        return GiveUpClearly(BatchingModel(measured, self.turn, self.options))


class GiveUpClearly(Model):
    """Turns the journaled step's final failure into LLMUnavailable, which session.py answers."""

    def __init__(self, inner: Model) -> None:
        self.inner = inner

    async def get_response(self, *args: Any, **kwargs: Any) -> ModelResponse:
        try:
            return await self.inner.get_response(*args, **kwargs)
        except TerminalError as error:
            if is_cancellation(error):  # not the model's fault: session.py handles it
                raise
            raise LLMUnavailable(error.message, status_code=503) from error

    def stream_response(self, *args: Any, **kwargs: Any) -> Any:
        return self.inner.stream_response(*args, **kwargs)


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
    turn = TurnTools()
    current_turn.set(turn)
    run_config = RunConfig(
        model_provider=JournaledModels(_MODELS, turn, LLM_RETRIES),
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
