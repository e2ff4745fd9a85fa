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
from functools import lru_cache
from typing import Any

from agents import Handoff, ModelResponse, Tool, Usage
from agents.items import TResponseInputItem, TResponseOutputItem
from agents.models.interface import Model
from agents.testing import assistant_message, function_call

from . import faq, meaning
from .planning import TOOLS, plan

_CHECKIN = re.compile(
    r"\bremind(er)?\b.*\bcheck[\s-]?in\b|\bcheck[\s-]?in\b.*\bremind(er)?\b", re.IGNORECASE
)
CHECKIN_TOOL = "schedule_checkin_reminder"
ESCALATE_TOOL = "escalate_to_human"
# Tools that act on a booking; a turn that called one has carried out its request.
ACTION_TOOLS = frozenset(TOOLS.values())

# "what's the status?", "was my request approved?": how a seat request waiting for approval stands.
_APPROVAL_STATUS = re.compile(r"\b(status|approv\w*|pending|decided)\b", re.IGNORECASE)
_APPROVAL_ID = re.compile(r"\bAPR-[0-9A-F]{8}\b", re.IGNORECASE)
_GREETING = re.compile(
    r"^\W*(hi|hello|hey|hiya|good\s+(morning|afternoon|evening)|greetings)\b", re.I
)
_THANKS = re.compile(
    r"\b(thanks|thank\s+you|thx|cheers|bye|goodbye|good\s*bye|see\s+you|that'?s\s+all|"
    r"nothing\s+else|all\s+good|ok(ay)?|great|perfect)\b",
    re.I,
)
# The marker the agents' instructions carry for the bookings a customer proved (airline.py).
PROVEN = re.compile(r"Proven bookings[^:\n]*:\s*([^\n]*)")
_PROVEN_PAIR = re.compile(r"\b([A-Z0-9]{4,8}) \(last name ([^)]{1,100})\)")
# How a tool's answer starts when the service accepted the passenger's last name.
_ACCEPTED = re.compile(
    r"^(Seat changed|Booking \S+ already has|Seat .* supervisor|Invoice |Booking \S+: )"
)

GREETING = (
    "Hello! I can answer questions about baggage, seats and wifi, change your seat, "
    "or send you the invoice for a booking. What can I do for you?"
)
CAPABILITIES = (
    "I can answer questions about baggage, seats and wifi, change your seat or tell you which "
    "seat you have, send the invoice for a booking, remind you to check in, or put you in "
    "touch with a person."
)
NOT_UNDERSTOOD = f"Sorry, I can't help with that here. {CAPABILITIES}"
FAREWELL = (
    "You're welcome! If you need anything else (a seat change, an invoice, a check-in "
    "reminder), just ask."
)


@lru_cache(maxsize=1024)
def intent_of(text: str) -> str | None:
    """What a customer message is for (kept per text: asked again on every model call).

    "checkin", "seat_booking" (seat changes and looking at the seat), "invoice", "faq",
    "human" (a person is needed), "thanks", "greeting", or None. A message that asks for a seat
    change and the invoice goes to the seat agent, which can do both.
    """
    if _CHECKIN.search(text):
        return "checkin"  # a check-in reminder, scheduled by the triage agent itself
    if meaning.needs_person(text):
        return "human"  # before the actions: "a refund for my seat upgrade" is no seat change
    kinds = meaning.kinds_in(text)
    if kinds & {"seat", "lookup"} or asks_approval_status(text):
        return "seat_booking"
    if "invoice" in kinds:
        return "invoice"
    if faq.topic_of(text):
        return "faq"
    if _GREETING.search(text):
        return "greeting"
    if _THANKS.search(text):
        return "thanks"
    return None


def asks_approval_status(text: str) -> bool:
    """Whether the customer asks how a seat request stands (and names no new seat)."""
    return bool(_APPROVAL_STATUS.search(text)) and not meaning.seats_in(text)


def seat_in(text: str) -> str | None:
    """The last seat that exists in a message ("10b" -> "10B")."""
    found = [seat.code for seat in meaning.seats_in(text) if seat.error is None]
    return found[-1] if found else None


