"""Each action applies to the booking named for it; the session remembers what was proven.

Conversations through the real agent graph on the offline model (tests/support/offline_chat.py).
The phrasings vary on purpose: the rules are about what the customer means, so a new wording of
the same request must give the same calls, or a question, never a call on the wrong booking.
"""

import pytest

from airline_agent.meaning import numbers_in, read, seats_in
from airline_agent.models import AirlineContext
from airline_agent.offline import FAREWELL, NOT_UNDERSTOOD
from tests.support.offline_chat import (
    Call,
    Chat,
    chat,
    details_call,
    invoice_call,
    new_chat,
    seat_call,
    tool_names,
)

__all__ = ["chat", "new_chat"]  # fixtures, used by name


SEAT_5666 = seat_call("5666", "Hopper", "6A")
SEAT_AB4568 = seat_call("AB4568", "Lovelace", "7C")
INVOICE_AB4568 = invoice_call("AB4568", "Lovelace")


def actions(chat_turn_calls: list[tuple[str, dict[str, str]]]) -> list[tuple[str, dict[str, str]]]:
    return [call for call in chat_turn_calls if not call[0].startswith("transfer_to_")]


SEAT_AND_INVOICE = [
    "change seat for 5666 Hopper to 6A and send the invoice for AB4568 Lovelace",
    "For 5666 Hopper I'd like seat 6A. Also the invoice for AB4568 Lovelace please",
    "please move 5666 Hopper into 6A, and mail me the receipt of AB4568 Lovelace",
    "Switch booking 5666 Hopper to seat 6a; then the bill for ab4568 Lovelace",
]
TWO_SEATS = [
    "move 5666 Hopper to 6A and AB4568 Lovelace to 7C",
    "seat 6A for 5666 Hopper, seat 7C for AB4568 Lovelace",
    "Please change the seats: 5666 Hopper -> 6A, AB4568 Lovelace -> 7C.",
    "change seats of 5666 Hopper and AB4568 Lovelace to 6A and 7C",
]


@pytest.mark.parametrize(
    ("message", "calls", "mentioned"),
    [
        *[
            (message, [SEAT_5666, INVOICE_AB4568], ["5666", "INV-AB4568"])
            for message in SEAT_AND_INVOICE
        ],
        *[(message, [SEAT_5666, SEAT_AB4568], ["6A", "7C"]) for message in TWO_SEATS],
    ],
)
async def test_two_requests_for_two_bookings_are_two_calls(
    chat: Chat, message: str, calls: list[Call], mentioned: list[str]
) -> None:
    """A seat change and an invoice, or two seat changes: each call for its own booking."""
    turn = await chat.send(message)
    assert actions(turn.calls) == calls, turn.reply
    seats = [(a["confirmation_number"], a["new_seat"]) for n, a in calls if n == "update_seat"]
    invoiced = [a["confirmation_number"] for n, a in calls if n == "send_invoice"]
    assert chat.services.seat_changes == seats
    assert chat.services.invoices == invoiced
    assert all(word in turn.reply for word in mentioned), turn.reply


@pytest.mark.parametrize(
    "message",
    [
        "send the invoice for AB4568 Lovelace and move 5666 Hopper to 6A",
        "Invoice for AB4568 Lovelace please, and put 5666 Hopper in 6A",
    ],
)
async def test_the_invoice_first_then_the_seat(chat: Chat, message: str) -> None:
    turn = await chat.send(message)
    assert sorted(actions(turn.calls), key=lambda c: c[0]) == [INVOICE_AB4568, SEAT_5666]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("change the seats of 5666 Hopper and AB4568 Lovelace to 6A", "which booking"),
        ("move 5666 Hopper to 6A and 7C", "which one"),
        ("move 5666 Hopper, AB4568 Lovelace and XY7890 Turing to 6A and 7C", "pair each booking"),
    ],
)
async def test_unclear_pairs_get_a_question_and_nothing_is_done(
    chat: Chat, message: str, expected: str
) -> None:
    turn = await chat.send(message)
    assert expected in turn.reply.lower()
    assert tool_names(turn) == []
    assert chat.services.seat_changes == [] and chat.services.invoices == []


async def test_a_missing_name_is_asked_for_that_booking_only(chat: Chat) -> None:
    first = await chat.send("change seat for 5666 to 6A and send the invoice for AB4568 Lovelace")
    assert "5666" in first.reply and "last name" in first.reply
    assert "AB4568" not in first.reply
    assert tool_names(first) == []
    second = await chat.send("Hopper")
    assert actions(second.calls) == [SEAT_5666, INVOICE_AB4568]


async def test_one_booking_for_both_requests(chat: Chat) -> None:
    turn = await chat.send("change my seat to 6A and send the invoice, booking 5666 Hopper")
    assert actions(turn.calls) == [
        SEAT_5666,
        invoice_call("5666", "Hopper"),
    ]


