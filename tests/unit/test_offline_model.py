"""The offline model drives the real agent graph through whole conversations.

The harness (tests/support/offline_chat.py) runs the agents of `build_agents(model="offline")`
under the Agents SDK's plain `Runner.run` (no Restate), with fakes for the tools that need a
Restate context.
"""

import json
from collections.abc import Callable
from typing import Any

import pytest
from agents import Agent, FunctionTool, MaxTurnsExceeded, handoff

from airline_agent import config, faq
from airline_agent.airline import build_agents
from airline_agent.meaning import names_by_number
from airline_agent.models import AgentRole
from airline_agent.offline import (
    GREETING,
    Conversation,
    OfflineModel,
    asks_approval_status,
    confirmation_in,
    decide,
    intent_of,
    last_name_in,
    seat_in,
)
from durable_agents import ChunkedSession, read_items
from tests.support.offline_chat import (
    CABIN,
    MAX_MODEL_CALLS_PER_TURN,
    TRANSFERS,
    Chat,
    FakeObjectState,
    FakeServices,
    Turn,
    chat,
    invoice_call,
    new_chat,
    request_pending,
    rewire,
    seat_call,
    seat_changed,
    tool_names,
)
from tests.support.rules import RULE_CASE, Rule, rule_cases

__all__ = ["chat", "new_chat"]  # fixtures, used by name

# --------------------------------------------------------------------------------------------
# The harness itself matches the real agents
# --------------------------------------------------------------------------------------------


def test_fake_tools_have_the_real_names_and_parameters() -> None:
    real = build_agents(model="offline")
    fakes = FakeServices().tools()
    for role, name in (
        ("seat_booking", "update_seat"),
        ("seat_booking", "seat_request_status"),
        ("seat_booking", "booking_details"),
        ("invoice", "send_invoice"),
        ("faq", "faq_lookup_tool"),
    ):
        (tool,) = [t for t in real[role].tools if getattr(t, "name", None) == name]
        assert isinstance(tool, FunctionTool)
        fake_schema, real_schema = fakes[name].params_json_schema, tool.params_json_schema
        assert fake_schema["properties"].keys() == real_schema["properties"].keys()
        assert fake_schema["required"] == real_schema["required"]


def test_rewired_graph_has_the_real_shape_and_fake_tools() -> None:
    services = FakeServices()
    fakes = services.tools()
    agents = rewire(build_agents(model="offline"), fakes)
    triage = agents["triage"]
    assert [a.name for a in triage.handoffs] == ["FAQ Agent", "Seat Booking Agent", "Invoice Agent"]  # type: ignore[union-attr]
    for role in ("faq", "seat_booking", "invoice"):
        assert agents[role] in triage.handoffs
        assert agents[role].handoffs == [triage]
        assert agents[role].model == "offline"
    assert agents["seat_booking"].tools == [
        fakes["update_seat"],
        fakes["seat_request_status"],
        fakes["send_invoice"],
        fakes["booking_details"],
    ]
    assert agents["invoice"].tools == [fakes["send_invoice"]]
    assert [t.name for t in agents["faq"].tools] == ["faq_lookup_tool"]


# --------------------------------------------------------------------------------------------
# Conversations
# --------------------------------------------------------------------------------------------


async def test_invoice_request_sends_the_invoice_once(chat: Chat) -> None:
    turn = await chat.send("can you send me an invoice for booking AB4568 Lovelace?")
    assert chat.services.invoices == ["AB4568"]
    assert chat.services.last_names == ["Lovelace"]
    assert chat.services.seat_changes == []
    assert "invoice" in turn.reply.lower()
    assert "INV-AB4568-0001" in turn.reply
    assert turn.agent == "invoice"
    assert turn.handoffs == [("Triage Agent", "Invoice Agent")]
    assert turn.calls == [
        ("transfer_to_invoice_agent", {}),
        invoice_call("AB4568", "Lovelace"),
    ]
    assert turn.model_calls == 3
    assert set(chat.provider.names) == {"offline"}


