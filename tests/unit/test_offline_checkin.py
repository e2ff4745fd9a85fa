"""The offline model schedules check-in reminders (triage's own tool) and keeps the other flows."""

from collections.abc import Callable

from agents import FunctionTool, function_tool

from airline_agent.airline import build_agents
from airline_agent.checkin import in_words
from airline_agent.offline import CHECKIN_TOOL, intent_of
from tests.unit.test_offline_model import Chat, new_chat, rewire, tool_names

__all__ = ["new_chat"]  # fixture used here


def with_reminders(chat: Chat, scheduled: list[str]) -> Chat:
    """The chat's agents with a local stand-in for the Restate-bound reminder tool."""

    @function_tool(name_override=CHECKIN_TOOL)
    async def schedule_checkin_reminder(confirmation_number: str) -> str:
        """Remind the passenger to check in for the flight of a booking.

        Args:
            confirmation_number: The booking's confirmation number.
        """
        scheduled.append(confirmation_number)
        return (
            f"Check-in reminder scheduled for flight FLT123 (booking {confirmation_number}) "
            "in 24 hours, at 2026-11-27 11:00:00 UTC: it will be mailed to the passenger's "
            "address on the booking and posted in this conversation."
        )

    chat.agents = rewire(
        build_agents(model="offline"),
        {**chat.services.tools(), CHECKIN_TOOL: schedule_checkin_reminder},
    )
    chat.agent = chat.agents["triage"]
    return chat


def test_the_real_tool_has_the_fakes_name_and_parameters() -> None:
    tools = {t.name: t for t in build_agents(model="offline")["triage"].tools}
    tool = tools[CHECKIN_TOOL]
    assert isinstance(tool, FunctionTool)
    assert list(tool.params_json_schema["properties"]) == ["confirmation_number"]


def test_checkin_intent() -> None:
    for text in (
        "remind me to check in for AB4568",
        "Can you remind me to check-in?",
        "please set a check in reminder",
        "I need a reminder to checkin for my flight",
    ):
        assert intent_of(text) == "checkin", text
    for text in ("send me the invoice", "change my seat to 10b", "how much baggage?", "hi"):
        assert intent_of(text) != "checkin", text


async def test_remind_me_to_check_in_schedules_one_reminder(
    new_chat: Callable[..., Chat],
) -> None:
    scheduled: list[str] = []
    chat = with_reminders(new_chat(), scheduled)
    turn = await chat.send("remind me to check in for AB4568")
    assert scheduled == ["AB4568"]
    assert tool_names(turn) == [CHECKIN_TOOL]
    assert turn.agent == "triage" and turn.handoffs == []
    assert turn.reply.startswith("Done. Check-in reminder scheduled for flight FLT123")


async def test_it_asks_for_the_booking_first(new_chat: Callable[..., Chat]) -> None:
    scheduled: list[str] = []
    chat = with_reminders(new_chat(), scheduled)
    asked = await chat.send("can you remind me to check in?")
    assert scheduled == [] and "confirmation number" in asked.reply
    done = await chat.send("it's AB4568")
    assert scheduled == ["AB4568"]
    assert "Check-in reminder scheduled" in done.reply
    # A bare number later is not another reminder request.
    later = await chat.send("XY7890")
    assert scheduled == ["AB4568"]
    assert "What would you like me to do for booking XY7890" in later.reply


async def test_from_a_specialist_it_goes_back_to_triage(new_chat: Callable[..., Chat]) -> None:
    scheduled: list[str] = []
    chat = with_reminders(new_chat(), scheduled)
    await chat.send("send me the invoice for AB4568 Lovelace")
    assert chat.services.invoices == ["AB4568"]
    turn = await chat.send("and remind me to check in for AB4568")
    assert scheduled == ["AB4568"]
    assert turn.agent == "triage"
    assert turn.handoffs == [("Invoice Agent", "Triage Agent")]
    # The other flows still work after it.
    seat = await chat.send("change my seat to 12c for AB4568 Lovelace")
    assert chat.services.seat_changes == [("AB4568", "12C")]
    assert seat.agent == "seat_booking"


def test_delays_in_words() -> None:
    assert in_words(86400) == "in 1 day"
    assert in_words(3 * 86400) == "in 3 days"
    assert in_words(36 * 3600) == "in 36 hours"
    assert in_words(90) == "in 90 seconds"
    assert in_words(10) == "in 10 seconds"
    assert in_words(1) == "in 1 second"
