"""Small helpers for the integration tests: unique keys, bookings, reading the outside world."""

import json
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from devstack import Stack, wait_for
from tests.support.auth import bearer, headers_for, ingress_client, supervisor, webhook


def unique(prefix: str, length: int = 6) -> str:
    """An upper-case id with a digit in it (the offline model spots confirmation numbers so)."""
    return f"{prefix}9{uuid.uuid4().hex[:length].upper()}"


@dataclass
class TestBooking:
    """A booking created for one test, on a flight of its own."""

    confirmation_number: str
    flight: str
    email: str
    seat: str
    # The passenger is "Test Passenger": the last name is the proof of ownership.
    last_name: str = "Passenger"

    @property
    def proof(self) -> str:
        """The confirmation number and last name, as a customer writes them: "T9AB12C Passenger"."""
        return f"{self.confirmation_number} {self.last_name}"


def new_booking(
    ingress: httpx.Client, seat: str = "5B", flight: str | None = None, number: str | None = None
) -> TestBooking:
    """Create a booking on a fresh (or the given) flight through the TestSupport service."""
    number = number or unique("T", 5)
    booking = TestBooking(
        confirmation_number=number,
        flight=flight or unique("F", 6),
        email=f"{number.lower()}@example.com",
        seat=seat,
    )
    response = ingress.post(
        "/TestSupport/create_booking",
        json={
            "confirmation_number": booking.confirmation_number,
            "passenger_name": "Test Passenger",
            "email": booking.email,
            "flight": booking.flight,
            "seat": booking.seat,
            "fare_eur": 250,
        },
    )
    response.raise_for_status()
    return booking


def session_id() -> str:
    """A fresh conversation id of 128 random bits; the helpers sign its token (support/auth.py)."""
    return f"test-{uuid.uuid4().hex}{uuid.uuid4().hex[:8]}"


def chat(
    ingress: httpx.Client, session: str, message: str, key: str | None = None
) -> dict[str, Any]:
    """Send one message; return the agent's reply as JSON (fails the test on a non-2xx)."""
    headers = {**bearer(session), **({"idempotency-key": key} if key else {})}
    response = ingress.post(
        f"/AgentSession/{session}/chat", json={"message": message}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


def read(ingress: httpx.Client, path: str) -> Any:
    """A handler that takes no input (Restate wants no body then), called by its rightful caller."""
    response = ingress.post(path, headers=headers_for(path))
    response.raise_for_status()
    return response.json()


def mails(ingress: httpx.Client, email: str) -> list[dict[str, Any]]:
    """The mails the mailbox of `email` really received."""
    return read(ingress, f"/Mailbox/{email}/inbox")["mails"]


def seat_of(ingress: httpx.Client, confirmation_number: str) -> str:
    """The seat seating has on record for a booking (a private read: through TestSupport)."""
    return relay(ingress, "Booking", "get", confirmation_number)["seat"]


def seat_map(ingress: httpx.Client, flight: str) -> dict[str, str]:
    """Occupied seats of a flight: seat -> confirmation number (a private read)."""
    return relay(ingress, "Flight", "seat_map", flight)["occupied"]


def relay(ingress: httpx.Client, service: str, handler: str, key: str | None = None) -> Any:
    """Call a handler private to the ingress from inside the cluster, as a service would."""
    response = ingress.post(
        "/TestSupport/relay", json={"service": service, "handler": handler, "key": key}
    )
    response.raise_for_status()
    return response.json()["result"]


def post_alone(ingress: httpx.Client, path: str, **kwargs: Any) -> httpx.Response:
    """POST on a connection of its own, for a request the ingress may refuse unread.

    restate-server answers a call to a private handler from its headers alone, then closes the
    connection without a `connection: close`; a pooled connection reused at that moment fails
    with "Server disconnected without sending a response" (seen once in CI).
    """
    headers = {**kwargs.pop("headers", {}), "connection": "close"}
    return ingress.post(path, headers=headers, **kwargs)


def pay(ingress: httpx.Client, invoice_id: str) -> httpx.Response:
    """Pay an invoice as the payment provider would: a signed webhook."""
    body = json.dumps({"invoice_id": invoice_id}).encode()
    headers = {**webhook(body), "content-type": "application/json"}
    return ingress.post(f"/Invoice/{invoice_id}/pay", content=body, headers=headers)


def logged(stack: Stack, service: str, text: str) -> int:
    """How many lines of the service's log (across its restarts) contain `text`."""
    path = stack.config.logs.path_for(service)
    assert path is not None, "the stack keeps no log files"
    return sum(text in line for line in path.read_text(encoding="utf-8").splitlines())


__all__ = ["ingress_client", "supervisor", "wait_for"]
