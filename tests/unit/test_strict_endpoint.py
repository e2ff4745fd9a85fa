"""The strict test endpoint refuses what the real OpenAI API refuses, naming the path.

Each bad shape is checked twice: by the validator itself, and over HTTP through the real openai
client (a 400 `BadRequestError` whose `param` names the path). Valid shapes pass, so the
endpoint refuses exactly what it should, not everything.
"""

import socket
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from openai.types.responses import ResponseFunctionToolCall

from tests.support.fault_llm import FaultLLM, shapes, validate

USER = {"role": "user", "content": "change my seat"}
CALL = {
    "type": "function_call",
    "id": "fc_1",
    "call_id": "call_1",
    "name": "update_seat",
    "arguments": "{}",
    "status": "completed",
}
OUTPUT = {"type": "function_call_output", "call_id": "call_1", "output": "Seat changed"}
MESSAGE = {
    "type": "message",
    "id": "msg_1",
    "role": "assistant",
    "status": "completed",
    "phase": "final_answer",
    "content": [{"type": "output_text", "text": "Done", "annotations": [], "logprobs": []}],
}
REASONING = {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "gAAAA"}
NOTICE = {"type": "message", "role": "assistant", "content": "Your invoice is paid."}


def _with(item: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**item, **changes}


def _content(**changes: Any) -> dict[str, Any]:
    return _with(MESSAGE, content=[{**MESSAGE["content"][0], **changes}])


# (input items, extra request fields, the path the 400 names, its code)
BAD: dict[str, tuple[list[dict[str, Any]], dict[str, Any], str, str]] = {
    "python attribute name": (
        [USER, _with(CALL, async_=None), OUTPUT],
        {},
        "input[1].async_",
        "unknown_parameter",
    ),
    "null namespace": (
        [USER, _with(CALL, namespace=None), OUTPUT],
        {},
        "input[1].namespace",
        "invalid_type",
    ),
    "null async": (
        [USER, _with(CALL, **{"async": None}), OUTPUT],
        {},
        "input[1].async",
        "invalid_type",
    ),
    "null logprobs": (
        [USER, _content(logprobs=None)],
        {},
        "input[1].content[0].logprobs",
        "invalid_type",
    ),
    "wrong phase": (
        [USER, _with(MESSAGE, phase="thinking")],
        {},
        "input[1].phase",
        "invalid_value",
    ),
    "missing call_id": (
        [USER, {k: v for k, v in CALL.items() if k != "call_id"}, OUTPUT],
        {},
        "input[1].call_id",
        "missing_required_parameter",
    ),
    "unknown item type": ([USER, {"type": "tool_result"}], {}, "input[1].type", "invalid_value"),
    "wrong role": ([{"role": "tool", "content": "x"}], {}, "input[0].role", "invalid_value"),
    "null content": ([{"role": "user", "content": None}], {}, "input[0].content", "invalid_type"),
    "output without call": ([USER, OUTPUT], {}, "input[1]", "invalid_value"),
    "call without output": ([USER, CALL], {}, "input[1]", "invalid_value"),
    "reasoning last": ([USER, REASONING], {}, "input[1]", "invalid_value"),
    "reasoning before user": ([USER, REASONING, USER], {}, "input[1]", "invalid_value"),
    "reasoning stateless, not encrypted": (
        [USER, {k: v for k, v in REASONING.items() if k != "encrypted_content"}, MESSAGE],
        {"store": False},
        "input[1]",
        "invalid_value",
    ),
    "duplicate ids": ([USER, MESSAGE, USER, MESSAGE], {}, "input[3]", "invalid_value"),
    "call id not fc_": (
        [USER, _with(CALL, id="call_1"), OUTPUT],
        {},
        "input[1].id",
        "invalid_value",
    ),
    "message id not msg_": (
        [USER, _with(MESSAGE, id="offline")],
        {},
        "input[1].id",
        "invalid_value",
    ),
}
GOOD: dict[str, list[dict[str, Any]]] = {
    "a tool turn": [USER, CALL, OUTPUT, MESSAGE],
    "reasoning then a call": [USER, REASONING, CALL, OUTPUT, _with(REASONING, id="rs_2"), MESSAGE],
    "a notice and a null phase": [USER, _with(MESSAGE, phase=None), NOTICE, USER],
    "null caller (the type allows it)": [USER, _with(CALL, caller=None), OUTPUT],
}


@pytest.mark.parametrize("name", BAD)
def test_the_validator_refuses_each_bad_shape(name: str) -> None:
    items, extra, path, code = BAD[name]
    verdict = validate("/v1/responses", {"model": "m", "input": items, **extra})
    assert (path, code) in [(p.path, p.code) for p in verdict.problems], verdict.problems


@pytest.mark.parametrize("name", GOOD)
def test_the_validator_accepts_valid_input(name: str) -> None:
    verdict = validate("/v1/responses", {"model": "m", "input": GOOD[name], "store": False})
    assert verdict.valid, verdict.problems


def test_a_revalidated_sdk_item_is_refused() -> None:
    """The issue's defect: a call item read back from JSON and dumped with exclude_unset."""
    sent = {k: v for k, v in CALL.items()}
    item = ResponseFunctionToolCall.model_validate_json(
        ResponseFunctionToolCall(**sent).model_dump_json()
    )
    resent = item.model_dump(exclude_unset=True)
    verdict = validate("/v1/responses", {"model": "m", "input": [USER, resent, OUTPUT]})
    assert "input[1].async_" in [p.path for p in verdict.problems]


