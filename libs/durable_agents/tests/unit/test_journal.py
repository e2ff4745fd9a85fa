"""The `call LLM` step hands back exactly what the provider sent (journal.py)."""

import json
from typing import Any

import httpx2
from agents import ModelResponse, ModelSettings, ModelTracing
from agents.models.openai_responses import OpenAIResponsesModel
from openai import AsyncOpenAI
from restate.serde import PydanticJsonSerde

from durable_agents import JournaledResponse

# Output items as the Responses API sends them: each kind sets only some of its fields.
SENT: list[dict[str, Any]] = [
    {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "gAAAA-opaque"},
    {
        "type": "function_call",
        "id": "fc_1",
        "call_id": "call_1",
        "name": "update_seat",
        "arguments": '{"confirmation_number": "5666"}',
        "status": "completed",
    },
    {
        "type": "message",
        "id": "msg_1",
        "role": "assistant",
        "status": "completed",
        "phase": "final_answer",
        "content": [
            {
                "type": "output_text",
                "text": "Done.",
                "annotations": [
                    {
                        "type": "url_citation",
                        "url": "https://example.com",
                        "title": "x",
                        "start_index": 0,
                        "end_index": 4,
                    }
                ],
            },
            {"type": "refusal", "refusal": "I cannot do that part."},
        ],
    },
]


def _response_body(output: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": "resp_1",
        "object": "response",
        "created_at": 0,
        "model": "gpt-test",
        "status": "completed",
        "output": output,
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "usage": {
            "input_tokens": 10,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": 5,
            "output_tokens_details": {"reasoning_tokens": 2},
            "total_tokens": 15,
        },
    }


async def _from_the_openai_client(output: list[dict[str, Any]]) -> ModelResponse:
    """A ModelResponse built by the real openai client and the SDK's Responses model."""

    def answer(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, json=_response_body(output))

    client = AsyncOpenAI(
        api_key="test",
        base_url="http://llm.invalid/v1",
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(answer)),
        max_retries=0,
    )
    model = OpenAIResponsesModel(model="gpt-test", openai_client=client)
    return await model.get_response(
        system_instructions=None,
        input="hi",
        model_settings=ModelSettings(),
        tools=[],
        output_schema=None,
        handoffs=[],
        tracing=ModelTracing.DISABLED,
        previous_response_id=None,
    )


def _through_the_journal(response: ModelResponse) -> ModelResponse:
    """What the step hands back: its result serialized by restate's serde and read back."""
    serde = PydanticJsonSerde(JournaledResponse)
    stored = serde.serialize(JournaledResponse.of(response))
    read = serde.deserialize(stored)
    assert read is not None
    return read.to_response()


async def test_the_next_request_gets_back_the_items_exactly_as_they_were_sent() -> None:
    original = await _from_the_openai_client(SENT)
    replayed = _through_the_journal(original)
    assert replayed.to_input_items() == original.to_input_items()
    # Nothing the model did not send: no fabricated nulls, no Python attribute names.
    assert json.loads(json.dumps(replayed.to_input_items())) == SENT
    assert replayed.response_id == "resp_1"
    assert replayed.usage.output_tokens == 5


async def test_a_wire_name_that_is_no_python_name_round_trips_under_both() -> None:
    sent = [{**SENT[1], "async": True}]
    original = await _from_the_openai_client(sent)
    replayed = _through_the_journal(original)
    # The SDK dumps by attribute name; the journal must not change what it would send.
    assert replayed.to_input_items() == original.to_input_items()
    assert JournaledResponse.of(replayed).output == sent


async def test_a_replay_of_a_replay_is_the_same() -> None:
    once = _through_the_journal(await _from_the_openai_client(SENT))
    assert _through_the_journal(once).to_input_items() == once.to_input_items()
