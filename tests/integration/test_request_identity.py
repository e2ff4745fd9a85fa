"""Signed requests: every service accepts only requests restate-server signed with the stack's key.

devstack generates an Ed25519 key pair per data dir; restate-server signs each request to a
deployment with the private key, the services verify it (`restate.app(..., identity_keys=...)`).
A process that reaches a service's port directly, bypassing restate-server, is refused.
"""

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from devstack import Stack
from tests.support.helpers import relay

INVOCATION = {"content-type": "application/vnd.restate.invocation.v5"}

# One handler per service, private ones included (only restate-server may call them).
TARGETS = [
    ("agent", "AgentSession", "notify"),
    ("agent", "AgentSession", "history"),
    ("seating", "SeatingAdmin", "seed"),
    ("seating", "Booking", "create"),
    ("invoicing", "Invoice", "pay"),
    ("invoicing", "Mailbox", "inbox"),
    ("testsupport", "TestSupport", "relay"),
]


def _forged() -> dict[str, str]:
    """A request-identity header signed by some other Ed25519 key."""
    token = jwt.encode(
        {"aud": "/invoke", "nbf": 0, "exp": 4102444800},
        Ed25519PrivateKey.generate(),
        algorithm="EdDSA",
    )
    return {"x-restate-jwt-v1": token}


@pytest.mark.parametrize("forged", [False, True], ids=["unsigned", "signed-by-another-key"])
@pytest.mark.parametrize(("service", "name", "handler"), TARGETS)
def test_a_request_straight_to_a_service_port_is_refused(
    stack: Stack, service: str, name: str, handler: str, forged: bool
) -> None:
    url = f"{stack.service(service).url}/invoke/{name}/{handler}"
    headers = {**INVOCATION, **(_forged() if forged else {})}
    response = httpx.post(url, content=b"", headers=headers, timeout=10)
    assert response.status_code == 401, (response.status_code, response.text)


@pytest.mark.parametrize("service", ["agent", "seating", "invoicing"])
def test_discovery_straight_from_a_service_is_refused(stack: Stack, service: str) -> None:
    response = httpx.get(f"{stack.service(service).url}/discover", timeout=10)
    assert response.status_code == 401


def test_the_same_handlers_answer_through_restate(ingress: httpx.Client) -> None:
    """The check refuses outsiders only: restate-server's own signed requests go through."""
    assert relay(ingress, "Flight", "seat_map", "FLT123")["occupied"]
