"""Which model the agents get: offline without a key, the SDK's providers with one."""

import pytest
from agents import ModelSettings
from agents.models.openai_responses import OpenAIResponsesModel

from airline_agent import config, durable
from airline_agent.airline import model_settings
from airline_agent.measured import MeasuredModel
from airline_agent.offline import OfflineModel


def _inner(model: object) -> object:
    assert isinstance(model, MeasuredModel)  # every model is measured where it really runs
    return model.wrapped


def test_without_a_key_every_name_is_the_offline_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config, "OPENAI_API_KEY", "")

    models = durable.AirlineModels()

    assert isinstance(_inner(models.get_model("offline")), OfflineModel)
    assert isinstance(_inner(models.get_model(None)), OfflineModel)


def test_with_a_key_a_named_model_goes_to_openai(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config, "OPENAI_API_KEY", "sk-test-not-a-real-key")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")

    models = durable.AirlineModels()

    assert isinstance(_inner(models.get_model("gpt-4.1-mini")), OpenAIResponsesModel)
    assert isinstance(_inner(models.get_model("offline")), OfflineModel)


@pytest.mark.parametrize(
    ("model", "store", "wanted", "include"),
    [
        ("gpt-5.1", False, "auto", True),  # a reasoning model, stateless: its reasoning comes back
        ("o4-mini", False, "auto", True),
        ("gpt-4.1-mini", False, "auto", False),  # not a reasoning model: it refuses the option
        ("gpt-5.1", True, "auto", False),  # stored: the API finds the reasoning by id
        ("gpt-4.1-mini", False, "true", True),
        ("gpt-5.1", False, "false", False),
    ],
)
def test_model_settings_on_the_responses_api(
    monkeypatch: pytest.MonkeyPatch, model: str, store: bool, wanted: str, include: bool
) -> None:
    monkeypatch.setattr(config, "OPENAI_API", "responses")
    monkeypatch.setattr(config, "OPENAI_STORE", store)
    monkeypatch.setattr(config, "OPENAI_ENCRYPTED_REASONING", wanted)

    settings = model_settings(model)

    assert settings.store is store
    assert settings.response_include == (["reasoning.encrypted_content"] if include else None)


def test_model_settings_leave_chat_completions_and_the_offline_model_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(config, "OPENAI_API", "chat_completions")
    assert model_settings("gpt-5.1") == ModelSettings()
    monkeypatch.setattr(config, "OPENAI_API", "responses")
    assert model_settings("offline") == ModelSettings()
