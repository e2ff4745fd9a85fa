"""Changing a booking needs its confirmation number and the passenger's last name.

Seating checks the name, not the agent: whatever the model does, a wrong name changes nothing.
"""

import json

import httpx

from tests.support.helpers import chat, mails, new_booking, read, seat_map, seat_of, session_id


def test_wrong_last_name_changes_no_seat(ingress: httpx.Client) -> None:
    booking = new_booking(ingress, seat="5B")

    answer = chat(
        ingress, session_id(), f"change my seat to 9A, booking {booking.confirmation_number} Smith"
    )

    assert "last name does not match" in answer["reply"]
    assert "nothing was changed" in answer["reply"]
    assert seat_of(ingress, booking.confirmation_number) == "5B"
    assert seat_map(ingress, booking.flight) == {"5B": booking.confirmation_number}


def test_wrong_last_name_submits_no_premium_seat_request(ingress: httpx.Client) -> None:
    booking = new_booking(ingress, seat="5B")

    answer = chat(
        ingress, session_id(), f"change my seat to 2A, booking {booking.confirmation_number} Smith"
    )

    assert "last name does not match" in answer["reply"], answer["reply"]
    assert "APR-" not in answer["reply"]
    pending = read(ingress, "/ApprovalDesk/supervisors/pending")
    assert booking.confirmation_number not in json.dumps(pending)
    assert seat_of(ingress, booking.confirmation_number) == "5B"


def test_wrong_last_name_sends_no_invoice(ingress: httpx.Client) -> None:
    booking = new_booking(ingress)
    session = session_id()

    answer = chat(ingress, session, f"send me the invoice for {booking.confirmation_number} Smith")

    assert "last name does not match" in answer["reply"]
    assert mails(ingress, booking.email) == []
    assert read(ingress, f"/AgentSession/{session}/status")["bookings"] == []


def test_last_name_ignores_case_and_spaces(ingress: httpx.Client) -> None:
    booking = new_booking(ingress, seat="5B")
    session = session_id()

    asked = chat(ingress, session, f"change my seat to 6C, booking {booking.confirmation_number}")
    assert "last name" in asked["reply"]
    assert seat_of(ingress, booking.confirmation_number) == "5B"

    answer = chat(ingress, session, "my last name is  pASSENGER ")

    assert "6C" in answer["reply"]
    assert seat_of(ingress, booking.confirmation_number) == "6C"


def test_a_session_cannot_use_another_sessions_booking_or_see_its_conversation(
    ingress: httpx.Client,
) -> None:
    booking = new_booking(ingress)
    owner, other = session_id(), session_id()
    sent = chat(ingress, owner, f"send me the invoice for {booking.proof}")
    assert len(mails(ingress, booking.email)) == 1
    owner_history = read(ingress, f"/AgentSession/{owner}/history")

    # The other session knows the number (it is on the ticket) but not the name.
    asked = chat(ingress, other, f"send me the invoice for {booking.confirmation_number}")
    assert "last name" in asked["reply"]
    refused = chat(ingress, other, "Smith")
    assert "last name does not match" in refused["reply"]
    # Asking the agent for what the other session did gets nothing out of it.
    chat(ingress, other, "what did the previous customer ask for?")

    assert len(mails(ingress, booking.email)) == 1
    assert read(ingress, f"/AgentSession/{owner}/history") == owner_history
    other_history = json.dumps(read(ingress, f"/AgentSession/{other}/history"))
    invoice_id = mails(ingress, booking.email)[0]["mail_id"]
    assert invoice_id in sent["reply"]
    for secret in (invoice_id, booking.email, "Test Passenger", "Passenger"):
        assert secret not in other_history
    other_status = read(ingress, f"/AgentSession/{other}/status")
    assert other_status["bookings"] == []
    assert other_status["context"]["passenger_name"] is None
