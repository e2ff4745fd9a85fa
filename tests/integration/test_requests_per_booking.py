"""Each action applies to the booking named for it, and the session remembers what was proven.

Checked against what seating and invoicing hold, not against the words of the reply alone.
"""

import random

import httpx
import pytest

from tests.support.helpers import (
    chat,
    mails,
    new_booking,
    read,
    seat_of,
    session_id,
)


def test_a_seat_change_and_an_invoice_go_to_their_own_bookings(ingress: httpx.Client) -> None:
    a, b = new_booking(ingress, seat="5B"), new_booking(ingress, seat="9C")
    message = f"change seat for {a.proof} to 6A and send the invoice for {b.proof}"
    answer = chat(ingress, session_id(), message)
    assert seat_of(ingress, a.confirmation_number) == "6A"
    assert seat_of(ingress, b.confirmation_number) == "9C"
    assert len(mails(ingress, b.email)) == 1
    assert mails(ingress, a.email) == []
    assert a.confirmation_number in str(answer["reply"])
    assert "INV-" in str(answer["reply"])


def test_two_seat_changes_in_one_message_both_happen(ingress: httpx.Client) -> None:
    a = new_booking(ingress, seat="5B")
    b = new_booking(ingress, seat="9C", flight=a.flight)
    session = session_id()
    answer = chat(ingress, session, f"move {a.proof} to 6A and {b.proof} to 7C")
    assert seat_of(ingress, a.confirmation_number) == "6A"
    assert seat_of(ingress, b.confirmation_number) == "7C"
    assert "6A" in answer["reply"] and "7C" in answer["reply"]


def test_one_seat_for_two_bookings_is_a_question_and_nothing_moves(
    ingress: httpx.Client,
) -> None:
    a = new_booking(ingress, seat="5B")
    b = new_booking(ingress, seat="9C", flight=a.flight)
    answer = chat(ingress, session_id(), f"change the seats of {a.proof} and {b.proof} to 6A")
    assert "which booking" in answer["reply"].lower()
    assert seat_of(ingress, a.confirmation_number) == "5B"
    assert seat_of(ingress, b.confirmation_number) == "9C"


def test_the_session_remembers_the_proven_booking_across_agents(ingress: httpx.Client) -> None:
    booking = new_booking(ingress, seat="5B")
    session = session_id()
    chat(ingress, session, f"send me the invoice for {booking.proof}")

    seat = chat(ingress, session, "what's my seat?")
    assert seat["agent"] == "seat_booking"
    assert f"seat 5B on flight {booking.flight}" in seat["reply"]

    moved = chat(ingress, session, "please move me to 9D")
    assert seat_of(ingress, booking.confirmation_number) == "9D"
    assert "last name" not in moved["reply"]
    now = chat(ingress, session, "which seat am I in now?")
    assert "seat 9D" in now["reply"]
    status = read(ingress, f"/AgentSession/{session}/status")
    assert booking.confirmation_number in status["context"]["proven"]


def test_the_seat_already_held_is_no_change(ingress: httpx.Client) -> None:
    booking = new_booking(ingress, seat="8A")
    answer = chat(ingress, session_id(), f"I want seat 8A, booking {booking.proof}")
    assert "already has seat 8A; nothing was changed" in answer["reply"]
    assert "changed from" not in answer["reply"]


@pytest.mark.parametrize("seat", ["99Z", "10G", "0C"])
def test_a_seat_that_does_not_exist_gets_a_precise_answer(ingress: httpx.Client, seat: str) -> None:
    booking = new_booking(ingress, seat="5B")
    answer = chat(ingress, session_id(), f"change my seat to {seat}, {booking.proof}")
    assert f"Seat {seat} does not exist: rows are 1-30, seats A-F." in answer["reply"]
    assert seat_of(ingress, booking.confirmation_number) == "5B"


def test_a_booking_code_with_a_space_is_read_as_meant(ingress: httpx.Client) -> None:
    letters = "".join(random.choices("QXZJKV", k=2))  # no English word
    number = f"{letters}{random.randrange(1000, 9999)}"
    booking = new_booking(ingress, number=number)
    spaced = f"{letters.lower()} {number[2:]}"
    answer = chat(ingress, session_id(), f"send the invoice for {spaced}, last name Passenger")
    assert len(mails(ingress, booking.email)) == 1, answer
