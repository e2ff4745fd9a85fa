"""The bad-input catalogue: each gets a clear 4xx or an explanatory answer; nothing is stored.

Four tables, by where the input enters: the chat endpoint's body (400 with the reason, no turn
counted, no history), a well-formed message whose content is wrong (the agent explains, nothing
changes in seating or the mailboxes), the read endpoints (4xx naming the problem), and seating /
invoicing handlers called from inside the cluster with fields no checked caller would send (the
agent's tools only send validated, truncated values; TestSupport/relay sends the raw body).
More rows live in test_requests.py (no body, private handlers) and test_conversations.py
(taken seat, seat 45A, unknown booking for an invoice); they are not repeated here.
"""

import json
from typing import Any

import httpx
import pytest

from tests.support.helpers import chat, mails, new_booking, read, seat_map, seat_of, session_id

# (body, content type, what the 400's message says)
CHAT_BODIES = [
    pytest.param(b"{", "Invalid JSON", id="malformed-json"),
    pytest.param(b'{"message": 5}', "message: Input should be a valid string", id="wrong-type"),
    pytest.param(b'{"text": "hi"}', "message: Field required", id="missing-field"),
    pytest.param(b'{"message": ""}', "at least 1 character", id="empty"),
    pytest.param(b'{"message": "   "}', "the message is empty", id="blank"),
    pytest.param(
        json.dumps({"message": "x" * 8193}).encode(), "the limit is 8192 bytes", id="oversized"
    ),
    pytest.param(b"[1, 2]", "Input should be", id="not-an-object"),
    pytest.param(b'{"message": null}', "message: Input should be a valid string", id="null"),
    pytest.param(b'{"message": ["hi"]}', "message: Input should be a valid string", id="list"),
    pytest.param(b'{"message": {"text": "hi"}}', "message: Input should be a valid", id="object"),
    pytest.param(b"null", "Input should be an object", id="json-null"),
    pytest.param(b'"change my seat"', "Input should be an object", id="json-string"),
    pytest.param(b'{"message": "hi"} trailing', "trailing characters", id="trailing-garbage"),
    pytest.param(b'{"message": "\xff\xfe"}', "Invalid JSON", id="invalid-utf8"),
    pytest.param(b"[" * 10_000 + b"]" * 10_000, "Invalid JSON", id="deeply-nested"),
    pytest.param(
        json.dumps({"message": "\u20ac" * 2731}).encode(),
        "the limit is 8192 bytes",
        id="8193-bytes",
    ),
    pytest.param(
        json.dumps({"message": "x" * 2_000_000}).encode(), "the limit is 8192 bytes", id="2-mb"
    ),
    pytest.param(b'{"message": "hello\\u0000"}', "control character (U+0000)", id="nul"),
    pytest.param(
        b'{"message": "\\u001b[2J\\u001b[31mseat 1A"}', "control character (U+001B)", id="ansi"
    ),
    pytest.param(b'{"message": "\\u2003\\u00a0\\n"}', "the message is empty", id="unicode-blank"),
    pytest.param(b"message=hi", "does not match 'application/json'", id="form-encoded"),
]


@pytest.mark.parametrize(("body", "reason"), CHAT_BODIES)
def test_bad_chat_body_is_a_400_with_the_reason(
    ingress: httpx.Client, body: bytes, reason: str
) -> None:
    session = session_id()
    content_type = "application/x-www-form-urlencoded" if body.startswith(b"message=") else None

    response = ingress.post(
        f"/AgentSession/{session}/chat",
        content=body,
        headers={"content-type": content_type or "application/json"},
    )

    assert response.status_code == 400, response.text
    assert reason in response.json()["message"], response.text
    assert read(ingress, f"/AgentSession/{session}/status")["turns"] == 0
    assert read(ingress, f"/AgentSession/{session}/history")["items"] == []


# (message, with {cn} for the test's booking, what the agent's reply says)
AGENT_MESSAGES = [
    pytest.param(
        "change my seat to 0C, booking {cn} Passenger", "Seat 0C does not exist", id="seat-row-0"
    ),
    pytest.param(
        "change my seat to 12G, booking {cn} Passenger", "Which seat would you like", id="seat-12G"
    ),
    pytest.param(
        "change my seat to 12C, booking ZZ9999 Nobody", "No booking with", id="unknown-booking"
    ),
    pytest.param(
        "change my seat to 12C, booking 12345678 Nobody", "No booking with", id="digits-only"
    ),
    pytest.param("where is my invoice INV-QQ9999-DEADBEEF?", "last name", id="unknown-invoice-id"),
    pytest.param(
        "what is the baggage allowance? " + "please " * 1100,
        "carry-on bag",
        id="8kb-faq-question-as-tool-argument",
    ),
    pytest.param("seat 7A?!?!" + "\U0001f4a5" * 50, "7A", id="emoji"),
]


