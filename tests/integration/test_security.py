"""The security catalogue: nobody reads or changes what is not theirs.

Every public handler is called as an outsider would: with no credential, a wrong one, a tampered
one and another session's. Each is refused (401 no or bad credential, 403 someone else's or a
wrong one, 404 a booking read with the wrong name, 400 "not public" for a handler only services
may call), and the victim's history, status, mails, seat, invoice, approval request and
escalation are the same afterwards. A request straight to a service's port is in
test_request_identity.py.
"""

import base64
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from airline_client.credentials import sign_webhook
from devstack import Stack
from tests.support.auth import SECRETS, session_token, supervisor
from tests.support.helpers import TestBooking as Booked
from tests.support.helpers import mails, new_booking, post_alone, relay, seat_of

WRONG_SUPERVISOR = {"x-supervisor-token": "not-the-supervisor-token"}


@dataclass
class World:
    """A customer's session with an invoice and a pending approval, and an intruder's session."""

    booking: Booked
    victim: str
    victim_token: str
    intruder: str
    intruder_token: str
    invoice_id: str
    approval_id: str
    escalation_id: str


def _open(raw: httpx.Client) -> tuple[str, str]:
    opened = raw.post("/Sessions/open")
    assert opened.status_code == 200, opened.text
    body = opened.json()
    assert len(body["session_id"]) >= 2 + 32  # "s-" and 128 random bits in hex
    return body["session_id"], body["token"]


