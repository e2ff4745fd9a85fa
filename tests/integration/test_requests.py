"""Idempotent requests, a missing body and private handlers, through the real ingress.

Bad chat bodies are rows of the catalogue in test_bad_inputs.py.
"""

import uuid

import httpx
import pytest

from tests.support.helpers import chat, mails, new_booking, post_alone, read, relay, session_id


def test_same_idempotency_key_runs_one_turn(ingress: httpx.Client) -> None:
    booking = new_booking(ingress)
    session = session_id()
    key = str(uuid.uuid4())
    message = f"send me the invoice for {booking.proof}"

    first = chat(ingress, session, message, key=key)
    again = chat(ingress, session, message, key=key)

    assert again == first
    assert read(ingress, f"/AgentSession/{session}/status")["turns"] == 1
    assert len(mails(ingress, booking.email)) == 1


def test_missing_body_is_a_400(ingress: httpx.Client) -> None:
    response = ingress.post(f"/AgentSession/{session_id()}/chat")

    assert response.status_code == 400


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/Booking/5666/change_seat", {"new_seat": "1A", "last_name": "Hopper"}),
        ("/Booking/5666/apply_approved", {"request_id": "APR-0000AAAA", "seat": "1A"}),
        ("/Booking/5666/verify_owner", {"last_name": "Hopper"}),
        ("/Booking/NEW123/create", {}),
        ("/Flight/FLT123/assign", {"seat": "1A", "confirmation_number": "5666"}),
        ("/Invoicing/send_invoice", {}),
        ("/Invoicing/invoice_booking", {"confirmation_number": "5666", "last_name": "Hopper"}),
        ("/Mailbox/ada.lovelace@example.com/deliver", {}),
    ],
)
def test_handlers_that_change_data_are_private(
    ingress: httpx.Client, path: str, body: dict[str, str]
) -> None:
    before = relay(ingress, "Booking", "get", "5666")

    response = post_alone(ingress, path, json=body)

    assert response.status_code == 400, response.text
    assert "not public" in response.json()["message"], response.text
    assert relay(ingress, "Booking", "get", "5666") == before
