"""Domain rules at the services' boundaries: seats, bookings, seed data, requests, invoices."""

import json
from importlib import resources
from typing import Any

import pytest
from pydantic import ValidationError
from restate import TerminalError

from airline_agent import config
from airline_agent.airline import build_agents, role_of
from airline_agent.models import ChatRequest
from airline_agent.validation import CheckedSerde, Rejected, accept
from airline_contracts.formats import InvalidSeat, normalize_seat
from airline_contracts.invoicing import Invoice
from airline_contracts.seating import Booking, SeatChangeRequest
from invoicing.mail import copy_mail, invoice_mail
from invoicing.models import InvoiceRequest
from seating.models import is_last_name_of
from seating.seed import seed_bookings
from tests.support.rules import RULE_CASE, Rule, rule_cases

# --------------------------------------------------------------------------------------------
# Seats
# --------------------------------------------------------------------------------------------


# Valid seat codes and their canonical form (test_a_rule_reads_the_text, at the end).
VALID_SEATS = [
    ("10b", "10B"),
    (" 1a ", "1A"),
    ("30F", "30F"),
    ("01C", "1C"),
    ("12 d", "12D"),
    ("1A", "1A"),
    ("30a", "30A"),
]


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("0A", "Seat 0A does not exist"),
        ("31A", "Seat 31A does not exist"),
        ("10G", "Seat 10G does not exist"),
        ("99z", "Seat 99Z does not exist"),
        ("", "'' is not a seat code"),
        ("A10", "'A10' is not a seat code"),
        ("1000B", "'1000B' is not a seat code"),
        ("10BB", "'10BB' is not a seat code"),
        ("B", "'B' is not a seat code"),
        ("10", "'10' is not a seat code"),
        ("10-B", "'10-B' is not a seat code"),
    ],
)
def test_normalize_invalid_seats_says_what_is_wrong(code: str, says: str) -> None:
    with pytest.raises(InvalidSeat) as raised:
        normalize_seat(code)
    message = str(raised.value)
    assert says in message
    assert "1-30" in message and "A-F" in message
    assert isinstance(raised.value, ValueError)


# --------------------------------------------------------------------------------------------
# Bookings and seed data
# --------------------------------------------------------------------------------------------

BOOKING: dict[str, Any] = {
    "confirmation_number": "AB4568",
    "passenger_name": "Ada Lovelace",
    "email": "ada.lovelace@example.com",
    "flight": "FLT123",
    "seat": "14c",
    "fare_eur": 420,
}


