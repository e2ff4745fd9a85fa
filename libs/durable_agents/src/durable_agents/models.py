"""Model calls journaled in Restate: one `call LLM: <agent>` step per call, for any provider."""

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from agents import Model, ModelProvider, ModelResponse, ModelSettings, ModelTracing, Tool
from agents.agent_output import AgentOutputSchemaBase
from agents.handoffs import Handoff
from agents.items import TResponseInputItem, TResponseStreamEvent
from restate import RunOptions, TerminalError
from restate.exceptions import RetryableError
from restate.extensions import current_context

from .cancellation import is_cancellation
from .journal import JournaledResponse
from .retries import classify
from .turn import DurableTurn


class WrapperModel(Model):
    """A Model that forwards everything to `wrapped`; subclasses override what they change."""

    def __init__(self, wrapped: Model) -> None:
        self.wrapped = wrapped

    async def get_response(self, *args: Any, **kwargs: Any) -> ModelResponse:
        """Forwarded."""
        return await self.wrapped.get_response(*args, **kwargs)

    def stream_response(self, *args: Any, **kwargs: Any) -> AsyncIterator[TResponseStreamEvent]:
        """Forwarded."""
        return self.wrapped.stream_response(*args, **kwargs)

    async def close(self) -> None:
        """Forwarded."""
        await self.wrapped.close()


class ModelUnavailable(TerminalError):
    """The model call failed for good (every retry, or an error no retry can fix)."""


class JournaledModel(WrapperModel):
    """Runs each call as a journaled step; the tool calls of its response form the next batch.

    A replay takes the response from the journal instead of asking the model again. The step
    owns the retries (`options`); openai errors are classified once per attempt (retries.py).
    """

    def __init__(self, wrapped: Model, turn: DurableTurn, options: RunOptions) -> None:
        super().__init__(wrapped)
        self.turn = turn
        self.options = options
        longest = options.max_retry_interval or timedelta(seconds=60)
        self._longest_delay = longest

    async def get_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None,
        conversation_id: str | None,
        prompt: Any | None,
    ) -> ModelResponse:
        """The model's response, from the model or, on replay, from the journal."""

        async def call_llm() -> JournaledResponse:
            try:
                response = await self.wrapped.get_response(
                    system_instructions,
                    input,
                    model_settings,
                    tools,
                    output_schema,
                    handoffs,
                    tracing,
                    previous_response_id=previous_response_id,
                    conversation_id=conversation_id,
                    prompt=prompt,
                )
            except (TerminalError, RetryableError):
                raise
            except Exception as error:
                raise classify(error, self._longest_delay) from error
            return JournaledResponse.of(response)

        ctx = current_context()
        if ctx is None:
            raise RuntimeError("a model call outside a Restate handler cannot be journaled")
        try:
            journaled = await ctx.run_typed(self.turn.step_name(), call_llm, self.options)
        except TerminalError as error:
            if is_cancellation(error):
                raise
            raise ModelUnavailable(error.message, status_code=503) from error
        response = journaled.to_response()
        self.turn.new_batch(response, tools)
        return response

    def stream_response(self, *args: Any, **kwargs: Any) -> AsyncIterator[TResponseStreamEvent]:
        """Streaming cannot be journaled step by step: refused."""
        raise TerminalError("streaming is not supported by durable runs; use Runner.run")


class JournaledModels(ModelProvider):
    """Any ModelProvider, its models' calls journaled for one turn."""

    def __init__(self, inner: ModelProvider, turn: DurableTurn, options: RunOptions) -> None:
        self.inner = inner
        self.turn = turn
        self.options = options

    def get_model(self, model_name: str | None) -> Model:
        """The inner provider's model, journaled."""
        return JournaledModel(self.inner.get_model(model_name), self.turn, self.options)

    async def aclose(self) -> None:
        """Forwarded."""
        await self.inner.aclose()