# --------------------------------------------------------------------------------------------
# What the session remembers
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("question", ["what's my seat?", "Which seat am I in?", "where do I sit"])
async def test_whats_my_seat_reads_the_proven_booking(chat: Chat, question: str) -> None:
    await chat.send("send me the invoice for 5666 Hopper")
    chat.services.seats["5666"] = "8A"
    turn = await chat.send(question)
    assert actions(turn.calls) == [details_call("5666", "Hopper")]
    assert "8A" in turn.reply and "5666" in turn.reply


async def test_whats_my_seat_without_a_proven_booking_asks(chat: Chat) -> None:
    first = await chat.send("what seat do I have?")
    assert "confirmation number" in first.reply and "last name" in first.reply
    assert tool_names(first) == []
    second = await chat.send("QR2468 Dijkstra")
    assert actions(second.calls) == [details_call("QR2468", "Dijkstra")]


async def test_a_booking_the_session_remembers_is_not_asked_for_again(chat: Chat) -> None:
    # What AgentSession keeps in its context from an earlier turn (even beyond the window).
    chat.context = AirlineContext()
    chat.context.prove("5666", "Hopper")
    turn = await chat.send("please move me to 6A")
    assert actions(turn.calls) == [SEAT_5666]
    invoice = await chat.send("and now the invoice please")
    assert actions(invoice.calls) == [invoice_call("5666", "Hopper")]


async def test_two_proven_bookings_and_none_named_asks_which(chat: Chat) -> None:
    chat.context.prove("5666", "Hopper")
    chat.context.prove("AB4568", "Lovelace")
    turn = await chat.send("change my seat to 6A")
    assert "5666 or AB4568" in turn.reply
    assert tool_names(turn) == []
    answer = await chat.send("AB4568")
    assert actions(answer.calls) == [seat_call("AB4568", "Lovelace", "6A")]


@pytest.mark.parametrize("written", ["ab 4568", "AB 4568", "ab4568", "Ab-4568"])
async def test_booking_codes_are_read_as_meant(chat: Chat, written: str) -> None:
    await chat.send(f"send the invoice for {written}, last name Lovelace")
    assert chat.services.invoices == ["AB4568"]


@pytest.mark.parametrize("seat", ["99Z", "10G", "0C", "31A", "40b"])
async def test_a_seat_that_does_not_exist_gets_a_precise_answer(chat: Chat, seat: str) -> None:
    turn = await chat.send(f"change my seat to {seat}, booking 5666 Hopper")
    code = seat.replace(" ", "").upper()
    assert f"Seat {int(code[:-1])}{code[-1]} does not exist" in turn.reply
    assert "rows are 1-30, seats A-F" in turn.reply
    assert tool_names(turn) == []
    fixed = await chat.send("12C then")
    assert actions(fixed.calls) == [seat_call("5666", "Hopper", "12C")]


async def test_the_seat_already_held_is_said_so(chat: Chat) -> None:
    chat.services.seat_result = lambda number, seat: (
        f"Booking {number} already has seat {seat}; nothing was changed."
    )
    turn = await chat.send("I'd like seat 8A, 5666 Hopper")
    assert turn.reply == "Booking 5666 already has seat 8A; nothing was changed."


# --------------------------------------------------------------------------------------------
# Out of scope: say what the agent can do (a person when asked: test_offline_escalation.py)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("message", ["book me a hotel in Rome", "what's the weather like?"])
async def test_an_unsupported_request_gets_what_the_agent_can_do(chat: Chat, message: str) -> None:
    turn = await chat.send(message)
    assert turn.reply == NOT_UNDERSTOOD


@pytest.mark.parametrize("message", ["thanks, bye", "Thank you!", "that's all, cheers"])
async def test_thanks_gets_a_farewell_not_a_greeting(chat: Chat, message: str) -> None:
    await chat.send("send me the invoice for 5666 Hopper")
    turn = await chat.send(message)
    assert turn.reply == FAREWELL
    assert chat.services.invoices == ["5666"]


# --------------------------------------------------------------------------------------------
# The rules, without the SDK
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("ab 4568", ["AB4568"]),
        ("go to 4568", ["4568"]),
        ("seat 12 for 5666", ["5666"]),
        ("my booking is xy 7890 and 5666", ["XY7890", "5666"]),
    ],
)
def test_numbers_in(text: str, numbers: list[str]) -> None:
    assert numbers_in(text) == numbers


def test_seats_in_keep_the_reason_a_seat_does_not_exist() -> None:
    found = seats_in("from 12C to 99Z")
    assert [(s.code, s.error is None) for s in found] == [("12C", True), ("99Z", False)]


def test_read_gives_each_request_its_own_details() -> None:
    message = read("change seat for 5666 Hopper to 6A and send the invoice for AB4568 Lovelace")
    assert [(r.kind, r.numbers, [s.code for s in r.seats]) for r in message.requests] == [
        ("seat", ["5666"], ["6A"]),
        ("invoice", ["AB4568"], []),
    ]
    assert message.names == {"5666": "Hopper", "AB4568": "Lovelace"}