def test_booking_normalizes_its_seat() -> None:
    booking = Booking.model_validate(BOOKING)
    assert booking.seat == "14C"
    assert booking.confirmation_number == "AB4568"


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("confirmation_number", "ab4568", "confirmation_number"),
        ("confirmation_number", "AB4", "confirmation_number"),
        ("confirmation_number", "AB45678901", "confirmation_number"),
        ("passenger_name", "", "passenger_name"),
        ("passenger_name", "x" * 201, "passenger_name"),
        ("email", "not-an-email", "email"),
        ("flight", "flt 123", "flight"),
        ("seat", "31A", "Seat 31A does not exist"),
        ("seat", "window", "is not a seat code"),
        ("fare_eur", -1, "fare_eur"),
        ("fare_eur", 100_001, "fare_eur"),
    ],
)
def test_booking_rejects_bad_fields(field: str, value: Any, says: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Booking.model_validate({**BOOKING, field: value})
    assert says in str(raised.value)
    assert [e["loc"] for e in raised.value.errors()] == [(field,)]


def test_seat_change_request_limits_its_size() -> None:
    assert SeatChangeRequest(new_seat="12C", last_name="Hopper").new_seat == "12C"
    for bad in ("", "x" * 17):
        with pytest.raises(ValidationError):
            SeatChangeRequest(new_seat=bad, last_name="Hopper")
    for bad in ("", "x" * 101):
        with pytest.raises(ValidationError):
            SeatChangeRequest(new_seat="12C", last_name=bad)
    # No name, no request: the last name is the proof that the booking is the caller's.
    with pytest.raises(ValidationError):
        SeatChangeRequest.model_validate({"new_seat": "12C"})


@pytest.mark.parametrize(
    ("passenger", "given", "owns"),
    [
        ("Grace Hopper", "Hopper", True),
        ("Grace Hopper", "hopper", True),
        ("Grace Hopper", " HOPPER ", True),
        ("Guido van Rossum", "van Rossum", True),
        ("Guido van Rossum", "VanRossum", True),
        ("Guido van Rossum", "Rossum", True),
        ("Grace Hopper", "Grace", False),
        ("Grace Hopper", "Grace Hopper", False),
        ("Grace Hopper", "Lovelace", False),
        ("Grace Hopper", "Hop", False),
        ("Grace Hopper", "", False),
        ("Grace Hopper", "   ", False),
        ("Plato", "plato", True),
    ],
)
def test_last_name_proves_ownership(passenger: str, given: str, owns: bool) -> None:
    assert is_last_name_of(passenger, given) is owns


def test_seed_has_the_readme_bookings_and_all_are_valid() -> None:
    bookings = seed_bookings()
    raw = json.loads(resources.files("seating").joinpath("seed.json").read_text())
    assert len(bookings) == len(raw) >= 2
    numbers = [b.confirmation_number for b in bookings]
    assert {"AB4568", "5666"} <= set(numbers)
    assert len(numbers) == len(set(numbers))
    for booking, item in zip(bookings, raw, strict=True):
        assert isinstance(booking, Booking)
        assert normalize_seat(item["seat"]) == item["seat"]  # stored canonically
        assert booking.model_dump(mode="json") == item


def test_seed_puts_no_two_bookings_on_one_seat() -> None:
    taken = [(b.flight, b.seat) for b in seed_bookings()]
    assert len(taken) == len(set(taken))


def test_seed_readme_bookings_are_on_the_same_flight() -> None:
    by_number = {b.confirmation_number: b for b in seed_bookings()}
    # The README moves 5666 around on AB4568's flight; they must share a seat map.
    assert by_number["AB4568"].flight == by_number["5666"].flight


# --------------------------------------------------------------------------------------------
# Chat requests and their decoding
# --------------------------------------------------------------------------------------------


def test_chat_request_limit_counts_bytes_not_characters() -> None:
    assert config.MAX_MESSAGE_BYTES == 8192
    assert ChatRequest(message="é" * 3000).message == "é" * 3000  # 6000 bytes
    assert ChatRequest(message="a" * 8192).message == "a" * 8192
    assert ChatRequest(message="🛫" * 2048).message == "🛫" * 2048  # exactly 8192 bytes
    for too_big, size in (("é" * 4100, 8200), ("a" * 8193, 8193), ("€" * 2731, 8193)):
        assert len(too_big.encode()) == size
        with pytest.raises(ValidationError) as raised:
            ChatRequest(message=too_big)
        message = str(raised.value)
        assert f"{size} bytes" in message
        assert "limit is 8192 bytes" in message


@pytest.mark.parametrize("message", ["", " ", "\n\t  ", "\u3000"])
def test_chat_request_rejects_empty_messages(message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        ChatRequest(message=message)
    assert raised.value.errors()[0]["loc"] == ("message",)


def test_chat_request_says_why_a_blank_message_is_rejected() -> None:
    with pytest.raises(ValidationError, match="the message is empty"):
        ChatRequest(message="   ")


SERDE = CheckedSerde(ChatRequest)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"", "the request body is empty"),
        (b"{", "body: Invalid JSON"),
        (b"not json", "body: Invalid JSON"),
        (b"\xff\xfe", "body: Invalid JSON"),
        (b"null", "body: Input should be an object"),
        (b"[]", "body: Input should be an object"),
        (b'"hi"', "body: Input should be an object"),
        (b"{}", "message: Field required"),
        (b'{"msg": "hi"}', "message: Field required"),
        (b'{"message": 5}', "message: Input should be a valid string"),
        (b'{"message": null}', "message: Input should be a valid string"),
        (b'{"message": ["hi"]}', "message: Input should be a valid string"),
        (b'{"message": ""}', "message: String should have at least 1 character"),
        (b'{"message": "   "}', "message: Value error, the message is empty"),
        (json.dumps({"message": "é" * 4100}).encode(), "limit is 8192 bytes"),
    ],
)
def test_bad_bodies_are_a_400_that_names_the_problem(body: bytes, says: str) -> None:
    decoded = SERDE.deserialize(body)
    assert isinstance(decoded, Rejected)
    with pytest.raises(TerminalError) as raised:
        accept(decoded)
    assert raised.value.status_code == 400
    assert says in raised.value.message


