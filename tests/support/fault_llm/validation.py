"""Strict request validation: what the real OpenAI API refuses with a 400, the endpoint refuses too.

Two layers. The body against the openai package's request types (`ResponseCreateParamsNonStreaming`
whose `input` items are `ResponseInputItemParam` members; `CompletionCreateParamsNonStreaming`
whose `messages` are `ChatCompletionMessageParam` members), see schema.py. Then the rules across
items that the API enforces and no type can say:

Responses API
- a `function_call_output` whose call_id no earlier `function_call` has; a `function_call`
  with no `function_call_output` after it ("No tool output found for function call ...");
- a `reasoning` item not followed by an output item (message, function call) of the same
  response, e.g. last in the input or followed by a user message;
- with `store: false`, a reasoning item without `encrypted_content` (nothing is stored to
  look it up by id);
- two items with the same id; an item id without its kind's prefix (`fc_`, `msg_`, `rs_`).

Chat Completions
- a `tool` message whose tool_call_id no earlier assistant `tool_calls` has; an assistant
  message with tool_calls not followed by a tool message for each.
"""

from dataclasses import dataclass
from typing import Any

from openai.types.chat.completion_create_params import CompletionCreateParamsNonStreaming
from openai.types.responses.response_create_params import ResponseCreateParamsNonStreaming

from .schema import Problem, problems

# Item kinds whose ids the API hands out with a fixed prefix.
ID_PREFIXES = {"function_call": "fc_", "message": "msg_", "reasoning": "rs_"}
# What may follow a reasoning item: the output it reasoned towards.
_REASONED_OUTPUT = {"function_call", "message", "custom_tool_call", "web_search_call"}


@dataclass(frozen=True)
class Verdict:
    """The endpoint's judgement of one request: the problems found (none: it was valid)."""

    path: str  # /v1/responses or /v1/chat/completions
    problems: tuple[Problem, ...]
    body: dict[str, Any]

    @property
    def valid(self) -> bool:
        return not self.problems

    def error(self) -> dict[str, Any]:
        """The 400 body the API sends, naming the first problem."""
        first = self.problems[0]
        return {
            "error": {
                "message": first.message,
                "type": "invalid_request_error",
                "param": first.path,
                "code": first.code,
            }
        }


def validate(path: str, body: Any) -> Verdict:
    """The verdict on a request body sent to `path`."""
    if not isinstance(body, dict):
        found = [Problem("", "invalid_type", "The request body must be a JSON object.")]
    elif path == "/v1/responses":
        found = responses_problems(body)
    else:
        found = chat_problems(body)
    return Verdict(path, tuple(found), body if isinstance(body, dict) else {})


def shapes(verdict: Verdict) -> list[str]:
    """The kinds of item a request sent, named as the API's types do.

    Responses: `message:user`, `function_call`, `reasoning+encrypted`, `message:assistant+refusal`,
    ...; Chat Completions: `chat:user`, `chat:assistant+tool_calls`, `chat:tool`, ...
    """
    if verdict.path == "/v1/responses":
        items = verdict.body.get("input")
        return [_shape(i) for i in items if isinstance(i, dict)] if isinstance(items, list) else []
    messages = verdict.body.get("messages")
    if not isinstance(messages, list):
        return []
    return [
        f"chat:{m.get('role')}" + ("+tool_calls" if m.get("tool_calls") else "")
        for m in messages
        if isinstance(m, dict)
    ]


def _shape(item: dict[str, Any]) -> str:
    kind = _kind(item)
    if kind == "message":
        parts = item.get("content")
        kinds = (
            {p.get("type") for p in parts if isinstance(p, dict)}
            if isinstance(parts, list)
            else set()
        )
        extra = "+refusal" if "refusal" in kinds else "+phase" if item.get("phase") else ""
        return f"message:{item.get('role')}{extra}"
    if kind == "reasoning" and item.get("encrypted_content"):
        return "reasoning+encrypted"
    return kind


def responses_problems(body: dict[str, Any]) -> list[Problem]:
    """What the Responses API refuses in this request body."""
    found = problems(body, ResponseCreateParamsNonStreaming, "")
    items = body.get("input")
    if isinstance(items, list):
        found += _item_rules([i if isinstance(i, dict) else {} for i in items], body)
    return found


def _kind(item: dict[str, Any]) -> str:
    return str(item.get("type") or ("message" if "role" in item else ""))


