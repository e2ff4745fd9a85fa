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
# Words that are never a last name, though they may stand where one could.
_NOT_NAMES = frozenset(
    {
        *("a", "an", "and", "also", "again", "as", "at", "booking", "but", "bye"),
        *("confirmation", "flight", "for", "hello", "hey", "hi", "in", "invoice", "invoices"),
        *("is", "it", "my", "no", "now", "number", "of", "ok", "okay", "on", "or", "please"),
        *("seat", "so", "thank", "thanks", "the", "then", "to", "too", "with", "yes"),
        *("good", "morning", "afternoon", "evening", "great", "sure", "fine", "cheers", "help"),
    }
)
_NAME = r"[A-Za-z][A-Za-z'\-]+\b"
# "my last name is Hopper", "surname: van Rossum", "my name is Grace Hopper".
_NAME_PHRASE = re.compile(
    rf"\b(?:last\s*name|surname|family\s*name|my\s+name)\b(?:\s+is|\s*[:=]|'s)?\s*"
    rf"((?:{_NAME}\s*){{1,3}})",
    re.IGNORECASE,
)
# "5666 Hopper", "AB4568, Lovelace": a capitalised word right after a confirmation number.
_NAME_AFTER_NUMBER = re.compile(
    r"\b((?=[A-Za-z]*\d)[A-Za-z0-9]{4,8})\b[,:]?\s+([A-Z][A-Za-z'\-]+)\b(?![\d'\-])"
)
# A reply that is nothing but a name ("Hopper", "Grace Hopper").
_BARE_NAME = re.compile(rf"^\s*({_NAME})(?:\s+({_NAME}))?\s*[.!]?\s*$")

GREETING = (
    "Hello! I can answer questions about baggage, seats and wifi, change your seat, "
    "or send you the invoice for a booking. What can I do for you?"
)


def intent_of(text: str) -> str | None:
    """What a customer message is for: "checkin", "invoice", "seat_booking", "faq" or None.

    A seat change that also asks for the invoice goes to the seat agent, which can do both.
    """
    if _CHECKIN.search(text):
        return "checkin"  # a check-in reminder, scheduled by the triage agent itself
    if _SEAT_CHANGE.search(text) or asks_approval_status(text):
        return "seat_booking"
    if _INVOICE.search(text):
        return "invoice"
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


def confirmations_in(text: str) -> list[str]:
    """Every token that looks like a confirmation number, in order, without repeats."""
    found = [t.upper() for t in _CONFIRMATION.findall(text) if not _SEAT.fullmatch(t)]
    return list(dict.fromkeys(found))


def confirmation_in(text: str) -> str | None:
    """The last token that looks like a confirmation number."""
    found = confirmations_in(text)
    return found[-1] if found else None


def _is_name(word: str) -> bool:
    return word.lower() not in _NOT_NAMES


def last_name_in(text: str) -> str | None:
    """A last name the customer gave: "my last name is Hopper", "5666 Hopper" or just "Hopper"."""
    phrase = _NAME_PHRASE.search(text)
    if phrase:
        words = phrase.group(1).split()
        kept = words[: next((i for i, w in enumerate(words) if not _is_name(w)), len(words))]
        if kept:
            return kept[-1]
    after = [name for _, name in _NAME_AFTER_NUMBER.findall(text) if _is_name(name)]
    if after:
        return after[-1]
    bare = _BARE_NAME.match(text)
    if bare and intent_of(text) is None:
        words = [w for w in bare.groups() if w]
        if all(_is_name(w) for w in words):
            return words[-1]
    return None


def names_by_number(text: str) -> dict[str, str]:
    """Last names given right after a confirmation number: "AB4568 Lovelace and XY7890 Turing"."""
    return {
        number.upper(): name
        for number, name in _NAME_AFTER_NUMBER.findall(text)
        if _is_name(name) and not _SEAT.fullmatch(number)
    }


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

    def results_of(self, tool: str) -> list[str]:
        """The outputs of this turn's calls to `tool`, in the order they were made."""
        return [
            self.outputs[c["call_id"]]
            for c in self.calls
            if c.get("name") == tool and c.get("call_id") in self.outputs
        ]

    def details(self, intent: str, tool: str) -> "Request":
        """What the customer said since the request for `intent` began.

        A request already served by `tool` in an earlier turn is not looked into again.
        """
        request = Request()
        latest = len(self.user_messages) - 1
        for index in range(latest, -1, -1):
            text = self.user_messages[index]
            if index < latest and tool in self.turn_tools[index]:
                break  # an earlier request, already carried out
            request.seat = request.seat or seat_in(text)
            request.numbers = request.numbers or confirmations_in(text)
            request.last_name = request.last_name or last_name_in(text)
            request.names = names_by_number(text) | request.names
            request.wants_invoice = request.wants_invoice or bool(_INVOICE.search(text))
            if intent_of(text) == intent:
                break
        return request