async def test_seat_change_asks_for_the_number_then_changes_once(chat: Chat) -> None:
    first = await chat.send("can you change my seat to 10b?")
    assert "confirmation number" in first.reply and "last name" in first.reply
    assert "10B" in first.reply
    assert first.agent == "seat_booking"
    assert tool_names(first) == []
    assert chat.services.seat_changes == []

    second = await chat.send("5666 Hopper")
    assert chat.services.seat_changes == [("5666", "10B")]
    assert second.calls == [seat_call("5666", "Hopper", "10B")]
    assert "Seat changed" in second.reply and "10B" in second.reply
    assert second.agent == "seat_booking"
    assert second.model_calls == 2

    third = await chat.send("thanks")
    assert chat.services.seat_changes == [("5666", "10B")]
    assert tool_names(third) == []
    assert third.model_calls <= MAX_MODEL_CALLS_PER_TURN


async def test_seat_and_number_in_one_message(chat: Chat) -> None:
    turn = await chat.send(
        "Please change my seat to 12c, my confirmation number is ab4568, last name lovelace"
    )
    assert chat.services.seat_changes == [("AB4568", "12C")]
    assert chat.services.last_names == ["lovelace"]
    assert turn.agent == "seat_booking"
    assert turn.model_calls == 3


async def test_number_first_then_seat(chat: Chat) -> None:
    first = await chat.send("I want to change my seat, booking 5666 Hopper")
    assert "Which seat" in first.reply
    assert chat.services.seat_changes == []
    await chat.send("3a please")
    assert chat.services.seat_changes == [("5666", "3A")]


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("how much baggage can I bring?", "baggage"),
        ("Can I take a suitcase as carry-on?", "baggage"),
        ("is there wifi on board?", "wifi"),
        ("How do I get internet access during the flight?", "wifi"),
        ("how many seats are on the plane?", "seats"),
    ],
)
async def test_faq_questions_are_answered_from_the_faq(
    chat: Chat, question: str, topic: str
) -> None:
    turn = await chat.send(question)
    assert turn.reply == (faq.ANSWERS.get(topic) or faq.seats_answer(CABIN))
    assert turn.agent == "faq"
    assert turn.calls == [
        ("transfer_to_faq_agent", {}),
        ("faq_lookup_tool", {"question": question}),
    ]
    assert chat.services.seat_changes == [] and chat.services.invoices == []


@pytest.mark.parametrize(
    "question", ["is there wifi on the plane?", "Does the aircraft have internet?"]
)
async def test_wifi_on_the_plane_gets_the_wifi_answer(
    new_chat: Callable[..., Chat], question: str
) -> None:
    # "plane" once made this the seat-count answer (seats were checked before wifi).
    chat = new_chat()
    turn = await chat.send(question)
    assert turn.reply == faq.ANSWERS["wifi"]


async def test_faq_agent_answers_follow_up_questions_itself(chat: Chat) -> None:
    await chat.send("what about wifi?")
    turn = await chat.send("and how much luggage may I bring?")
    assert turn.reply == faq.ANSWERS["baggage"]
    assert turn.handoffs == []
    assert turn.model_calls == 2


async def test_topic_change_hands_back_to_triage_and_on_to_invoices(chat: Chat) -> None:
    await chat.send("can you change my seat to 10b?")
    await chat.send("5666 Hopper")
    assert chat.services.seat_changes == [("5666", "10B")]

    turn = await chat.send("now send me the invoice for XY7890 Turing")
    assert turn.handoffs == [
        ("Seat Booking Agent", "Triage Agent"),
        ("Triage Agent", "Invoice Agent"),
    ]
    assert chat.services.invoices == ["XY7890"]
    assert chat.services.seat_changes == [("5666", "10B")]  # no second seat change
    assert turn.agent == "invoice"
    assert "INV-XY7890" in turn.reply
    assert turn.model_calls == MAX_MODEL_CALLS_PER_TURN