def confirmation_in(text: str) -> str | None:
    """The last token that looks like a confirmation number."""
    found = meaning.numbers_in(text)
    return found[-1] if found else None


def last_name_in(text: str) -> str | None:
    """A last name the customer gave: "my last name is Hopper", "5666 Hopper" or just "Hopper"."""
    return meaning.last_name_in(text, bare_allowed=intent_of(text) is None)


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
    # Bookings whose owner the customer proved (number -> last name), from the instructions
    # (what the session remembers) and from accepted tool calls in the history.
    proven: dict[str, str] = field(default_factory=dict)
    words: int = 1  # in the input's texts: the usage's input tokens

    @classmethod
    def parse(
        cls, items: str | list[TResponseInputItem], instructions: str | None = None
    ) -> "Conversation":
        digest = hashlib.sha256(json.dumps(items, sort_keys=True, default=str).encode())
        remembered = PROVEN.search(instructions or "")
        proven = dict(_PROVEN_PAIR.findall(remembered.group(1))) if remembered else {}
        if isinstance(items, str):
            return cls([items], [set()], digest=digest.hexdigest(), proven=proven)
        conv = cls(user_messages=[], digest=digest.hexdigest(), proven=proven, words=0)
        every_call: dict[str, dict[str, Any]] = {}
        for raw in items:
            item: dict[str, Any] = dict(raw)  # type: ignore[arg-type]
            text = _text_of(item)
            conv.words += len(text.split())
            said = text + " " + str(item.get("output", ""))
            conv.approval_ids += [found.upper() for found in _APPROVAL_ID.findall(said)]
            if item.get("role") == "user":
                conv.user_messages.append(text)
                conv.turn_tools.append(set())
                conv.calls, conv.outputs = [], {}
            elif item.get("type") == "function_call":
                conv.calls.append(item)
                every_call[str(item.get("call_id"))] = item
                if conv.turn_tools:
                    conv.turn_tools[-1].add(str(item.get("name")))
            elif item.get("type") == "function_call_output":
                conv.outputs[str(item.get("call_id"))] = str(item.get("output", ""))
                conv._note_proof(every_call.get(str(item.get("call_id"))), item)
        return conv

    def _note_proof(self, call: dict[str, Any] | None, output: dict[str, Any]) -> None:
        """A booking whose service accepted the last name the call carried is proven."""
        if call is None or call.get("name") not in ACTION_TOOLS:
            return
        if not _ACCEPTED.match(str(output.get("output", ""))):
            return
        try:
            arguments = json.loads(call.get("arguments") or "{}")
        except ValueError:
            return
        number, name = arguments.get("confirmation_number"), arguments.get("last_name")
        if isinstance(number, str) and isinstance(name, str) and name.strip():
            self.proven[number.upper()] = name.strip()

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
        return [r for name, r in self.tool_results() if name == tool]

    def tool_results(self) -> list[tuple[str, str]]:
        """(tool, output) of this turn's calls, in the order they were made."""
        return [
            (str(c["name"]), self.outputs[c["call_id"]])
            for c in self.calls
            if c.get("call_id") in self.outputs
        ]

    def pending(self, kinds: set[str]) -> tuple[str, list[str]] | None:
        """The message that made the open request for one of `kinds`, and the answers since.

        A request whose turn already called an action tool is done: it is not looked into again.
        """
        latest = len(self.user_messages) - 1
        answers: list[str] = []
        for index in range(latest, -1, -1):
            text = self.user_messages[index]
            if index < latest and self.turn_tools[index] & ACTION_TOOLS:
                return None  # an earlier request, already carried out
            if meaning.kinds_in(text) & kinds:
                return text, answers[::-1]
            if index < latest and intent_of(text) not in (None, "thanks"):
                return None  # the customer moved on to something else
            answers.append(text)
        return None


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
        conv = Conversation.parse(input, system_instructions)
        tool_names = {getattr(t, "name", "") for t in tools}
        transfers = {h.agent_name: h.tool_name for h in handoffs}
        output = decide(conv, tool_names, transfers)
        words = conv.words
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
    # A specialist first hands back a message that is not for it.
    if "update_seat" in tools:
        return _back_to_triage(conv, intent, "seat_booking", transfers) or _seat_agent(conv, tools)
    if "send_invoice" in tools:
        return _back_to_triage(conv, intent, "invoice", transfers) or _invoice_agent(conv)
    if "faq_lookup_tool" in tools:
        return _back_to_triage(conv, intent, "faq", transfers) or _faq_agent(conv)
    if CHECKIN_TOOL in tools:
        reminder = _checkin_reminder(conv, intent)
        if reminder is not None:
            return reminder
    if intent == "human" and ESCALATE_TOOL in tools:
        return _escalate(conv)
    return _triage_agent(conv, intent, transfers)