def test_good_body_is_accepted() -> None:
    decoded = SERDE.deserialize(json.dumps({"message": "change my seat to 10b"}).encode())
    request = accept(decoded)  # type: ignore[arg-type]
    assert request == ChatRequest(message="change my seat to 10b")
    unicode = SERDE.deserialize(json.dumps({"message": "é" * 3000}).encode())
    assert accept(unicode).message == "é" * 3000  # type: ignore[arg-type]
    assert json.loads(SERDE.serialize(request)) == {"message": "change my seat to 10b"}


def test_missing_request_is_a_400() -> None:
    with pytest.raises(TerminalError) as raised:
        accept(None)
    assert raised.value.status_code == 400
    assert "empty" in raised.value.message


# --------------------------------------------------------------------------------------------
# Invoices
# --------------------------------------------------------------------------------------------


ADA_INVOICE = Invoice(
    invoice_id="INV-AB4568-1A2B3C4D",
    confirmation_number="AB4568",
    passenger_name="Ada Lovelace",
    email="ada.lovelace@example.com",
    flight="FLT123",
    amount_eur=420,
)


def test_the_invoice_mail_mentions_invoice_amount_and_booking() -> None:
    mail = invoice_mail(ADA_INVOICE)
    assert mail.mail_id == "INV-AB4568-1A2B3C4D"
    assert mail.to == "ada.lovelace@example.com"
    assert "INV-AB4568-1A2B3C4D" in mail.subject
    assert "AB4568" in mail.subject
    assert "EUR 420" in mail.body
    assert "AB4568" in mail.body and "FLT123" in mail.body
    assert "Ada Lovelace" in mail.body


@pytest.mark.parametrize(("paid", "says"), [(False, "not paid yet"), (True, "paid, thank you")])
def test_a_copy_is_the_same_invoice_with_its_own_mail_id(paid: bool, says: str) -> None:
    copy = copy_mail(ADA_INVOICE, 2, paid)
    assert copy.mail_id == "INV-AB4568-1A2B3C4D-COPY-2" != copy_mail(ADA_INVOICE, 3, paid).mail_id
    assert "INV-AB4568-1A2B3C4D" in copy.subject and says in copy.subject
    assert "EUR 420" in copy.body and says in copy.body


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("confirmation_number", ""),
        ("confirmation_number", "X" * 17),
        ("passenger_name", ""),
        ("email", "nobody"),
        ("flight", ""),
        ("amount_eur", -5),
        ("amount_eur", 100_001),
    ],
)
def test_invoice_request_validation(field: str, value: Any) -> None:
    good = {
        "confirmation_number": "AB4568",
        "passenger_name": "Ada Lovelace",
        "email": "ada.lovelace@example.com",
        "flight": "FLT123",
        "amount_eur": 420,
    }
    InvoiceRequest.model_validate(good)
    with pytest.raises(ValidationError):
        InvoiceRequest.model_validate({**good, field: value})


# --------------------------------------------------------------------------------------------
# Agent helpers
# --------------------------------------------------------------------------------------------


# An agent's name and its role; an unknown name is triage's.
ROLES = [
    ("Triage Agent", "triage"),
    ("FAQ Agent", "faq"),
    ("Seat Booking Agent", "seat_booking"),
    ("Invoice Agent", "invoice"),
    ("Someone Else", "triage"),
    ("", "triage"),
]


def test_role_of_matches_build_agents() -> None:
    for role, agent in build_agents(model="offline").items():
        assert role_of(agent.name) == role


@pytest.mark.parametrize(RULE_CASE, rule_cases({normalize_seat: VALID_SEATS, role_of: ROLES}))
def test_a_rule_reads_the_text(rule: Rule, text: str, expected: str) -> None:
    assert rule(text) == expected
