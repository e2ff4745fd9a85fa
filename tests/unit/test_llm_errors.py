"""How the agent meets a failing model: error mapping, the apology, secrets from `.env`."""

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest
from agents.models.openai_chatcompletions import OpenAIChatCompletionsModel
from openai import APIConnectionError, AuthenticationError, InternalServerError, RateLimitError
from restate import TerminalError
from restate.exceptions import RetryableError

from airline_agent import config, durable
from airline_agent.memory import ChunkedSession
from airline_agent.session import UNAVAILABLE, UNAVAILABLE_MIDWAY, _unavailable


class Failing:
    """A model whose every call raises `error`."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    async def get_response(self, *args: Any, **kwargs: Any) -> Any:
        raise self.error


def _status_error(kind: type, status: int, headers: dict[str, str] | None = None) -> Exception:
    request = httpx2.Request("POST", "http://llm.invalid/v1/responses")
    response = httpx2.Response(status, headers=headers or {}, request=request)
    return kind("injected", response=response, body=None)


async def _raised(error: Exception) -> BaseException:
    with pytest.raises(BaseException) as caught:
        await durable.OpenAIErrors(Failing(error)).get_response()  # type: ignore[arg-type]
    return caught.value


async def test_a_rate_limit_retries_after_what_the_server_asked() -> None:
    raised = await _raised(_status_error(RateLimitError, 429, {"retry-after": "3"}))
    assert isinstance(raised, RetryableError)
    assert raised.retry_after == timedelta(seconds=3)


async def test_a_long_retry_after_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config, "LLM_MAX_RETRY_S", 10.0)
    raised = await _raised(_status_error(RateLimitError, 429, {"retry-after": "3600"}))
    assert isinstance(raised, RetryableError)
    assert raised.retry_after == timedelta(seconds=10)


async def test_a_rejected_key_is_final_and_server_errors_are_retried() -> None:
    assert isinstance(await _raised(_status_error(AuthenticationError, 401)), TerminalError)
    server_error = await _raised(_status_error(InternalServerError, 500))
    assert isinstance(server_error, InternalServerError)  # Restate retries it with backoff
    request = httpx2.Request("POST", "http://llm.invalid/v1/responses")
    assert isinstance(await _raised(APIConnectionError(request=request)), APIConnectionError)


async def test_the_steps_final_failure_becomes_llm_unavailable_but_cancellation_does_not() -> None:
    with pytest.raises(durable.LLMUnavailable):
        await durable.GiveUpClearly(Failing(TerminalError("gave up"))).get_response()  # type: ignore[arg-type]
    with pytest.raises(TerminalError) as cancelled:
        await durable.GiveUpClearly(Failing(TerminalError("cancelled", 409))).get_response()  # type: ignore[arg-type]
    assert not isinstance(cancelled.value, durable.LLMUnavailable)


def test_chat_completions_can_be_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config, "OPENAI_API_KEY", "sk-test-not-a-real-key")
    monkeypatch.setattr(config, "OPENAI_API", "chat_completions")
    model = durable.AirlineModels().get_model("gpt-4.1-mini")
    assert isinstance(model, durable.OpenAIErrors)
    assert isinstance(model.inner, OpenAIChatCompletionsModel)


class _NoContext:
    def key(self) -> str:
        return "s"


def _memory(items: list[dict[str, Any]]) -> ChunkedSession:
    memory = ChunkedSession(_NoContext(), 0, 60)  # type: ignore[arg-type]
    memory.unflushed.extend(items)
    return memory


def test_the_apology_records_the_message_once_and_says_nothing_changed() -> None:
    memory = _memory([])
    assert _unavailable(memory, "hi") == UNAVAILABLE
    assert memory.unflushed == [
        {"role": "user", "content": "hi"},
        {"type": "message", "role": "assistant", "content": UNAVAILABLE},
    ]
    buffered = _memory([{"role": "user", "content": "hi"}])
    _unavailable(buffered, "hi")
    assert [i.get("role") for i in buffered.unflushed] == ["user", "assistant"]


def test_after_a_handoff_nothing_changed_after_a_tool_something_did() -> None:
    handoff = [
        {"role": "user", "content": "invoice please"},
        {"type": "function_call", "call_id": "c1", "name": "transfer_to_invoice_agent"},
        {"type": "function_call_output", "call_id": "c1", "output": "{}"},
    ]
    assert _unavailable(_memory(list(handoff)), "invoice please") == UNAVAILABLE
    tool = [
        *handoff,
        {"type": "function_call", "call_id": "c2", "name": "send_invoice"},
        {"type": "function_call_output", "call_id": "c2", "output": "Invoice INV-1 was sent"},
    ]
    assert _unavailable(_memory(tool), "invoice please") == UNAVAILABLE_MIDWAY


def test_env_file_fills_in_what_the_environment_does_not_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = tmp_path / ".env"
    env.write_text(
        "# secrets live here, never in code\n"
        "FAULTS_TEST_KEY='sk-from-file'\n"
        "export FAULTS_TEST_MODEL=gpt-x\n"
        "FAULTS_TEST_SET=from-file\n"
        "not a variable\n"
    )
    monkeypatch.delenv("FAULTS_TEST_KEY", raising=False)
    monkeypatch.delenv("FAULTS_TEST_MODEL", raising=False)
    monkeypatch.setenv("FAULTS_TEST_SET", "from-env")
    config._load_env_file(str(env))
    try:
        assert os.environ["FAULTS_TEST_KEY"] == "sk-from-file"
        assert os.environ["FAULTS_TEST_MODEL"] == "gpt-x"
        assert os.environ["FAULTS_TEST_SET"] == "from-env"
    finally:
        os.environ.pop("FAULTS_TEST_KEY", None)
        os.environ.pop("FAULTS_TEST_MODEL", None)