@dataclass
class Request:
    """The details of one customer request, gathered over the messages that make it up."""

    seat: str | None = None
    # The confirmation numbers of the latest message that gave any.
    numbers: list[str] = field(default_factory=list)
    last_name: str | None = None  # the latest one given on its own
    names: dict[str, str] = field(default_factory=dict)  # given right after a number
    wants_invoice: bool = False

    def name_for(self, number: str) -> str | None:
        """The last name the customer gave for `number`."""
        return self.names.get(number) or self.last_name

    def missing_names(self) -> list[str]:
        """The numbers the customer gave no last name for."""
        return [n for n in self.numbers if self.name_for(n) is None]


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


def _hash(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:24]


def _call(conv: Conversation, name: str, arguments: dict[str, str]) -> TResponseOutputItem:
    # Deterministic: a hash of everything the model was shown. An input that already holds a
    # call id can never be the input that id was made from, so ids never repeat in a session.
    seed = f"{conv.digest}:{name}:{json.dumps(arguments, sort_keys=True)}"
    # Item ids as the Responses API makes them (fc_..., distinct from the call_... call id).
    return function_call(
        name, arguments, call_id=f"call_{_hash(seed)}", item_id=f"fc_{_hash(seed)}"
    )


def _say(text: str) -> list[TResponseOutputItem]:
    return [assistant_message(text, item_id=_UNNAMED)]


_UNNAMED = "msg_offline"


def decide(
    conv: Conversation, tools: set[str], transfers: dict[str, str]
) -> Sequence[TResponseOutputItem]:
    """The next output for the agent that has `tools` and can hand off via `transfers`.

    Messages get ids unique in the session (a hash of the input), as a provider's are: a
    history that holds two items with one id is refused by the Responses API.
    """
    output = list(_decide(conv, tools, transfers))
    for index, item in enumerate(output):
        if item.id == _UNNAMED:
            output[index] = item.model_copy(update={"id": f"msg_{_hash(f'{conv.digest}:{index}')}"})
    return output


def _decide(
    conv: Conversation, tools: set[str], transfers: dict[str, str]
) -> Sequence[TResponseOutputItem]:
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
    numbers = conv.details("checkin", CHECKIN_TOOL).numbers
    number = numbers[-1] if numbers else None
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
    carries_detail = mine != "faq" and (
        seat_in(conv.last) or confirmation_in(conv.last) or last_name_in(conv.last)
    )
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


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _ask_last_name(what: str, numbers: list[str]) -> list[TResponseOutputItem]:
    if len(numbers) == 1:
        return _say(
            f"To {what} for booking {numbers[0]}, I need the passenger's last name as proof "
            "that the booking is yours. What is it?"
        )
    return _say(
        f"To {what} for bookings {_and(numbers)}, I need the passenger's last name on each "
        f"booking as proof that they are yours, for example '{numbers[0]} Smith'."
    )


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
        reply = f"Done! {result}" if result.startswith("Seat changed") else result
        invoices = conv.results_of("send_invoice")
        if invoices:
            reply += " " + " ".join(_invoice_reply(r, also=True) for r in invoices)
        return _say(reply)
    request = conv.details("seat_booking", "update_seat")
    seat = request.seat
    if seat is None:
        return _say("Which seat would you like? Seats look like 12C (rows 1-30, seats A-F).")
    if not request.numbers:
        return _say(
            f"To change your seat to {seat}, I'll need your confirmation number and the "
            "passenger's last name. Could you please provide them?"
        )
    number = request.numbers[-1]
    name = request.name_for(number)
    if name is None:
        return _ask_last_name(f"change the seat to {seat}", [number])
    calls = [
        _call(
            conv,
            "update_seat",
            {"confirmation_number": number, "last_name": name, "new_seat": seat},
        )
    ]
    if request.wants_invoice and "send_invoice" in tools:
        # Both in one response: the two tools run concurrently.
        calls.append(
            _call(conv, "send_invoice", {"confirmation_number": number, "last_name": name})
        )
    return calls


def _invoice_reply(result: str, also: bool = False) -> str:
    if not result.startswith("Invoice "):
        return result
    return f"I've also sent the invoice: {result}" if also else f"I've sent it. {result}"


def _invoice_agent(conv: Conversation, intent: str | None, transfers: dict[str, str]):
    back = _back_to_triage(conv, intent, "invoice", transfers)
    if back:
        return back
    results = conv.results_of("send_invoice")
    if results:
        if len(results) == 1:
            return _say(_invoice_reply(results[0]))
        sent = [r for r in results if r.startswith("Invoice ")]
        lead = "I've sent them." if len(sent) == len(results) else "Here is what happened:"
        return _say(" ".join([lead, *results]))
    request = conv.details("invoice", "send_invoice")
    if not request.numbers:
        return _say("I can send you the invoice. What is the confirmation number of your booking?")
    missing = request.missing_names()
    if missing:
        return _ask_last_name("send the invoice", missing)
    # Several bookings: one call each, all in one response, run concurrently.
    return [
        _call(
            conv,
            "send_invoice",
            {"confirmation_number": number, "last_name": request.name_for(number) or ""},
        )
        for number in request.numbers
    ]


def _faq_agent(conv: Conversation, intent: str | None, transfers: dict[str, str]):
    back = _back_to_triage(conv, intent, "faq", transfers)
    if back:
        return back
    result = conv.result_of("faq_lookup_tool")
    if result is not None:
        return _say(result)
    return [_call(conv, "faq_lookup_tool", {"question": conv.last})]