@pytest.mark.parametrize(("message", "says"), AGENT_MESSAGES)
def test_wrong_request_gets_an_explanation_and_changes_nothing_else(
    ingress: httpx.Client, message: str, says: str
) -> None:
    booking = new_booking(ingress, seat="5B")
    session = session_id()
    text = message.format(cn=booking.confirmation_number)

    answer = chat(ingress, session, text)

    assert says in answer["reply"], answer
    assert mails(ingress, booking.email) == []
    assert seat_of(ingress, booking.confirmation_number) == "5B"
    assert seat_map(ingress, booking.flight) == {"5B": booking.confirmation_number}
    history = read(ingress, f"/AgentSession/{session}/history")
    assert [e["text"] for e in history["entries"] if e["kind"] == "user"] == [text]
    assert read(ingress, f"/AgentSession/{session}/status")["turns"] == 1


# (path, status, what the message says)
READS = [
    pytest.param("/Mailbox/not-an-email/inbox", 400, "is not an e-mail address", id="mail-no-at"),
    pytest.param("/Mailbox/a%20b@example.com/inbox", 400, "not an e-mail", id="mail-space"),
    pytest.param("/Mailbox/@example.com/inbox", 400, "not an e-mail", id="mail-no-local-part"),
    pytest.param("/Booking/ZZ9999/get", 400, "not public", id="booking-raw-read-is-private"),
    pytest.param("/AgentSession/x/forget_everything", 404, "not found", id="unknown-handler"),
    pytest.param("/SeatApproval/APR9NOPE/status", 400, "not public", id="approval-status"),
    pytest.param(
        "/SeatApproval/APR9NOPE/approve", 404, "No approval request", id="approve-unknown"
    ),
]


def test_rejecting_an_unknown_approval_is_a_404(ingress: httpx.Client) -> None:
    response = ingress.post("/SeatApproval/APR9NOPE/reject", json={"reason": "no"})

    assert response.status_code == 404, response.text
    assert "No approval request APR9NOPE" in response.json()["message"]


@pytest.mark.parametrize(("path", "status", "says"), READS)
def test_bad_read_is_a_4xx_that_says_why(
    ingress: httpx.Client, path: str, status: int, says: str
) -> None:
    response = ingress.post(path)

    assert response.status_code == status, response.text
    assert says in response.json()["message"], response.text


def relay(
    ingress: httpx.Client, service: str, handler: str, key: str | None, body: Any
) -> httpx.Response:
    """Call a private handler with a raw body from inside the cluster (TestSupport/relay)."""
    return ingress.post(
        "/TestSupport/relay",
        json={"service": service, "handler": handler, "key": key, "body": body},
    )


INVOICE = {
    "confirmation_number": "{cn}",
    "passenger_name": "Test Passenger",
    "email": "{email}",
    "flight": "F9X",
    "amount_eur": 10,
}


def to_booking(
    new_seat: str, status: int, says: str, name: str, key: str | None = None, **more: str
) -> Any:
    """A Booking/change_seat row: the test's booking (or `key`) asked to move to new_seat."""
    # "Passenger": the last name of the test's booking, the proof of ownership.
    body = {"new_seat": new_seat, "last_name": "Passenger", **more}
    return pytest.param("Booking", "change_seat", key, body, status, says, id=name)


def to_invoicing(change: dict[str, Any], says: str, name: str) -> Any:
    """An Invoicing/send_invoice row: the test booking's invoice request with `change` applied."""
    return pytest.param(
        "Invoicing", "send_invoice", None, {**INVOICE, **change}, 500, says, id=name
    )


# (service, handler, key (None: the booking's), body (with {cn}/{email}), status, what it says)
RELAYS = [
    to_booking("99Z", 400, "Seat 99Z does not exist", "seat-99Z"),
    to_booking("A1; DROP", 400, "is not a seat code", "seat-garbage"),
    to_booking("15A", 404, "No booking with confirmation number", "seat-unknown-booking", "ZZ9998"),
    to_booking("1" * 100_000, 500, "at most 16 characters", "seat-100k-chars"),
    to_booking("2A", 403, "does not match", "premium-seat-wrong-name", last_name="Nobody"),
    to_invoicing({"email": "not-an-email"}, "email", "invoice-bad-email"),
    to_invoicing({"passenger_name": "N" * 1_000_000}, "at most 200", "invoice-1mb-name"),
    to_invoicing({"amount_eur": -5}, "greater than or equal to 0", "invoice-negative-amount"),
]


@pytest.mark.parametrize(("service", "handler", "key", "body", "status", "says"), RELAYS)
def test_bad_fields_from_inside_are_refused_at_once_and_store_nothing(
    ingress: httpx.Client,
    service: str,
    handler: str,
    key: str | None,
    body: dict[str, Any],
    status: int,
    says: str,
) -> None:
    booking = new_booking(ingress, seat="5B")
    fields = {"cn": booking.confirmation_number, "email": booking.email}
    filled = {k: v.format(**fields) if isinstance(v, str) else v for k, v in body.items()}
    if service == "Booking":
        key = key or booking.confirmation_number

    response = relay(ingress, service, handler, key, filled)

    # A terminal error: answered at once, never retried. 500 where the SDK itself refuses a
    # body it cannot decode (see the README's "Bad input"); the message names the field.
    assert response.status_code == status, response.text
    assert says in response.json()["message"], response.text
    assert seat_of(ingress, booking.confirmation_number) == "5B"
    assert seat_map(ingress, booking.flight) == {"5B": booking.confirmation_number}
    assert mails(ingress, booking.email) == []
