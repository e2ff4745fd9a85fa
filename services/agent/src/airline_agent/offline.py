"""The offline model: a deterministic, rule-based stand-in for an LLM.

It answers the airline's conversations well enough to run the whole stack without an API key.
It is plugged in through the model provider exactly where a real model is, so each of its calls
is journaled like an LLM call. It understands only what the rules below spell out.
"""

import asyncio
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from agents import Handoff, ModelResponse, Tool, Usage
from agents.items import TResponseInputItem, TResponseOutputItem
from agents.models.interface import Model
from agents.testing import assistant_message, function_call

from . import faq

_SEAT = re.compile(r"\b(\d{1,2})\s?([a-fA-F])\b")
# A confirmation number: 4-8 letters/digits with at least one digit, e.g. AB4568 or 5666.
_CONFIRMATION = re.compile(r"\b(?=[A-Za-z]*\d)[A-Za-z0-9]{4,8}\b")
_INVOICE = re.compile(r"\b(invoice|invoices|receipt|bill)\b", re.IGNORECASE)
_SEAT_CHANGE = re.compile(
    r"\b(change|switch|move|swap|update|upgrade|want|get|pick|book)\b.*\bseat\b"
    r"|\bseat\b.*\b(change|to)\b|\bseat\s+\d{1,2}\s?[a-f]\b",
    re.IGNORECASE,
)
_CHECKIN = re.compile(
    r"\bremind(er)?\b.*\bcheck[\s-]?in\b|\bcheck[\s-]?in\b.*\bremind(er)?\b", re.IGNORECASE
)
CHECKIN_TOOL = "schedule_checkin_reminder"

# "what's the status?", "was my request approved?": how a seat request waiting for approval stands.
_APPROVAL_STATUS = re.compile(r"\b(status|approv\w*|pending|decided)\b", re.IGNORECASE)
_APPROVAL_ID = re.compile(r"\bAPR-[0-9A-F]{8}\b", re.IGNORECASE)

GREETING = (
    "Hello! I can answer questions about baggage, seats and wifi, change your seat, "
    "or send you the invoice for a booking. What can I do for you?"
)


def intent_of(text: str) -> str | None:
    """What a customer message is for: "checkin", "invoice", "seat_booking", "faq" or None."""
    if _CHECKIN.search(text):
        return "checkin"  # a check-in reminder, scheduled by the triage agent itself
    if _INVOICE.search(text):
        return "invoice"
    if _SEAT_CHANGE.search(text) or asks_approval_status(text):
        return "seat_booking"
    if faq.topic_of(text):
        return "faq"
    return None


def asks_approval_status(text: str) -> bool:
    """Whether the customer asks how a seat request stands (and names no new seat)."""
    return bool(_APPROVAL_STATUS.search(text)) and seat_in(text) is None


def seat_in(text: str) -> str | None:
    """The last seat code in a message ("10b" -> "10B")."""
    found = _SEAT.findall(text)
    return f"{int(found[-1][0])}{found[-1][1].upper()}" if found else None


def confirmation_in(text: str) -> str | None:
    """The last token that looks like a confirmation number."""
    found = [t for t in _CONFIRMATION.findall(text) if not _SEAT.fullmatch(t)]
    return found[-1].upper() if found else None


def _text_of(item: Any) -> str:
    content = item.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