def _item_rules(items: list[dict[str, Any]], body: dict[str, Any]) -> list[Problem]:
    found: list[Problem] = []
    seen_ids: dict[str, int] = {}
    calls: set[str] = set()
    answered = {str(i.get("call_id")) for i in items if _kind(i) == "function_call_output"}
    for index, item in enumerate(items):
        where = f"input[{index}]"
        kind = _kind(item)
        item_id = item.get("id")
        if isinstance(item_id, str):
            prefix = ID_PREFIXES.get(kind, "")
            if prefix and not item_id.startswith(prefix):
                found.append(
                    Problem(
                        f"{where}.id",
                        "invalid_value",
                        f"Invalid '{where}.id': '{item_id}'. "
                        f"Expected an ID that begins with '{prefix[:-1]}'.",
                    )
                )
            if item_id in seen_ids:
                found.append(
                    Problem(
                        where,
                        "invalid_value",
                        f"Duplicate item found with id {item_id}. Remove the duplicate items "
                        f"from your input and try again (first at input[{seen_ids[item_id]}]).",
                    )
                )
            seen_ids.setdefault(item_id, index)
        if kind == "function_call":
            calls.add(str(item.get("call_id")))
            if str(item.get("call_id")) not in answered:
                found.append(
                    Problem(
                        where,
                        "invalid_value",
                        f"No tool output found for function call {item.get('call_id')}.",
                    )
                )
        elif kind == "function_call_output" and str(item.get("call_id")) not in calls:
            found.append(
                Problem(
                    where,
                    "invalid_value",
                    f"No tool call found for function call output with call_id "
                    f"{item.get('call_id')}.",
                )
            )
        elif kind == "reasoning":
            found += _reasoning_rules(items, index, body)
    return found


def _reasoning_rules(
    items: list[dict[str, Any]], index: int, body: dict[str, Any]
) -> list[Problem]:
    item, where = items[index], f"input[{index}]"
    found: list[Problem] = []
    after = items[index + 1] if index + 1 < len(items) else None
    follows = (
        after is not None
        and _kind(after) in _REASONED_OUTPUT
        and after.get("role")
        in (
            None,
            "assistant",
        )
    )
    if not follows:
        found.append(
            Problem(
                where,
                "invalid_value",
                f"Item '{item.get('id')}' of type 'reasoning' was provided without its required "
                "following item.",
            )
        )
    if body.get("store") is False and not item.get("encrypted_content"):
        found.append(
            Problem(
                where,
                "invalid_value",
                f"Item with id '{item.get('id')}' not found. Items are not persisted when "
                "`store` is set to false. Try again with `store` set to true, or pass the item "
                "with its `encrypted_content` (include 'reasoning.encrypted_content').",
            )
        )
    return found


def chat_problems(body: dict[str, Any]) -> list[Problem]:
    """What the Chat Completions API refuses in this request body."""
    found = problems(body, CompletionCreateParamsNonStreaming, "")
    messages = body.get("messages")
    if not isinstance(messages, list):
        return found
    pending: set[str] = set()  # tool_call ids of the last assistant message still unanswered
    known: set[str] = set()
    for index, message in enumerate(m if isinstance(m, dict) else {} for m in messages):
        where = f"messages[{index}]"
        role = message.get("role")
        if role == "tool":
            call_id = str(message.get("tool_call_id"))
            if call_id not in known:
                found.append(
                    Problem(
                        where,
                        "invalid_value",
                        "Invalid parameter: messages with role 'tool' must be a response to a "
                        "preceeding message with 'tool_calls'.",
                    )
                )
            pending.discard(call_id)
            continue
        if pending:
            found.append(_unanswered(index, pending))
            pending = set()
        if role == "assistant":
            ids = {str(c.get("id")) for c in message.get("tool_calls") or [] if isinstance(c, dict)}
            known |= ids
            pending = ids
    if pending:
        found.append(_unanswered(len(messages), pending))
    return found


def _unanswered(index: int, ids: set[str]) -> Problem:
    return Problem(
        "messages",
        "invalid_value",
        "An assistant message with 'tool_calls' must be followed by tool messages responding "
        f"to each 'tool_call_id'. The following tool_call_ids did not have response messages "
        f"(before messages[{index}]): {', '.join(sorted(ids))}",
    )
