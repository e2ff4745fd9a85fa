"""How the agent meets a failing model: the apology, the client it builds, secrets from `.env`.

Which errors are retried is the runtime's (libs/durable_agents/tests/unit/test_retries.py).
"""

import os
from pathlib import Path
from typing import Any

import pytest
from agents.models.openai_chatcompletions import OpenAIChatCompletionsModel

from airline_agent import config, durable
from airline_agent.measured import MeasuredModel
from airline_agent.session import UNAVAILABLE, UNAVAILABLE_MIDWAY, _unavailable
from durable_agents import ChunkedSession


def test_chat_completions_can_be_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config, "OPENAI_API_KEY", "sk-test-not-a-real-key")
    monkeypatch.setattr(config, "OPENAI_API", "chat_completions")
    model = durable.AirlineModels().get_model("gpt-4.1-mini")
    assert isinstance(model, MeasuredModel)
    assert isinstance(model.wrapped, OpenAIChatCompletionsModel)
    # The journaled step owns the retries: the client makes one request per attempt.
    assert model.wrapped._client.max_retries == 0


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
