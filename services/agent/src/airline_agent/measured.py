"""Model calls and tool calls timed, counted and traced where they really run.

The airline's models are wrapped in MeasuredModel before the runtime journals them, so it runs
inside the journaled `call LLM` step: a call answered from the journal on replay is neither
counted nor traced a second time. Tool calls are counted right after their last journal entry,
in the attempt that really ran them.
"""

import dataclasses
import time
from typing import Any

from agents import FunctionTool, Model, ModelResponse
from agents.tool_context import ToolContext
from opentelemetry.trace import Status, StatusCode

from durable_agents import WrapperModel
from telemetry import ERRORS, LLM_CALL_DURATION, LLM_TOKENS, TOOL_CALLS, once, start_span


def counted(tool: FunctionTool) -> FunctionTool:
    """The tool, its calls counted by outcome (airline_tool_calls_total), once each."""
    invoke = tool.on_invoke_tool

    async def on_invoke_tool(tool_context: ToolContext[Any], tool_input: str) -> Any:
        try:
            result = await invoke(tool_context, tool_input)
        except BaseException:
            once(TOOL_CALLS.labels(tool=tool.name, outcome="error").inc)
            raise
        once(TOOL_CALLS.labels(tool=tool.name, outcome="ok").inc)
        return result

    return dataclasses.replace(tool, on_invoke_tool=on_invoke_tool)


class MeasuredModel(WrapperModel):
    """Records latency, tokens and a span per call of the wrapped model."""

    def __init__(self, wrapped: Model, name: str) -> None:
        super().__init__(wrapped)
        self.name = name

    async def get_response(self, *args: Any, **kwargs: Any) -> ModelResponse:
        """The wrapped model's response, measured."""
        span = start_span(
            f"llm {self.name}",
            {"gen_ai.request.model": self.name, "gen_ai.operation.name": "chat"},
        )
        started = time.monotonic()
        try:
            response = await self.wrapped.get_response(*args, **kwargs)
        except Exception as error:
            # Counted and re-raised: the journaled step retries or gives up on its own terms.
            ERRORS.labels(service="agent", kind="llm_call").inc()
            span.record_exception(error)
            span.set_status(Status(StatusCode.ERROR, type(error).__name__))
            span.end()
            raise
        LLM_CALL_DURATION.labels(model=self.name).observe(time.monotonic() - started)
        usage = response.usage
        LLM_TOKENS.labels(model=self.name, kind="input").inc(usage.input_tokens)
        LLM_TOKENS.labels(model=self.name, kind="output").inc(usage.output_tokens)
        span.set_attribute("gen_ai.usage.input_tokens", usage.input_tokens)
        span.set_attribute("gen_ai.usage.output_tokens", usage.output_tokens)
        span.end()
        return response