@dataclass
class Conversation:
    """What the rules need to know about the input the model was given."""

    user_messages: list[str]
    # Names of the tools called in the turn each user message started.
    turn_tools: list[set[str]] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)  # function calls this turn
    outputs: dict[str, str] = field(default_factory=dict)  # call_id -> output, this turn
    digest: str = ""  # of the whole input
    approval_ids: list[str] = field(default_factory=list)  # seat requests seen, oldest first

    @classmethod
    def parse(cls, items: str | list[TResponseInputItem]) -> "Conversation":
        digest = hashlib.sha256(json.dumps(items, sort_keys=True, default=str).encode())
        if isinstance(items, str):
            return cls(user_messages=[items], turn_tools=[set()], digest=digest.hexdigest())
        conv = cls(user_messages=[], digest=digest.hexdigest())
        for raw in items:
            item: dict[str, Any] = dict(raw)  # type: ignore[arg-type]
            said = _text_of(item) + " " + str(item.get("output", ""))
            conv.approval_ids += [found.upper() for found in _APPROVAL_ID.findall(said)]
            if item.get("role") == "user":
                conv.user_messages.append(_text_of(item))
                conv.turn_tools.append(set())
                conv.calls, conv.outputs = [], {}
            elif item.get("type") == "function_call":
                conv.calls.append(item)
                if conv.turn_tools:
                    conv.turn_tools[-1].add(str(item.get("name")))
            elif item.get("type") == "function_call_output":
                conv.outputs[str(item.get("call_id"))] = str(item.get("output", ""))
        return conv

    @property
    def last(self) -> str:
        return self.user_messages[-1] if self.user_messages else ""

    def result_of(self, tool: str) -> str | None:
        """The output of this turn's last call to `tool`, if it has one."""
        for call in reversed(self.calls):
            if call.get("name") == tool and call.get("call_id") in self.outputs:
                return self.outputs[call["call_id"]]
        return None

    def handoffs_this_turn(self) -> int:
        return sum(1 for c in self.calls if str(c.get("name", "")).startswith("transfer_to_"))

    def details(self, intent: str, tool: str) -> tuple[str | None, str | None]:
        """Seat and confirmation number given since the request for `intent` began.

        A request already served by `tool` in an earlier turn is not looked into again.
        """
        seat = number = None
        latest = len(self.user_messages) - 1
        for index in range(latest, -1, -1):
            text = self.user_messages[index]
            if index < latest and tool in self.turn_tools[index]:
                break  # an earlier request, already carried out
            seat = seat or seat_in(text)
            number = number or confirmation_in(text)
            if intent_of(text) == intent:
                break
        return seat, number


