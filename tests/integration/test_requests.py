"""Idempotent requests, bad input and private handlers, through the real ingress."""

import json
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


BAD_BODIES = [
    pytest.param(b"{", "Invalid JSON", id="malformed-json"),
    pytest.param(b'{"message": 5}', "message: Input should be a valid string", id="wrong-type"),
    pytest.param(b'{"text": "hi"}', "message: Field required", id="missing-field"),
    pytest.param(b'{"message": ""}', "at least 1 character", id="empty"),
    pytest.param(b'{"message": "   "}', "the message is empty", id="blank"),
    pytest.param(
        json.dumps({"message": "x" * 8193}).encode(), "the limit is 8192 bytes", id="oversized"
    ),
    pytest.param(b"[1, 2]", "Input should be", id="not-an-object"),
]


@pytest.mark.parametrize(("body", "reason"), BAD_BODIES)
def test_bad_input_is_a_400_with_the_reason_and_changes_nothing(
    ingress: httpx.Client, body: bytes, reason: str
) -> None:
    session = session_id()

    response = ingress.post(
        f"/AgentSession/{session}/chat", content=body, headers={"content-type": "application/json"}
    )

    assert response.status_code == 400
    assert reason in response.json()["message"]
    assert read(ingress, f"/AgentSession/{session}/status")["turns"] == 0
    assert read(ingress, f"/AgentSession/{session}/history")["items"] == []


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