CHAT_CALL = {
    "role": "assistant",
    "content": None,
    "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    ],
}
CHAT_TOOL = {"role": "tool", "tool_call_id": "call_1", "content": "ok"}
CHAT_BAD: dict[str, tuple[list[dict[str, Any]], str, str]] = {
    "unknown key": (
        [{"role": "user", "content": "x", "phase": None}],
        "messages[0].phase",
        "unknown_parameter",
    ),
    "tool without call": (
        [{"role": "user", "content": "x"}, CHAT_TOOL],
        "messages[1]",
        "invalid_value",
    ),
    "call without tool": (
        [{"role": "user", "content": "x"}, CHAT_CALL],
        "messages",
        "invalid_value",
    ),
    "wrong role": ([{"role": "robot", "content": "x"}], "messages[0].role", "invalid_value"),
    "missing tool_call_id": (
        [{"role": "user", "content": "x"}, CHAT_CALL, {"role": "tool", "content": "ok"}],
        "messages[2].tool_call_id",
        "missing_required_parameter",
    ),
}


@pytest.mark.parametrize("name", CHAT_BAD)
def test_the_validator_refuses_bad_chat_messages(name: str) -> None:
    messages, path, code = CHAT_BAD[name]
    verdict = validate("/v1/chat/completions", {"model": "m", "messages": messages})
    assert (path, code) in [(p.path, p.code) for p in verdict.problems], verdict.problems


def test_the_validator_accepts_a_chat_tool_turn() -> None:
    messages = [
        {"role": "system", "content": "s"},
        {"role": "user", "content": "x"},
        CHAT_CALL,
        CHAT_TOOL,
    ]
    assert validate("/v1/chat/completions", {"model": "m", "messages": messages}).valid


def test_the_summary_names_the_kinds_of_item_each_request_sent() -> None:
    refusal = _with(MESSAGE, id="msg_2", content=[{"type": "refusal", "refusal": "No."}])
    items = [USER, REASONING, CALL, OUTPUT, MESSAGE, refusal, NOTICE]
    body = {"model": "m", "input": items}
    assert shapes(validate("/v1/responses", body)) == [
        "message:user",
        "reasoning+encrypted",
        "function_call",
        "function_call_output",
        "message:assistant+phase",
        "message:assistant+refusal",
        "message:assistant",
    ]
    chat = {"model": "m", "messages": [{"role": "user", "content": "x"}, CHAT_CALL, CHAT_TOOL]}
    assert shapes(validate("/v1/chat/completions", chat)) == [
        "chat:user",
        "chat:assistant+tool_calls",
        "chat:tool",
    ]


@pytest.fixture(scope="module")
def endpoint() -> Iterator[FaultLLM]:
    llm = FaultLLM().start()
    yield llm
    llm.stop()


@pytest.fixture(scope="module")
def client(endpoint: FaultLLM) -> openai.OpenAI:
    return openai.OpenAI(api_key="sk-test", base_url=endpoint.base_url, max_retries=0)


@pytest.mark.parametrize("name", BAD)
def test_the_endpoint_answers_each_bad_shape_with_the_apis_400(
    name: str, endpoint: FaultLLM, client: openai.OpenAI
) -> None:
    items, extra, path, code = BAD[name]
    before = len(endpoint.invalid())
    with pytest.raises(openai.BadRequestError) as refused:
        client.responses.create(model="m", input=items, **extra)  # type: ignore[arg-type]
    error: Any = refused.value.body
    assert error["type"] == "invalid_request_error"
    assert error["message"]
    assert len(endpoint.invalid()) == before + 1
    problems = [(p.path, p.code) for p in endpoint.invalid()[-1].problems]
    assert (path, code) in problems


def test_the_endpoint_answers_a_valid_request(endpoint: FaultLLM, client: openai.OpenAI) -> None:
    before = len(endpoint.invalid())
    response = client.responses.create(model="m", input=GOOD["a tool turn"])  # type: ignore[arg-type]
    assert response.output
    assert len(endpoint.invalid()) == before
    assert endpoint.verdicts[-1].valid


def test_a_request_cut_off_mid_body_is_not_judged(endpoint: FaultLLM) -> None:
    """A client that hangs up mid-body (its attempt cancelled) sent the API nothing to refuse."""
    before = len(endpoint.verdicts)
    host, port = endpoint.base_url.removeprefix("http://").split("/")[0].split(":")
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(
            b"POST /v1/responses HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
            b'content-length: 100\r\n\r\n{"model": "m", "inp'
        )
        sock.shutdown(socket.SHUT_WR)
        assert sock.recv(100) == b""  # closed without an answer
    assert len(endpoint.verdicts) == before


@pytest.mark.parametrize("name", CHAT_BAD)
def test_the_endpoint_refuses_bad_chat_messages(
    name: str, endpoint: FaultLLM, client: openai.OpenAI
) -> None:
    messages, path, _ = CHAT_BAD[name]
    with pytest.raises(openai.BadRequestError) as refused:
        client.chat.completions.create(model="m", messages=messages)  # type: ignore[arg-type]
    error: Any = refused.value.body
    assert error["param"] == endpoint.invalid()[-1].problems[0].path
    assert path in [p.path for p in endpoint.invalid()[-1].problems]