def _escalate(conv: Conversation) -> Sequence[TResponseOutputItem]:
    """Pass the request to a person (with its booking, if named): the call, then its answer."""
    result = conv.result_of(ESCALATE_TOOL)
    if result is not None:
        return _say(result)
    numbers = meaning.numbers_in(conv.last)
    number = numbers[-1] if numbers else ""
    name = meaning.names_by_number(conv.last).get(number) or ""
    if number and not name:
        name = meaning.last_name_in(conv.last, bare_allowed=False) or ""
    arguments = {
        "topic": meaning.needs_person(conv.last) or "human",
        "summary": conv.last,
        "confirmation_number": number,
        "last_name": name,
    }
    return [_call(conv, ESCALATE_TOOL, arguments)]


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
    numbers = meaning.numbers_in(conv.last)
    if not numbers and answers_my_question:
        numbers = meaning.numbers_in(conv.user_messages[previous])
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
    if intent == "thanks":
        return _say(FAREWELL)
    number = confirmation_in(conv.last)
    if number:
        return _say(
            f"What would you like me to do for booking {number}? "
            "I can change your seat or send you the invoice."
        )
    if intent == "greeting" or not conv.last.strip():
        return _say(GREETING)
    return _say(NOT_UNDERSTOOD)


def _reply(results: list[tuple[str, str]]) -> str:
    """What the customer is told about this turn's calls: each result, in the order made."""
    said: list[str] = []
    for tool, result in results:
        if tool == "update_seat" and result.startswith("Seat changed"):
            said.append(f"Done! {result}")
        elif tool == "send_invoice":
            said.append(_invoice_reply(result, also=bool(said)))
        else:
            said.append(result)
    return " ".join(said)


def _act(
    conv: Conversation, kinds: set[str], default: meaning.Kind, tools: set[str]
) -> Sequence[TResponseOutputItem]:
    """Carry out the open request for `kinds`: its calls, or the question it still needs."""
    found = conv.pending(kinds)
    first, answers = found if found else (conv.last, [])
    chosen = plan(first, answers, conv.proven, kinds, default=default)
    if chosen.question:
        return _say(chosen.question)
    calls = [(tool, args) for tool, args in chosen.calls if tool in tools]
    if len(calls) < len(chosen.calls):
        return _say(f"I can't do all of that here. {CAPABILITIES}")
    # All in one response: the calls run concurrently.
    return [_call(conv, tool, args) for tool, args in calls]


def _seat_agent(conv: Conversation, tools: set[str]):
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
    results = [(t, r) for t, r in conv.tool_results() if t in ACTION_TOOLS]
    if results:
        return _say(_reply(results))
    return _act(conv, {"seat", "invoice", "lookup"}, "seat", tools)


def _invoice_reply(result: str, also: bool = False) -> str:
    if not result.startswith("Invoice "):
        return result
    return f"I've also sent the invoice: {result}" if also else f"I've sent it. {result}"


def _invoice_agent(conv: Conversation):
    results = conv.results_of("send_invoice")
    if results:
        if len(results) == 1:
            return _say(_invoice_reply(results[0]))
        sent = [r for r in results if r.startswith("Invoice ")]
        lead = "I've sent them." if len(sent) == len(results) else "Here is what happened:"
        return _say(" ".join([lead, *results]))
    return _act(conv, {"invoice"}, "invoice", {"send_invoice"})


def _faq_agent(conv: Conversation):
    result = conv.result_of("faq_lookup_tool")
    if result is not None:
        return _say(result)
    return [_call(conv, "faq_lookup_tool", {"question": conv.last})]