def _say(raw: httpx.Client, session: str, token: str, message: str) -> str:
    response = raw.post(
        f"/AgentSession/{session}/chat",
        json={"message": message},
        headers={"authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    return str(response.json()["reply"])


@pytest.fixture(scope="module")
def raw(stack: Stack) -> Iterator[httpx.Client]:
    """A client with no credentials of its own: every header is the test's choice."""
    with httpx.Client(base_url=stack.ingress_url, timeout=60.0) as client:
        yield client


@pytest.fixture(scope="module")
def world(raw: httpx.Client, stack: Stack) -> World:
    with httpx.Client(base_url=stack.ingress_url, timeout=60.0) as plain:
        booking = new_booking(plain, seat="5B")
    victim, victim_token = _open(raw)
    intruder, intruder_token = _open(raw)
    sent = _say(raw, victim, victim_token, f"send me the invoice for {booking.proof}")
    assert sent.startswith("I've sent it."), sent
    asked = _say(raw, victim, victim_token, f"change my seat to 2A, booking {booking.proof}")
    approval_id = next(w.strip(".,") for w in asked.split() if w.startswith("APR-"))
    escalated = _say(raw, victim, victim_token, "I want to talk to a human")
    escalation_id = next(w.strip(".,") for w in escalated.split() if w.startswith("ESC-"))
    with httpx.Client(base_url=stack.ingress_url, timeout=60.0, headers=supervisor()) as operator:
        (invoice,) = mails(operator, booking.email)
    return World(
        booking,
        victim,
        victim_token,
        intruder,
        intruder_token,
        str(invoice["mail_id"]),
        approval_id,
        escalation_id,
    )


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def _tampered(token: str) -> str:
    """The victim's token with its claims edited (subject kept, expiry pushed out)."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["exp"] += 10**6
    edited = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{edited}.{signature}"


def _unsigned(session: str) -> str:
    """An `alg: none` token for the session: no signature at all."""

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    now = int(time.time())
    claims = {"sub": session, "aud": "airline-session", "iat": now, "exp": now + 3600}
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


# (credential id, the headers for the victim's session, the status expected)
SESSION_CREDENTIALS: list[tuple[str, Callable[[World], dict[str, str]], int]] = [
    ("none", lambda w: {}, 401),
    ("not-bearer", lambda w: {"authorization": f"Basic {w.victim_token}"}, 401),
    ("malformed", lambda w: _bearer("not.a.token"), 401),
    ("tampered", lambda w: _bearer(_tampered(w.victim_token)), 401),
    ("unsigned-alg-none", lambda w: _bearer(_unsigned(w.victim)), 401),
    ("signed-with-another-key", lambda w: _bearer(session_token(w.victim, key="k" * 32)), 401),
    ("expired", lambda w: _bearer(session_token(w.victim, ttl_s=-60)), 401),
    ("other-session", lambda w: _bearer(w.intruder_token), 403),
]
SESSION_HANDLERS = [
    ("chat", {"message": "send me the invoice again"}),
    ("history", None),
    ("status", None),
    ("cancel", None),
]


def _mails(stack: Stack, email: str) -> list[dict[str, Any]]:
    with httpx.Client(base_url=stack.ingress_url, timeout=60.0, headers=supervisor()) as operator:
        return mails(operator, email)


def _snapshot(stack: Stack, world: World) -> dict[str, Any]:
    """Everything an intruder could change, read by its rightful readers."""
    with httpx.Client(base_url=stack.ingress_url, timeout=60.0) as http:
        path = f"/AgentSession/{world.victim}"
        mine = _bearer(world.victim_token)
        return {
            "history": http.post(f"{path}/history", headers=mine).json(),
            "status": http.post(f"{path}/status", headers=mine).json(),
            "intruder": http.post(
                f"/AgentSession/{world.intruder}/status", headers=_bearer(world.intruder_token)
            ).json(),
            "mails": [m["mail_id"] for m in _mails(stack, world.booking.email)],
            "seat": seat_of(http, world.booking.confirmation_number),
            "invoice": relay(http, "Invoice", "get", world.invoice_id),
            "approval": relay(http, "SeatApproval", "status", world.approval_id)["state"],
            "escalation": relay(http, "Escalation", "status", world.escalation_id)["state"],
        }


@pytest.fixture
def unchanged(stack: Stack, world: World) -> Iterator[None]:
    """The world is the same after the test as before it."""
    before = _snapshot(stack, world)
    yield
    assert _snapshot(stack, world) == before


@pytest.mark.parametrize(
    ("handler", "body"), SESSION_HANDLERS, ids=[h for h, _ in SESSION_HANDLERS]
)
@pytest.mark.parametrize(
    ("credential", "status"),
    [(c, s) for c, _, s in SESSION_CREDENTIALS],
    ids=[c for c, _, _ in SESSION_CREDENTIALS],
)
def test_a_session_answers_only_its_own_token(
    raw: httpx.Client,
    world: World,
    unchanged: None,
    handler: str,
    body: Any,
    credential: str,
    status: int,
) -> None:
    make = next(make for c, make, _ in SESSION_CREDENTIALS if c == credential)
    headers = make(world)
    kwargs: dict[str, Any] = {"json": body} if body is not None else {}
    response = raw.post(f"/AgentSession/{world.victim}/{handler}", headers=headers, **kwargs)
    assert response.status_code == status, response.text
    message = response.json()["message"]
    assert ("another session" if status == 403 else "token") in message, message


def test_the_victims_own_token_still_works(raw: httpx.Client, world: World) -> None:
    """The refusals above refuse outsiders only (a test that cannot fail is a defect)."""
    response = raw.post(f"/AgentSession/{world.victim}/status", headers=_bearer(world.victim_token))
    assert response.status_code == 200, response.text
    assert response.json()["turns"] >= 2


# Reads of personal data and operator actions: (id, path, body, headers, status, says)
OUTSIDER_CALLS = [
    ("booking-raw-read", "/Booking/{booking}/get", None, {}, 400, "not public"),
    (
        "booking-lookup-wrong-name",
        "/Booking/{booking}/lookup",
        {"last_name": "Smith"},
        {},
        404,
        "No booking",
    ),
    (
        "booking-lookup-unknown",
        "/Booking/ZZ9NOPE/lookup",
        {"last_name": "Passenger"},
        {},
        404,
        "No booking",
    ),
    ("invoice-read", "/Invoice/{invoice}/get", None, {}, 400, "not public"),
    ("seat-map", "/Flight/{flight}/seat_map", None, {}, 400, "not public"),
    ("approval-status", "/SeatApproval/{approval}/status", None, {}, 400, "not public"),
    (
        "checkin-reminder-read",
        "/CheckInReminder/{booking}@{victim}/get",
        None,
        {},
        400,
        "not public",
    ),
    (
        "notify-a-session",
        "/AgentSession/{victim}/notify",
        {"text": "pay here", "source": "x"},
        {},
        400,
        "not public",
    ),
    ("mailbox-no-credential", "/Mailbox/{email}/inbox", None, {}, 401, "supervisor"),
    (
        "mailbox-wrong-credential",
        "/Mailbox/{email}/inbox",
        None,
        WRONG_SUPERVISOR,
        403,
        "supervisor",
    ),
    ("seed-no-credential", "/SeatingAdmin/seed", None, {}, 401, "supervisor"),
    ("seed-wrong-credential", "/SeatingAdmin/seed", None, WRONG_SUPERVISOR, 403, "supervisor"),
    (
        "approvals-list-no-credential",
        "/ApprovalDesk/supervisors/pending",
        None,
        {},
        401,
        "supervisor",
    ),
    (
        "approvals-list-wrong",
        "/ApprovalDesk/supervisors/pending",
        None,
        WRONG_SUPERVISOR,
        403,
        "supervisor",
    ),
    ("approve-no-credential", "/SeatApproval/{approval}/approve", None, {}, 401, "supervisor"),
    (
        "approve-wrong-credential",
        "/SeatApproval/{approval}/approve",
        None,
        WRONG_SUPERVISOR,
        403,
        "supervisor",
    ),
    (
        "reject-no-credential",
        "/SeatApproval/{approval}/reject",
        {"reason": "no"},
        {},
        401,
        "supervisor",
    ),
    ("escalation-status", "/Escalation/{escalation}/status", None, {}, 400, "not public"),
    (
        "escalations-list-no-credential",
        "/EscalationDesk/supervisors/pending",
        None,
        {},
        401,
        "supervisor",
    ),
    (
        "escalations-list-wrong",
        "/EscalationDesk/supervisors/pending",
        None,
        WRONG_SUPERVISOR,
        403,
        "supervisor",
    ),
    (
        "answer-no-credential",
        "/Escalation/{escalation}/answer",
        {"text": "your refund is approved"},
        {},
        401,
        "supervisor",
    ),
    (
        "answer-wrong-credential",
        "/Escalation/{escalation}/answer",
        {"text": "your refund is approved"},
        WRONG_SUPERVISOR,
        403,
        "supervisor",
    ),
    (
        "answer-with-a-session-token",
        "/Escalation/{escalation}/answer",
        {"text": "your refund is approved"},
        "victim-token",
        401,
        "supervisor",
    ),
    (
        "open-an-escalation",
        "/Escalations/open",
        {"session_id": "s-1", "topic": "human", "summary": "call me"},
        {},
        400,
        "not public",
    ),
    (
        "approve-with-a-session-token",
        "/SeatApproval/{approval}/approve",
        None,
        "victim-token",
        401,
        "supervisor",
    ),
]


@pytest.mark.parametrize(
    ("path", "body", "headers", "status", "says"),
    [row[1:] for row in OUTSIDER_CALLS],
    ids=[row[0] for row in OUTSIDER_CALLS],
)
def test_personal_data_and_operator_actions_are_refused_to_outsiders(
    raw: httpx.Client,
    world: World,
    unchanged: None,
    path: str,
    body: Any,
    headers: dict[str, str] | str,
    status: int,
    says: str,
) -> None:
    target = path.format(
        booking=world.booking.confirmation_number,
        invoice=world.invoice_id,
        flight=world.booking.flight,
        approval=world.approval_id,
        escalation=world.escalation_id,
        email=world.booking.email,
        victim=world.victim,
    )
    sent = _bearer(world.victim_token) if headers == "victim-token" else dict(headers)
    kwargs: dict[str, Any] = {"json": body} if body is not None else {}
    response = post_alone(raw, target, headers=sent, **kwargs)
    assert response.status_code == status, response.text
    assert says in response.json()["message"], response.text


def test_the_owner_reads_the_booking_with_the_last_name(raw: httpx.Client, world: World) -> None:
    number = world.booking.confirmation_number
    response = raw.post(f"/Booking/{number}/lookup", json={"last_name": " passenger "})
    assert response.status_code == 200, response.text
    assert response.json()["email"] == world.booking.email


def _webhook(secret: str, body: bytes, stamp: int | None = None) -> dict[str, str]:
    return {"x-signature": sign_webhook(secret, body, stamp), "content-type": "application/json"}


def _forged_payments(world: World) -> list[tuple[str, bytes, dict[str, str]]]:
    body = json.dumps({"invoice_id": world.invoice_id}).encode()
    other = json.dumps({"invoice_id": "INV-OTHER9-00000000"}).encode()
    real = SECRETS.webhook_secret
    return [
        ("unsigned", body, {"content-type": "application/json"}),
        (
            "malformed-signature",
            body,
            {"x-signature": "v1=abc", "content-type": "application/json"},
        ),
        ("wrong-secret", body, _webhook("not-the-secret", body)),
        ("body-swapped", body, _webhook(real, other)),
        ("signed-for-another-invoice", other, _webhook(real, other)),
        ("stale-timestamp", body, _webhook(real, body, int(time.time()) - 3600)),
    ]


FORGED = [
    "unsigned",
    "malformed-signature",
    "wrong-secret",
    "body-swapped",
    "signed-for-another-invoice",
    "stale-timestamp",
]


@pytest.mark.parametrize("case", FORGED)
def test_only_the_providers_signed_webhook_pays(
    raw: httpx.Client, world: World, unchanged: None, case: str
) -> None:
    (body, headers) = next((b, h) for c, b, h in _forged_payments(world) if c == case)
    response = raw.post(f"/Invoice/{world.invoice_id}/pay", content=body, headers=headers)
    expected = 400 if case == "signed-for-another-invoice" else 401
    assert response.status_code == expected, response.text


def test_a_replayed_paid_webhook_changes_nothing(stack: Stack, raw: httpx.Client) -> None:
    """The provider's webhook pays once; the same request again (within its window) is harmless."""
    with httpx.Client(base_url=stack.ingress_url, timeout=60.0) as plain:
        booking = new_booking(plain)
    session, token = _open(raw)
    _say(raw, session, token, f"send me the invoice for {booking.proof}")
    with httpx.Client(base_url=stack.ingress_url, timeout=60.0, headers=supervisor()) as operator:
        (invoice,) = mails(operator, booking.email)
        invoice_id = invoice["mail_id"]
        body = json.dumps({"invoice_id": invoice_id}).encode()
        headers = _webhook(SECRETS.webhook_secret, body)
        first = raw.post(f"/Invoice/{invoice_id}/pay", content=body, headers=headers)
        assert first.status_code == 200 and first.json()["already_paid"] is False, first.text
        after = relay(operator, "Invoice", "get", invoice_id)
        again = raw.post(f"/Invoice/{invoice_id}/pay", content=body, headers=headers)
        assert again.status_code == 200 and again.json()["already_paid"] is True, again.text
        assert relay(operator, "Invoice", "get", invoice_id) == after
        assert len(mails(operator, booking.email)) == 1