async def test_from_invoices_to_faq_to_seats(chat: Chat) -> None:
    await chat.send("send me the receipt for booking LM1234 Johnson")
    assert chat.services.invoices == ["LM1234"]

    faq_turn = await chat.send("is there wifi?")
    assert faq_turn.reply == faq.ANSWERS["wifi"]
    assert faq_turn.handoffs == [("Invoice Agent", "Triage Agent"), ("Triage Agent", "FAQ Agent")]

    seat_turn = await chat.send("switch my seat to 22F")
    assert seat_turn.agent == "seat_booking"
    # The booking proven for the invoice is the customer's: no need to ask again.
    assert chat.services.seat_changes == [("LM1234", "22F")]
    assert chat.services.last_names == ["Johnson", "Johnson"]
    assert "LM1234" in seat_turn.reply
    assert chat.services.invoices == ["LM1234"]


@pytest.mark.parametrize("greeting", ["hi", "Hello!", "good morning"])
async def test_greeting(chat: Chat, greeting: str) -> None:
    turn = await chat.send(greeting)
    assert turn.reply == GREETING
    assert turn.agent == "triage"
    assert turn.calls == []
    assert turn.model_calls == 1


async def test_confirmation_number_alone_asks_what_to_do(chat: Chat) -> None:
    turn = await chat.send("AB4568")
    assert "AB4568" in turn.reply
    assert "change your seat" in turn.reply and "invoice" in turn.reply
    assert turn.agent == "triage"
    assert turn.model_calls == 1


async def test_seat_tool_error_is_relayed_without_retrying(chat: Chat) -> None:
    error = "The seat was not changed: seat 14C on flight FLT123 is taken."
    chat.services.seat_result = lambda number, seat: error

    turn = await chat.send("change my seat to 14C, confirmation number 5666 Hopper")
    assert turn.reply == error
    assert chat.services.seat_changes == [("5666", "14C")]
    assert turn.model_calls == 3

    # Not carried out, but answered: the next message does not retry it behind the scenes.
    after = await chat.send("ok")
    assert chat.services.seat_changes == [("5666", "14C")]
    assert after.model_calls <= MAX_MODEL_CALLS_PER_TURN

    # The customer picks another seat; that is one new call.
    chat.services.seat_result = seat_changed
    await chat.send("then change my seat to 15C")
    await chat.send("5666 Hopper")
    assert chat.services.seat_changes == [("5666", "14C"), ("5666", "15C")]


async def test_invoice_tool_error_is_relayed_without_retrying(chat: Chat) -> None:
    error = "No invoice was sent: there is no booking ZZ9999."
    chat.services.invoice_result = lambda number: error
    turn = await chat.send("send me the invoice for ZZ9999 Nobody")
    assert turn.reply == error
    assert chat.services.invoices == ["ZZ9999"]
    assert turn.model_calls == 3


async def test_invoice_agent_asks_for_the_number(chat: Chat) -> None:
    first = await chat.send("I need my invoice")
    assert "confirmation number" in first.reply
    assert chat.services.invoices == []
    second = await chat.send("it's qr2468")
    assert "last name" in second.reply
    assert chat.services.invoices == []
    await chat.send("Dijkstra")
    assert chat.services.invoices == ["QR2468"]
    assert chat.services.last_names == ["Dijkstra"]


async def test_no_change_without_the_last_name(chat: Chat) -> None:
    first = await chat.send("change my seat to 12C, booking 5666")
    assert "last name" in first.reply and "5666" in first.reply
    assert chat.services.seat_changes == []
    second = await chat.send("my last name is Hopper")
    assert chat.services.seat_changes == [("5666", "12C")]
    assert chat.services.last_names == ["Hopper"]
    assert second.agent == "seat_booking"


async def test_invoices_for_two_bookings_in_one_model_response(chat: Chat) -> None:
    turn = await chat.send("send me the invoices for AB4568 Lovelace and XY7890 Turing")
    assert chat.services.invoices == ["AB4568", "XY7890"]
    assert chat.services.last_names == ["Lovelace", "Turing"]
    # One model response holds both calls: the transfer, the two calls, then the reply.
    assert turn.model_calls == 3
    assert "INV-AB4568" in turn.reply and "INV-XY7890" in turn.reply


