"""A person when the customer needs one: asked for, a complaint, a refund, a booking cancelled.

The offline model recognises the wish by what it means (tests try several wordings, and what
must not escalate); the triage agent then calls escalate_to_human and repeats its answer, which
says what was passed on and that nothing was done. The workflow itself: the integration tests.
"""

import pytest
from agents import FunctionTool

from airline_agent.airline import build_agents
from airline_agent.meaning import needs_person
from airline_agent.offline import ESCALATE_TOOL, NOT_UNDERSTOOD, intent_of
from tests.support.offline_chat import Chat, chat, new_chat, tool_names

__all__ = ["chat", "new_chat"]  # fixtures, used by name


def test_the_triage_agent_has_the_tool() -> None:
    tools = {t.name: t for t in build_agents(model="offline")["triage"].tools}
    assert isinstance(tools[ESCALATE_TOOL], FunctionTool)
    properties = tools[ESCALATE_TOOL].params_json_schema["properties"]  # type: ignore[union-attr]
    assert list(properties) == ["topic", "summary", "confirmation_number", "last_name"]


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("I want to talk to a human", "human"),
        ("I want to speak to an agent", "human"),
        ("get me a real person", "human"),
        ("let me speak to a real person please", "human"),
        ("Can you put me through to customer service?", "human"),
        ("please connect me with one of your staff", "human"),
        ("human!", "human"),
        ("agent please", "human"),
        ("I need a representative", "human"),
        ("I want a refund", "refund"),
        ("can I get a refund?", "refund"),
        ("I want my money back for booking 5666", "refund"),
        ("I'd like to be reimbursed", "refund"),
        ("I'd like to file a complaint", "complaint"),
        ("I want to complain about the crew", "complaint"),
        ("this is unacceptable", "complaint"),
        ("cancel my booking", "cancellation"),
        ("I need to cancel the flight to Rome", "cancellation"),
        ("please cancel reservation AB4568", "cancellation"),
        ("could you call off my trip?", "cancellation"),
        ("talk to someone about a refund for my seat upgrade", "refund"),
    ],
)
def test_what_needs_a_person(text: str, topic: str) -> None:
    assert needs_person(text) == topic
    assert intent_of(text) == "human"


@pytest.mark.parametrize(
    "text",
    [
        "cancel my request",
        "cancel that",
        "cancel it",
        "cancel the seat change for my booking",
        "I do not want to cancel my booking",
        "I don't want a refund, just move me to 12C",
        "Can someone change my seat to 12C?",
        "the agent said my seat changed",
        "how much baggage can I bring?",
        "send me the invoice for AB4568 Lovelace",
        "thanks, bye",
    ],
)
def test_what_needs_no_person(text: str) -> None:
    assert needs_person(text) is None
    assert intent_of(text) != "human"


@pytest.mark.parametrize(
    ("message", "topic", "number", "name"),
    [
        ("I want to talk to a human", "human", "", ""),
        ("get me a real person", "human", "", ""),
        ("I'd like to file a complaint", "complaint", "", ""),
        ("I want a refund for AB4568 Lovelace", "refund", "AB4568", "Lovelace"),
        ("cancel my booking 5666, my last name is Hopper", "cancellation", "5666", "Hopper"),
        ("please cancel booking ab 4568", "cancellation", "AB4568", ""),
    ],
)
async def test_the_triage_agent_passes_it_to_a_person(
    chat: Chat, message: str, topic: str, number: str, name: str
) -> None:
    turn = await chat.send(message)
    assert tool_names(turn) == ["escalate_to_human"]
    assert chat.services.escalations == [(topic, message, number, name)]
    # The tool's answer, as it is: a reference, and nothing claimed as done.
    assert turn.reply == chat.services.escalation_result(topic, number)
    assert turn.agent == "triage"


async def test_a_specialist_hands_a_refund_back_to_triage(chat: Chat) -> None:
    await chat.send("change my seat to 12C, booking 5666 Hopper")
    turn = await chat.send("actually, I want a refund instead")
    assert tool_names(turn) == ["escalate_to_human"]
    assert chat.services.escalations[0][0] == "refund"
    assert chat.services.seat_changes == [("5666", "12C")]  # the earlier change, once


async def test_cancel_that_opens_nothing(chat: Chat) -> None:
    turn = await chat.send("cancel that")
    assert tool_names(turn) == []
    assert turn.reply == NOT_UNDERSTOOD
    assert chat.services.escalations == []
