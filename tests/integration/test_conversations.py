"""Whole conversations through the real ingress, checked against what seating and invoicing hold."""

import httpx

from airline_agent.faq import seats_answer
from airline_contracts.formats import row_ranges
from airline_contracts.seating import CabinLayout
from tests.support import helpers
from tests.support.helpers import chat, mails, new_booking, read, seat_map, seat_of, session_id


def test_invoice_is_sent_once(ingress: httpx.Client) -> None:
    booking = new_booking(ingress)
    session = session_id()

    answer = chat(ingress, session, f"can you send me an invoice for booking {booking.proof}?")

    received = mails(ingress, booking.email)
    assert len(received) == 1
    assert received[0]["mail_id"] in answer["reply"]
    assert answer["agent"] == "invoice"


def test_seat_change_asks_for_the_confirmation_number_then_moves_the_seat(
    ingress: httpx.Client,
) -> None:
    booking = new_booking(ingress, seat="5B")
    session = session_id()

    first = chat(ingress, session, "can you change my seat to 10b?")
    assert "confirmation number" in first["reply"]
    assert seat_of(ingress, booking.confirmation_number) == "5B"

    second = chat(ingress, session, booking.proof)

    assert "10B" in second["reply"]
    assert seat_of(ingress, booking.confirmation_number) == "10B"
    assert seat_map(ingress, booking.flight) == {"10B": booking.confirmation_number}


def test_taken_seat_is_refused_and_nothing_changes(ingress: httpx.Client) -> None:
    holder = new_booking(ingress, seat="12C")
    mover = new_booking(ingress, seat="20A", flight=holder.flight)
    session = session_id()

    answer = chat(ingress, session, f"please change my seat to 12C, booking {mover.proof}")

    assert "taken" in answer["reply"]
    assert seat_of(ingress, mover.confirmation_number) == "20A"
    assert seat_map(ingress, holder.flight) == {
        "12C": holder.confirmation_number,
        "20A": mover.confirmation_number,
    }
    calls = [
        e
        for e in read(ingress, f"/AgentSession/{session}/history")["entries"]
        if e["kind"] == "tool_call" and e["name"] == "update_seat"
    ]
    assert len(calls) == 1  # told the customer; no retry loop


def test_seat_that_does_not_exist_is_explained(ingress: httpx.Client) -> None:
    booking = new_booking(ingress, seat="7D")

    answer = chat(ingress, session_id(), f"change my seat to 45A, booking {booking.proof}")

    assert "does not exist" in answer["reply"]
    assert seat_of(ingress, booking.confirmation_number) == "7D"


def test_unknown_booking_gets_an_answer_and_no_mail(ingress: httpx.Client) -> None:
    answer = chat(ingress, session_id(), "send me the invoice for booking ZZ9999 Nobody")

    assert "No booking with confirmation number ZZ9999" in answer["reply"]


def test_faq_and_handoffs_between_agents(ingress: httpx.Client) -> None:
    booking = new_booking(ingress)
    session = session_id()

    baggage = chat(ingress, session, "how much baggage can I bring?")
    wifi = chat(ingress, session, "is there wifi on board?")
    invoice = chat(ingress, session, f"now send me the invoice for {booking.proof}")

    assert baggage["agent"] == "faq" and "bag" in baggage["reply"]
    assert wifi["agent"] == "faq" and "wifi" in wifi["reply"]
    assert invoice["agent"] == "invoice" and len(mails(ingress, booking.email)) == 1


def test_seed_bookings_are_loaded(ingress: httpx.Client) -> None:
    assert helpers.relay(ingress, "Booking", "get", "AB4568")["passenger_name"]
    assert helpers.relay(ingress, "Booking", "get", "5666")["flight"]


def test_the_faq_tells_the_cabin_as_seating_holds_it(ingress: httpx.Client) -> None:
    layout = CabinLayout.model_validate(read(ingress, "/Cabin/layout"))
    answer = chat(ingress, session_id(), "which rows are the exit rows?")
    assert answer["agent"] == "faq"
    assert answer["reply"] == seats_answer(layout), answer
    assert f"rows {row_ranges(layout.exit_rows)} are exit rows" in answer["reply"]
    # The approval flow reads the same data: a seat in the first exit row needs a supervisor.
    booking = new_booking(ingress, seat="5B")
    seat = f"{layout.exit_rows[0]}C"
    submitted = chat(ingress, session_id(), f"change my seat to {seat}, booking {booking.proof}")
    assert "exit row" in submitted["reply"] and "supervisor" in submitted["reply"], submitted
    assert seat_of(ingress, booking.confirmation_number) == "5B"