async def test_two_bookings_need_a_name_each(chat: Chat) -> None:
    first = await chat.send("send me the invoices for AB4568 and XY7890")
    assert "AB4568 and XY7890" in first.reply and "last name" in first.reply
    assert chat.services.invoices == []
    await chat.send("AB4568 Lovelace, XY7890 Turing")
    assert chat.services.invoices == ["AB4568", "XY7890"]
    assert chat.services.last_names == ["Lovelace", "Turing"]


async def test_seat_change_and_invoice_in_one_model_response(chat: Chat) -> None:
    first = await chat.send("change my seat to 12C and send the invoice")
    assert first.agent == "seat_booking"
    assert "confirmation number" in first.reply
    second = await chat.send("5666 Hopper")
    assert second.calls == [
        seat_call("5666", "Hopper", "12C"),
        invoice_call("5666", "Hopper"),
    ]
    assert second.model_calls == 2  # both calls came in one response
    assert chat.services.seat_changes == [("5666", "12C")]
    assert chat.services.invoices == ["5666"]
    assert "Seat changed" in second.reply and "INV-5666" in second.reply


async def test_two_tools_of_one_response_share_one_model_output() -> None:
    agents = build_agents(model="offline")
    history: list[Any] = [
        {"role": "user", "content": "change my seat to 12C and send the invoice, 5666 Hopper"}
    ]
    output = await _respond(OfflineModel(), agents["seat_booking"], history)
    assert [o["name"] for o in output] == ["update_seat", "send_invoice"]
    assert len({o["call_id"] for o in output}) == 2


VARIED_INPUTS = [
    "",
    " ",
    "\n\t",
    "asdf qwer zxcv",
    "x" * 5000,
    "change my seat " * 300 + "to 10b",
    "¿Puedo cambiar mi asiento? 🛫 ✈️ 日本語のメッセージ",
    "AB4568",
    "10B",
    "seat 10b",
    "change my seat",
    "invoice",
    "thanks",
    "wifi?",
    "change seat to 31Z",
    "send invoice for booking 12345678 and change my seat to 3a",
    "AB4568 5666 XY7890",
]


@pytest.mark.parametrize("message", VARIED_INPUTS, ids=lambda m: repr(m[:24]))
async def test_any_input_is_answered_in_a_few_steps(
    new_chat: Callable[..., Chat], message: str
) -> None:
    """Whichever agent the conversation is at, a reply comes without a handoff loop."""
    starts: list[AgentRole] = ["triage", "faq", "seat_booking", "invoice"]
    for start in starts:
        chat = new_chat(start=start)
        turn = await chat.send(message)
        assert turn.reply.strip(), start
        assert 1 <= turn.model_calls <= MAX_MODEL_CALLS_PER_TURN, start
        assert len(turn.handoffs) <= 2, start
        assert len(chat.services.seat_changes) + len(chat.services.invoices) <= 1, start


SCRIPT = [
    "can you change my seat to 10b?",
    "5666 Hopper",
    "thanks",
    "is there wifi on board?",
    "send me the invoice for 5666, my last name is Hopper",
    "how much baggage can I bring?",
]


async def run_script(chat: Chat, rounds: int) -> list[Turn]:
    turns = []
    for index in range(rounds * len(SCRIPT)):
        try:
            turns.append(await chat.send(SCRIPT[index % len(SCRIPT)]))
        except MaxTurnsExceeded:
            pytest.fail(f"turn {index} ({SCRIPT[index % len(SCRIPT)]!r}) exceeded max turns")
    return turns