class OfflineModel(Model):
    """Rule-based airline agent brain; see the module docstring."""

    def __init__(self, latency_s: float = 0.0) -> None:
        self.latency_s = latency_s

    async def get_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: Any,
        tools: list[Tool],
        output_schema: Any,
        handoffs: list[Handoff],
        tracing: Any,
        *,
        previous_response_id: str | None = None,
        conversation_id: str | None = None,
        prompt: Any = None,
    ) -> ModelResponse:
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        conv = Conversation.parse(input)
        tool_names = {getattr(t, "name", "") for t in tools}
        transfers = {h.agent_name: h.tool_name for h in handoffs}
        output = decide(conv, tool_names, transfers)
        words = sum(len(_text_of(i).split()) for i in input) if isinstance(input, list) else 1
        usage = Usage(requests=1, input_tokens=words, output_tokens=8, total_tokens=words + 8)
        return ModelResponse(output=list(output), usage=usage, response_id=None)

    def stream_response(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("the offline model does not stream")


def _call(conv: Conversation, name: str, arguments: dict[str, str]) -> TResponseOutputItem:
    # Deterministic: a hash of everything the model was shown. An input that already holds a
    # call id can never be the input that id was made from, so ids never repeat in a session.
    seed = f"{conv.digest}:{name}:{json.dumps(arguments, sort_keys=True)}"
    call_id = "call_" + hashlib.sha256(seed.encode()).hexdigest()[:24]
    return function_call(name, arguments, call_id=call_id)


def _say(text: str) -> list[TResponseOutputItem]:
    return [assistant_message(text, item_id="msg_offline")]


def decide(
    conv: Conversation, tools: set[str], transfers: dict[str, str]
) -> Sequence[TResponseOutputItem]:
    """The next output for the agent that has `tools` and can hand off via `transfers`."""
    intent = intent_of(conv.last)
    if "update_seat" in tools:
        return _seat_agent(conv, intent, transfers, tools)
    if "send_invoice" in tools:
        return _invoice_agent(conv, intent, transfers)
    if "faq_lookup_tool" in tools:
        return _faq_agent(conv, intent, transfers)
    if CHECKIN_TOOL in tools:
        reminder = _checkin_reminder(conv, intent)
        if reminder is not None:
            return reminder
    return _triage_agent(conv, intent, transfers)


def _checkin_reminder(conv: Conversation, intent: str | None):
    """Schedule a check-in reminder, asking for the booking first; None: not about that."""
    result = conv.result_of(CHECKIN_TOOL)
    if result is not None:
        return _say(f"Done. {result}" if result.startswith("Check-in reminder") else result)
    previous = len(conv.user_messages) - 2
    answers_my_question = (
        intent is None
        and previous >= 0
        and intent_of(conv.user_messages[previous]) == "checkin"
        and CHECKIN_TOOL not in conv.turn_tools[previous]
    )
    if intent != "checkin" and not answers_my_question:
        return None
    _, number = conv.details("checkin", CHECKIN_TOOL)
    if number is None:
        return _say(
            "I can remind you to check in. What is the confirmation number of your booking?"
        )
    return [_call(conv, CHECKIN_TOOL, {"confirmation_number": number})]


def _back_to_triage(conv: Conversation, intent: str | None, mine: str, transfers: dict[str, str]):
    """Hand back at the start of a turn when the message is not for this specialist.

    A message with no intent stays only if it carries a detail this specialist asked for.
    """
    if conv.calls or "Triage Agent" not in transfers:
        return None
    carries_detail = mine != "faq" and (seat_in(conv.last) or confirmation_in(conv.last))
    if intent == mine or (intent is None and carries_detail):
        return None
    return [_call(conv, transfers["Triage Agent"], {})]


def _triage_agent(conv: Conversation, intent: str | None, transfers: dict[str, str]):
    target = {
        "faq": "FAQ Agent",
        "seat_booking": "Seat Booking Agent",
        "invoice": "Invoice Agent",
    }.get(intent or "")
    if target and target in transfers and conv.handoffs_this_turn() < 2:
        return [_call(conv, transfers[target], {})]
    number = confirmation_in(conv.last)
    if number:
        return _say(
            f"What would you like me to do for booking {number}? "
            "I can change your seat or send you the invoice."
        )
    return _say(GREETING)


def _seat_agent(conv: Conversation, intent: str | None, transfers: dict[str, str], tools: set[str]):
    back = _back_to_triage(conv, intent, "seat_booking", transfers)
    if back:
        return back
    status = conv.result_of("seat_request_status")
    if status is not None:
        return _say(status)
    if asks_approval_status(conv.last) and "seat_request_status" in tools:
        if not conv.approval_ids:
            return _say(
                "I don't see a seat request waiting for approval in our conversation. "
                "Seats in premium and exit rows need a supervisor's approval: tell me the seat "
                "and your confirmation number and I'll submit a request."
            )
        return [_call(conv, "seat_request_status", {"request_id": conv.approval_ids[-1]})]
    result = conv.result_of("update_seat")
    if result is not None:
        return _say(f"Done! {result}" if result.startswith("Seat changed") else result)
    seat, number = conv.details("seat_booking", "update_seat")
    if seat is None:
        return _say("Which seat would you like? Seats look like 12C (rows 1-30, seats A-F).")
    if number is None:
        return _say(
            f"To change your seat to {seat}, I'll need your confirmation number. "
            "Could you please provide that?"
        )
    return [_call(conv, "update_seat", {"confirmation_number": number, "new_seat": seat})]


def _invoice_agent(conv: Conversation, intent: str | None, transfers: dict[str, str]):
    back = _back_to_triage(conv, intent, "invoice", transfers)
    if back:
        return back
    result = conv.result_of("send_invoice")
    if result is not None:
        return _say(f"I've sent it. {result}" if result.startswith("Invoice ") else result)
    _, number = conv.details("invoice", "send_invoice")
    if number is None:
        return _say("I can send you the invoice. What is the confirmation number of your booking?")
    return [_call(conv, "send_invoice", {"confirmation_number": number})]


def _faq_agent(conv: Conversation, intent: str | None, transfers: dict[str, str]):
    back = _back_to_triage(conv, intent, "faq", transfers)
    if back:
        return back
    result = conv.result_of("faq_lookup_tool")
    if result is not None:
        return _say(result)
    return [_call(conv, "faq_lookup_tool", {"question": conv.last})]
