"""Which model the agents get: offline without a key, the SDK's providers with one."""

import pytest
from agents.models.openai_responses import OpenAIResponsesModel

from airline_agent import config, durable
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