async def test_long_conversation_serves_each_request_once(chat: Chat) -> None:
    rounds = 3
    turns = await run_script(chat, rounds)
    assert chat.services.seat_changes == [("5666", "10B")] * rounds
    assert chat.services.invoices == ["5666"] * rounds
    assert max(t.model_calls for t in turns) <= MAX_MODEL_CALLS_PER_TURN
    assert [t.reply for t in turns[3 :: len(SCRIPT)]] == [faq.ANSWERS["wifi"]] * rounds

    # Call ids are unique within the conversation, and every call has its output.
    items = await chat.session.get_items()
    call_ids = [i["call_id"] for i in items if i.get("type") == "function_call"]
    assert len(call_ids) >= rounds * len(SCRIPT)
    assert len(call_ids) == len(set(call_ids))
    outputs = [i["call_id"] for i in items if i.get("type") == "function_call_output"]
    assert sorted(outputs) == sorted(call_ids)


async def test_long_conversation_with_the_services_history_window(
    new_chat: Callable[..., Chat],
) -> None:
    """As the service runs it: ChunkedSession with the configured window, flushed every turn.

    Regression: call ids were once derived from the number of user messages the model saw. Once
    the history outgrew the window that number stopped growing, an id repeated, the SDK merged
    the new call into the old one (it deduplicates input items by call id), the model never saw
    its own call and repeated it until MaxTurnsExceeded (turn 19 of this script).
    """
    state = FakeObjectState()
    memory = ChunkedSession(state, 0, config.HISTORY_WINDOW)  # type: ignore[arg-type]
    chat = new_chat(session=memory)
    rounds = 4
    for index in range(rounds * len(SCRIPT)):
        message = SCRIPT[index % len(SCRIPT)]
        try:
            turn = await chat.send(message)
        except MaxTurnsExceeded:
            pytest.fail(f"turn {index} ({message!r}) exceeded max turns")
        assert turn.model_calls <= MAX_MODEL_CALLS_PER_TURN, (index, message)
        await memory.flush()
        chat.session = memory = ChunkedSession(state, memory.count, config.HISTORY_WINDOW)  # type: ignore[arg-type]
    assert chat.services.seat_changes == [("5666", "10B")] * rounds
    assert chat.services.invoices == ["5666"] * rounds

    everything = await read_items(state, memory.count)  # type: ignore[arg-type]
    assert len(everything) > 2 * config.HISTORY_WINDOW  # the model saw only part of it
    call_ids = [i["call_id"] for i in everything if i.get("type") == "function_call"]
    assert len(call_ids) == len(set(call_ids))


# --------------------------------------------------------------------------------------------
# Determinism and call ids
# --------------------------------------------------------------------------------------------


def _model_inputs(agent: Agent[Any]) -> tuple[list[Any], list[Any]]:
    tools = list(agent.tools)
    handoffs = [handoff(target) for target in agent.handoffs]  # type: ignore[arg-type]
    return tools, handoffs


async def _respond(model: OfflineModel, agent: Agent[Any], items: Any) -> list[dict[str, Any]]:
    tools, handoffs = _model_inputs(agent)
    response = await model.get_response(None, items, None, tools, None, handoffs, None)
    return [item.model_dump() for item in response.output]


async def test_offline_model_is_deterministic() -> None:
    agents = build_agents(model="offline")
    history: list[Any] = [
        {"role": "user", "content": "can you change my seat to 10b?"},
        {"role": "assistant", "type": "message", "content": [{"type": "output_text", "text": "?"}]},
        {"role": "user", "content": "5666 Hopper"},
    ]
    for role in ("triage", "seat_booking"):
        first = await _respond(OfflineModel(), agents[role], history)
        second = await _respond(OfflineModel(), agents[role], [dict(i) for i in history])
        assert first == second
    seat = await _respond(OfflineModel(), agents["seat_booking"], history)
    assert seat[0]["type"] == "function_call"
    assert seat[0]["name"] == "update_seat"
    assert json.loads(seat[0]["arguments"]) == {
        "confirmation_number": "5666",
        "last_name": "Hopper",
        "new_seat": "10B",
    }
    assert seat[0]["call_id"].startswith("call_")


