"""The endpoint's answers: the offline model decides, the profile says how the output looks.

Each request's input and tools are translated into the offline model's terms and
`airline_agent.offline.decide` picks the output, so whole conversations (handoffs, tool calls)
run through the agent's real OpenAI client path. Profiles:

- "plain": the output items as the offline model builds them;
- "current": as current reasoning models send them: a reasoning item first (its
  `encrypted_content` when the request includes "reasoning.encrypted_content"), messages with
  `phase` and `output_text` parts with annotations and logprobs, function calls with provider ids
  (`fc_...`, `call_...`); Chat Completions messages with `refusal` and `annotations`.

A refusal (`refusal=True`) answers with a refusal content part (Chat Completions: `refusal`).
"""

import json
import re
import time
import uuid
from typing import Any, Literal, cast

from agents import TResponseInputItem

from airline_agent.offline import Conversation, decide

Profile = Literal["plain", "current"]
REFUSAL = "I'm sorry, but I can't help with that request."
ENCRYPTED_REASONING = "reasoning.encrypted_content"

# The Agents SDK describes a handoff tool as "Handoff to the <agent name> agent to handle ...".
_HANDOFF = re.compile(r"^Handoff to the (.+?) agent to handle the request")


def _tools(specs: list[dict[str, Any]]) -> tuple[set[str], dict[str, str]]:
    """Function tool names, and handoffs as agent name -> tool name."""
    names: set[str] = set()
    transfers: dict[str, str] = {}
    for spec in specs:
        function = spec.get("function", spec)  # chat completions nest it
        name, description = function.get("name", ""), function.get("description") or ""
        handoff = _HANDOFF.match(description)
        if handoff:
            transfers[handoff.group(1)] = name
        else:
            names.add(name)
    return names, transfers


def _decide(
    items: list[dict[str, Any]], tools: list[dict[str, Any]], instructions: str | None
) -> list[dict[str, Any]]:
    """The offline model's next output items for this input, as JSON."""
    names, transfers = _tools(tools)
    # The instructions carry what the session remembers (the proven bookings).
    conversation = Conversation.parse(cast(list[TResponseInputItem], items), instructions)
    return [item.model_dump(exclude_none=True) for item in decide(conversation, names, transfers)]


def _usage_words(items: list[dict[str, Any]]) -> int:
    return sum(len(json.dumps(item).split()) for item in items)


def _hex() -> str:
    return uuid.uuid4().hex


def _text(item: dict[str, Any]) -> str:
    return " ".join(part.get("text", "") for part in item.get("content") or [])


def _current(item: dict[str, Any], refusal: bool) -> dict[str, Any]:
    """One output item as a current model sends it."""
    if item.get("type") == "function_call":
        return {
            "id": f"fc_{_hex()}",
            "type": "function_call",
            "status": "completed",
            "arguments": item["arguments"],
            "call_id": f"call_{_hex()[:24]}",
            "name": item["name"],
        }
    text = _text(item)
    part: dict[str, Any] = (
        {"type": "refusal", "refusal": REFUSAL}
        if refusal
        else {
            "type": "output_text",
            "text": text,
            "annotations": [
                {
                    "type": "url_citation",
                    "start_index": 0,
                    "end_index": min(len(text), 5),
                    "url": "https://airline.example/help",
                    "title": "Airline help",
                }
            ],
            "logprobs": [],
        }
    )
    return {
        "id": f"msg_{_hex()}",
        "type": "message",
        "status": "completed",
        "role": "assistant",
        "phase": "final_answer",
        "content": [part],
    }


def responses_answer(request: dict[str, Any], profile: Profile, refusal: bool) -> dict[str, Any]:
    """The Responses API answer to `request`."""
    raw = request.get("input", [])
    items: list[dict[str, Any]] = (
        [{"role": "user", "content": raw}] if isinstance(raw, str) else raw
    )
    output = _decide(items, request.get("tools") or [], request.get("instructions"))
    if refusal:
        output = [{"type": "message", "content": []}]
    if profile == "current" or refusal:
        output = [_current(item, refusal) for item in output]
    if profile == "current":
        reasoning: dict[str, Any] = {
            "id": f"rs_{_hex()}",
            "type": "reasoning",
            "summary": [{"type": "summary_text", "text": "Following the airline's rules."}],
        }
        if ENCRYPTED_REASONING in (request.get("include") or []):
            reasoning["encrypted_content"] = f"gAAAA{_hex()}{_hex()}"
        output = [reasoning, *output]
    words = _usage_words(items)
    reasoning_tokens = 16 if profile == "current" else 0
    return {
        "id": f"resp_{_hex()}",
        "object": "response",
        "created_at": int(time.time()),
        "model": request.get("model", "fault-llm"),
        "status": "completed",
        "output": output,
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "usage": {
            "input_tokens": words,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": 8 + reasoning_tokens,
            "output_tokens_details": {"reasoning_tokens": reasoning_tokens},
            "total_tokens": words + 8 + reasoning_tokens,
        },
    }


def _items_of_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Chat Completions messages as the Responses-style items the offline model reads."""
    items: list[dict[str, Any]] = []
    for message in messages:
        role = message.get("role")
        if role == "user":
            items.append({"role": "user", "content": message.get("content") or ""})
        elif role == "assistant":
            for call in message.get("tool_calls") or []:
                items.append(
                    {
                        "type": "function_call",
                        "call_id": call["id"],
                        "name": call["function"]["name"],
                        "arguments": call["function"]["arguments"],
                    }
                )
        elif role == "tool":
            items.append(
                {
                    "type": "function_call_output",
                    "call_id": message.get("tool_call_id"),
                    "output": message.get("content"),
                }
            )
    return items


def chat_answer(request: dict[str, Any], profile: Profile, refusal: bool) -> dict[str, Any]:
    """The Chat Completions answer to `request`."""
    messages = request.get("messages", [])
    items = _items_of_messages(messages)
    system = " ".join(str(m.get("content")) for m in messages if m.get("role") == "system")
    output = [] if refusal else _decide(items, request.get("tools") or [], system)
    calls = [o for o in output if o.get("type") == "function_call"]
    message: dict[str, Any] = {"role": "assistant", "content": None}
    if profile == "current" or refusal:
        message |= {"refusal": REFUSAL if refusal else None, "annotations": []}
    if calls:
        message["tool_calls"] = [
            {
                "id": f"call_{_hex()[:24]}" if profile == "current" else call["call_id"],
                "type": "function",
                "function": {"name": call["name"], "arguments": call["arguments"]},
            }
            for call in calls
        ]
    elif not refusal:
        message["content"] = " ".join(_text(o) for o in output)
    words = _usage_words(items)
    return {
        "id": f"chatcmpl-{_hex()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", "fault-llm"),
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if calls else "stop",
            }
        ],
        "usage": {"prompt_tokens": words, "completion_tokens": 8, "total_tokens": words + 8},
    }
