"""A model whose calls are timed, counted and traced where they really run.

It sits inside the journaled `call LLM` step (durable.py), so a call answered from the journal
on replay is neither counted nor traced a second time.
"""

import time
from collections.abc import AsyncIterator
from typing import Any

from agents import Model, ModelResponse
from agents.items import TResponseStreamEvent
from opentelemetry.trace import Status, StatusCode

from telemetry import ERRORS, LLM_CALL_DURATION, LLM_TOKENS, start_span


class MeasuredModel(Model):
    """Delegates to `inner`; records latency, tokens and a span per call."""

    def __init__(self, inner: Model, name: str) -> None:
        self.inner = inner
        self.name = name

    async def get_response(self, *args: Any, **kwargs: Any) -> ModelResponse:
        span = start_span(
            f"llm {self.name}",
            {"gen_ai.request.model": self.name, "gen_ai.operation.name": "chat"},
        )
        started = time.monotonic()
        try:
            response = await self.inner.get_response(*args, **kwargs)
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

    def stream_response(self, *args: Any, **kwargs: Any) -> AsyncIterator[TResponseStreamEvent]:
        # Not used: the durable runner does not stream.
        return self.inner.stream_response(*args, **kwargs)