async def test_offline_model_accepts_a_plain_string_and_reports_usage() -> None:
    agents = build_agents(model="offline")
    tools, handoffs = _model_inputs(agents["triage"])
    response = await OfflineModel().get_response(None, "hi", None, tools, None, handoffs, None)
    (message,) = response.output
    assert message.content[0].text == GREETING  # type: ignore[union-attr]
    assert response.usage.requests == 1
    with pytest.raises(NotImplementedError):
        OfflineModel().stream_response()


async def test_same_conversation_twice_gives_identical_history(
    new_chat: Callable[..., Chat],
) -> None:
    histories = []
    for _ in range(2):
        chat = new_chat()
        for message in SCRIPT:
            await chat.send(message)
        histories.append(await chat.session.get_items())
    assert histories[0] == histories[1]


# --------------------------------------------------------------------------------------------
# The rules, without the SDK
# --------------------------------------------------------------------------------------------


INTENT_OF_CASES = [
    ("can you send me an invoice for booking AB4568?", "invoice"),
    ("I need a receipt", "invoice"),
    ("please send the bill", "invoice"),
    ("INVOICES please", "invoice"),
    ("change my seat and send the invoice", "seat_booking"),
    ("can you change my seat to 10b?", "seat_booking"),
    ("I want a window seat", "seat_booking"),
    ("switch seat", "seat_booking"),
    ("seat 10b", "seat_booking"),
    ("my seat to 12C please", "seat_booking"),
    ("how much baggage can I bring?", "faq"),
    ("is there wifi?", "faq"),
    ("how many seats are on the plane?", "faq"),
    ("Which are the exit row seats?", "faq"),
    ("hello", "greeting"),
    ("thanks", "thanks"),
    ("thanks, bye", "thanks"),
    ("what's my seat?", "seat_booking"),
    ("which seat am I in", "seat_booking"),
    ("I want to talk to a human", "human"),
    ("cancel my booking", "human"),
    ("I want a refund", "human"),
    ("book me a hotel", None),
    ("AB4568", None),
    ("10B", None),
    ("", None),
    ("billing address", None),
]

SEAT_IN_CASES = [
    ("10b", "10B"),
    ("seat 07a", "7A"),
    ("change my seat to 1 f please", "1F"),
    ("from 3C to 12d", "12D"),
    ("12C.", "12C"),
    ("AB4568", None),
    ("5666", None),
    ("10G", None),
    ("100B", None),
    ("10BB", None),
    ("", None),
    ("seat", None),
]

CONFIRMATION_IN_CASES = [
    ("AB4568", "AB4568"),
    ("5666", "5666"),
    ("booking ab4568 please", "AB4568"),
    ("change seat to 12C, booking 5666", "5666"),
    ("AB4568 5666", "5666"),
    ("12345678", "12345678"),
    ("123456789", None),
    ("123", None),
    ("10B", None),
    ("seat 10b", None),
    ("hello there", None),
    ("ABCDEF", None),
    ("", None),
]

LAST_NAME_IN_CASES = [
    ("my last name is Hopper", "Hopper"),
    ("Last name: hopper", "hopper"),
    ("surname is van Rossum", "Rossum"),
    ("my name is Grace Hopper, please", "Hopper"),
    ("5666 Hopper", "Hopper"),
    ("booking AB4568, Lovelace", "Lovelace"),
    ("Hopper", "Hopper"),
    ("Grace Hopper.", "Hopper"),
    ("5666 hopper", None),
    ("AB4568 5666 XY7890", None),
    ("send me the invoices for AB4568 and XY7890", None),
    ("hello", None),
    ("good morning", None),
    ("thanks", None),
    ("wifi?", None),
    ("10B", None),
    ("", None),
]


@pytest.mark.parametrize(
    RULE_CASE,
    rule_cases(
        {
            intent_of: INTENT_OF_CASES,
            seat_in: SEAT_IN_CASES,
            confirmation_in: CONFIRMATION_IN_CASES,
            last_name_in: LAST_NAME_IN_CASES,
        }
    ),
)
def test_a_rule_reads_the_text(rule: Rule, text: str, expected: str | None) -> None:
    assert rule(text) == expected


