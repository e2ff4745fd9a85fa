"""The credentials the tests act with, as the customers, the operator and the payment provider.

Every test stack of this process shares one secrets dir (conftest passes it to StackConfig), so
the helpers can sign as the stack does: a session token for any session id (what `Sessions/open`
would return), the supervisor token, the payment webhook signature. `TestAuth` adds the right
header to each request by its path; tests that check refusals use a plain client instead.
"""

import tempfile
import time
from collections.abc import Generator
from pathlib import Path
from urllib.parse import unquote

import httpx
import jwt

from airline_client.credentials import sign_webhook
from airline_contracts.sessions import SESSION_TOKEN_AUDIENCE
from devstack.credentials import SUPERVISOR_HEADER, StackSecrets, operator_token

SECRETS = StackSecrets.ensure(Path(tempfile.mkdtemp(prefix="airline-test-secrets-")))
SESSION_HANDLERS = frozenset({"chat", "history", "status", "cancel"})
# Operator actions: every handler of these objects, and these workflow handlers.
OPERATOR_SERVICES = frozenset({"Mailbox", "ApprovalDesk", "SeatingAdmin", "EscalationDesk"})
OPERATOR_HANDLERS = frozenset(
    {("SeatApproval", "approve"), ("SeatApproval", "reject"), ("Escalation", "answer")}
)


def session_token(session: str, ttl_s: int = 3600, key: str | None = None) -> str:
    """A token for session, signed as the agent signs them (key: another one, to forge)."""
    now = int(time.time())
    claims = {"sub": session, "aud": SESSION_TOKEN_AUDIENCE, "iat": now, "exp": now + ttl_s}
    return jwt.encode(claims, key or SECRETS.session_key, algorithm="HS256")


def bearer(session: str) -> dict[str, str]:
    """The authorization header of session."""
    return {"authorization": f"Bearer {session_token(session)}"}


def supervisor() -> dict[str, str]:
    """The operator's header: a fresh proof of the supervisor credential."""
    return {SUPERVISOR_HEADER: operator_token(SECRETS.supervisor_token)}


def webhook(body: bytes) -> dict[str, str]:
    """The payment provider's signature of body."""
    return {"x-signature": sign_webhook(SECRETS.webhook_secret, body)}


def headers_for(path: str) -> dict[str, str]:
    """What a rightful caller sends to path: /AgentSession/<id>/chat gets that session's token."""
    parts = [unquote(p) for p in path.split("?")[0].strip("/").split("/")]
    if len(parts) == 3 and parts[0] == "AgentSession" and parts[2] in SESSION_HANDLERS:
        return bearer(parts[1])
    if parts[0] in OPERATOR_SERVICES or (parts[0], parts[-1]) in OPERATOR_HANDLERS:
        return supervisor()
    return {}


class TestAuth(httpx.Auth):
    """Adds the rightful caller's credential to each request (see headers_for)."""

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        for name, value in headers_for(request.url.raw_path.decode()).items():
            request.headers.setdefault(name, value)
        if request.content:
            # restate-server answers a call to a private handler from its headers alone and then
            # closes the connection unannounced; a request with a body keeps no connection for
            # the next one, which would otherwise fail with "Server disconnected" (seen in CI).
            request.headers["connection"] = "close"
        yield request


def ingress_client(base_url: str, timeout: float = 60.0) -> httpx.Client:
    """An httpx client for an ingress that calls as the rightful caller would."""
    return httpx.Client(base_url=base_url, timeout=timeout, auth=TestAuth())