def test_names_by_number() -> None:
    assert names_by_number("AB4568 Lovelace and XY7890 Turing") == {
        "AB4568": "Lovelace",
        "XY7890": "Turing",
    }
    assert names_by_number("AB4568 and XY7890 Please") == {}


def test_parse_a_string_is_one_user_message() -> None:
    conv = Conversation.parse("hi")
    assert conv.user_messages == ["hi"]
    assert conv.last == "hi"
    assert conv.calls == []


def test_parse_keeps_this_turns_calls_and_outputs() -> None:
    conv = Conversation.parse(
        [
            {"role": "user", "content": [{"type": "input_text", "text": "send invoice AB4568"}]},
            {"type": "function_call", "name": "send_invoice", "call_id": "a", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "a", "output": "Invoice 1 was sent."},
            {"role": "user", "content": "change my seat"},
            {"type": "function_call", "name": "transfer_to_triage_agent", "call_id": "b"},
            {"type": "function_call_output", "call_id": "b", "output": "{}"},
            {"type": "function_call", "name": "transfer_to_seat_booking_agent", "call_id": "c"},
        ]
    )
    assert conv.user_messages == ["send invoice AB4568", "change my seat"]
    assert conv.turn_tools == [
        {"send_invoice"},
        {"transfer_to_triage_agent", "transfer_to_seat_booking_agent"},
    ]
    assert [c["call_id"] for c in conv.calls] == ["b", "c"]
    assert conv.result_of("send_invoice") is None  # an earlier turn's result
    assert conv.result_of("transfer_to_triage_agent") == "{}"
    assert conv.handoffs_this_turn() == 2


def test_a_request_already_carried_out_is_not_pending() -> None:
    conv = Conversation.parse(
        [
            {"role": "user", "content": "change my seat to 10B, booking 5666"},
            {"type": "function_call", "name": "update_seat", "call_id": "a"},
            {"type": "function_call_output", "call_id": "a", "output": "Seat changed."},
            {"role": "user", "content": "now 12C"},
        ]
    )
    assert conv.pending({"seat"}) is None


def test_triage_stops_handing_off_after_two_handoffs() -> None:
    conv = Conversation.parse(
        [
            {"role": "user", "content": "change my seat"},
            {"type": "function_call", "name": "transfer_to_seat_booking_agent", "call_id": "a"},
            {"type": "function_call_output", "call_id": "a", "output": "{}"},
            {"type": "function_call", "name": "transfer_to_triage_agent", "call_id": "b"},
            {"type": "function_call_output", "call_id": "b", "output": "{}"},
        ]
    )
    transfers = {k: v for k, v in TRANSFERS.items() if k != "Triage Agent"}
    (reply,) = decide(conv, set(), transfers)
    assert reply.type == "message"


def test_specialist_hands_back_only_at_the_start_of_a_turn() -> None:
    back = {"Triage Agent": TRANSFERS["Triage Agent"]}
    fresh = Conversation.parse([{"role": "user", "content": "is there wifi?"}])
    (out,) = decide(fresh, {"update_seat"}, back)
    assert out.type == "function_call" and out.name == "transfer_to_triage_agent"  # type: ignore[union-attr]

    handed = Conversation.parse(
        [
            {"role": "user", "content": "is there wifi?"},
            {"type": "function_call", "name": "transfer_to_seat_booking_agent", "call_id": "a"},
            {"type": "function_call_output", "call_id": "a", "output": "{}"},
        ]
    )
    (out,) = decide(handed, {"update_seat"}, back)
    assert out.type == "message"


@pytest.mark.parametrize(
    ("tools", "message", "expected"),
    [
        ({"update_seat"}, "12C", "confirmation number"),
        ({"update_seat"}, "AB4568", "Which seat"),
        ({"send_invoice"}, "10B", "confirmation number"),
    ],
)
def test_specialist_keeps_a_detail_it_asked_for(
    tools: set[str], message: str, expected: str
) -> None:
    conv = Conversation.parse([{"role": "user", "content": message}])
    (out,) = decide(conv, tools, {"Triage Agent": TRANSFERS["Triage Agent"]})
    assert out.type == "message"
    assert expected in out.content[0].text  # type: ignore[union-attr]


def test_faq_agent_does_not_keep_a_bare_confirmation_number() -> None:
    conv = Conversation.parse([{"role": "user", "content": "AB4568"}])
    (out,) = decide(conv, {"faq_lookup_tool"}, {"Triage Agent": TRANSFERS["Triage Agent"]})
    assert out.type == "function_call" and out.name == "transfer_to_triage_agent"  # type: ignore[union-attr]


def test_call_ids_depend_on_position_and_arguments() -> None:
    def call_id(items: list[Any]) -> str:
        (out,) = decide(Conversation.parse(items), {"send_invoice"}, {})
        return out.call_id  # type: ignore[union-attr]

    one = [{"role": "user", "content": "invoice AB4568 Lovelace"}]
    other = [{"role": "user", "content": "invoice XY7890 Lovelace"}]
    later = [
        {"role": "user", "content": "hi"},
        {"role": "user", "content": "invoice AB4568 Lovelace"},
    ]
    assert call_id(one) == call_id(list(one))
    assert len({call_id(one), call_id(other), call_id(later)}) == 3


# --------------------------------------------------------------------------------------------
# Seats that need a supervisor's approval
# --------------------------------------------------------------------------------------------


def approval_submitted(number: str, seat: str) -> str:
    return (
        f"Seat {seat} is in a premium row (rows 1-4), so a supervisor has to approve the change. "
        f"I submitted request APR-1A2B3C4D for booking {number}; you will get a message here "
        "and an e-mail once it is decided. Until then your seat stays 5B."
    )


async def test_premium_seat_submits_a_request_then_reports_its_status(chat: Chat) -> None:
    chat.services.seat_result = approval_submitted
    first = await chat.send("change my seat to 2A, booking 5666 Hopper")
    assert chat.services.seat_changes == [("5666", "2A")]
    assert "APR-1A2B3C4D" in first.reply and "supervisor" in first.reply
    assert first.model_calls == 3

    second = await chat.send("what's the status?")
    assert chat.services.status_checks == ["APR-1A2B3C4D"]
    assert second.calls == [("seat_request_status", {"request_id": "APR-1A2B3C4D"})]
    assert second.reply == request_pending("APR-1A2B3C4D")
    assert second.agent == "seat_booking"
    assert chat.services.seat_changes == [("5666", "2A")]  # asking is not asking again
    assert second.model_calls == 2


async def test_status_question_reaches_the_seat_agent_from_elsewhere(chat: Chat) -> None:
    chat.services.seat_result = approval_submitted
    await chat.send("please move my seat to 3C, confirmation 5666 Hopper")
    await chat.send("send me the invoice for 5666 Hopper")
    turn = await chat.send("was my seat request approved?")
    assert turn.handoffs == [
        ("Invoice Agent", "Triage Agent"),
        ("Triage Agent", "Seat Booking Agent"),
    ]
    assert chat.services.status_checks == ["APR-1A2B3C4D"]
    assert turn.model_calls <= MAX_MODEL_CALLS_PER_TURN


async def test_status_question_without_a_request_is_answered_without_tools(chat: Chat) -> None:
    turn = await chat.send("what's the status?")
    assert "don't see a seat request" in turn.reply
    assert tool_names(turn) == []
    assert chat.services.status_checks == []


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("what's the status?", True),
        ("Is it approved yet?", True),
        ("still pending?", True),
        ("change my seat to 2A, does that need approval?", False),  # a new request
        ("send me the invoice", False),
    ],
)
def test_asks_approval_status(text: str, asks: bool) -> None:
    assert asks_approval_status(text) is asks
    if asks:
        assert intent_of(text) == "seat_booking"
