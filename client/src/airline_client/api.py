"""`AgentClient`: the ingress calls, with retries that keep one idempotency key per message."""

import json
import os
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any, Self
from urllib.parse import quote

import httpx

from . import credentials
from .approvals import DESK_KEY, ApprovalStatus, PendingApprovals
from .errors import BadResponse, ClientError, IngressUnreachable, NoAnswer, RequestRejected
from .escalations import DESK_KEY as ESCALATION_DESK
from .escalations import EscalationStatus, OpenEscalations
from .models import (
    Booking,
    Cancellation,
    ChatReply,
    History,
    Inbox,
    OpenedSession,
    Payment,
    SessionStatus,
)
from .tracecontext import TraceParent

DEFAULT_INGRESS_URL = "http://127.0.0.1:8080"
INGRESS_ENV = "RESTATE_INGRESS_URL"
TIMEOUT_ENV = "CLIENT_TIMEOUT_S"
BACKOFF_ENV = "CLIENT_RETRY_BACKOFF_S"
WAIT_ENV = "CLIENT_WAIT_S"
SUPERVISOR_ENV = "SUPERVISOR_TOKEN"
SUPERVISOR_HEADER = "x-supervisor-token"
SIGNATURE_HEADER = "x-signature"

# A turn waits for the model and, after a crash, for Restate to replay it: be patient.
DEFAULT_TIMEOUT_S = 120.0
# Connecting is never slow when the stack is up, so fail fast when it is not.
CONNECT_TIMEOUT_S = 5.0
DEFAULT_ATTEMPTS = 3
DEFAULT_BACKOFF_S = 0.5
# How long `say` keeps re-attaching to a turn it sent when the connection drops (the stack is
# restarting, a node was lost): the turn goes on in Restate, the answer comes with the same key.
DEFAULT_WAIT_S = 300.0
# The longest pause between two re-attach attempts.
MAX_WAIT_STEP_S = 2.0


def new_idempotency_key() -> str:
    """A fresh key for one message; all retries of that message reuse it."""
    return str(uuid.uuid4())


def _env_seconds(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ClientError(f"{name} must be a number of seconds, not {raw!r}") from None
    if value < 0:
        raise ClientError(f"{name} must not be negative, not {raw!r}")
    return value


def ingress_urls(value: str | Sequence[str]) -> list[str]:
    """One ingress address or several (a list, or comma-separated: the nodes of a cluster)."""
    raw = value.split(",") if isinstance(value, str) else list(value)
    urls = [url.strip().rstrip("/") for url in raw if url.strip()]
    if not urls:
        raise ClientError(f"no ingress URL given: {value!r}")
    for url in urls:
        if not url.startswith(("http://", "https://")):
            raise ClientError(f"the ingress URL must start with http:// or https://: {url!r}")
    return urls


def _error_message(response: httpx.Response) -> str:
    """The `message` of a Restate error body, else the body text, else the status line."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])
    text = response.text.strip()
    return text or f"HTTP {response.status_code} {response.reason_phrase}".strip()


class AgentClient:
    """Calls the agent, seating and invoicing handlers through the Restate ingress."""

    def __init__(
        self,
        ingress_url: str | Sequence[str] = DEFAULT_INGRESS_URL,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        attempts: int = DEFAULT_ATTEMPTS,
        backoff_s: float = DEFAULT_BACKOFF_S,
        transport: httpx.BaseTransport | None = None,
        supervisor_token: str = "",
        wait_s: float = 0.0,
        webhook_secret: str = "",
        session_tokens: dict[str, str] | None = None,
    ) -> None:
        # Several addresses: the ingresses of a cluster's nodes, tried in turn (see `call`).
        self.ingress_urls = ingress_urls(ingress_url)
        self._current = 0
        self.timeout_s = timeout_s
        self.attempts = max(1, attempts)
        self.backoff_s = backoff_s
        # A chat whose connection dropped after it was sent keeps re-attaching this long.
        self.wait_s = wait_s
        # Called once with a line for the user when a chat starts waiting to re-attach.
        self.on_wait: Callable[[str], None] | None = None
        # Requests sent again (same idempotency key), and how many of them went to another
        # address than the one that failed: what a node loss cost this client.
        self.retries = 0
        self.failovers = 0
        # The operator credential: proven (never sent) with operator actions only.
        self._supervisor_secret = supervisor_token
        # Signs `pay` as the payment provider would.
        self._webhook_secret = webhook_secret
        # Session id -> token, for the sessions this client opened (or was given).
        self.session_tokens: dict[str, str] = dict(session_tokens or {})
        timeout = httpx.Timeout(timeout_s, connect=min(timeout_s, CONNECT_TIMEOUT_S))
        # Loading the CA bundle costs ~80 ms per run; a plain-http ingress never uses it, and
        # redirects (the only way to reach another host) are not followed.
        self._http = httpx.Client(
            timeout=timeout,
            transport=transport,
            verify=any(url.startswith("https://") for url in self.ingress_urls),
        )

    @property
    def ingress_url(self) -> str:
        """The address the next request goes to first: the last one that answered."""
        return self.ingress_urls[self._current]

    @classmethod
    def from_env(cls, ingress_url: str | None = None) -> Self:
        """A client set up from $RESTATE_INGRESS_URL (one address or several, comma-separated),
        $CLIENT_TIMEOUT_S, $CLIENT_RETRY_BACKOFF_S, $CLIENT_WAIT_S; the supervisor token and the
        webhook secret from $SUPERVISOR_TOKEN / $PAYMENT_WEBHOOK_SECRET or the secrets dir."""
        return cls(
            ingress_url or os.environ.get(INGRESS_ENV) or DEFAULT_INGRESS_URL,
            timeout_s=_env_seconds(TIMEOUT_ENV, DEFAULT_TIMEOUT_S),
            backoff_s=_env_seconds(BACKOFF_ENV, DEFAULT_BACKOFF_S),
            supervisor_token=credentials.supervisor_token(),
            webhook_secret=credentials.webhook_secret(),
            wait_s=_env_seconds(WAIT_ENV, DEFAULT_WAIT_S),
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def open_session(self) -> OpenedSession:
        """Open a conversation: the agent returns its id and the token that alone may use it."""
        opened = OpenedSession.read(
            self.call("Sessions", None, "open", idempotency_key=new_idempotency_key())
        )
        self.session_tokens[opened.session_id] = opened.token
        return opened

    def _operator(self) -> dict[str, str]:
        """A fresh short-lived proof of the supervisor credential, if this client has it."""
        if not self._supervisor_secret:
            return {}
        return {SUPERVISOR_HEADER: credentials.operator_token(self._supervisor_secret)}

    def _bearer(self, session: str) -> dict[str, str]:
        """The session's `authorization` header, if this client holds its token."""
        token = self.session_tokens.get(session)
        return {"authorization": f"Bearer {token}"} if token else {}

    def chat(
        self,
        session: str,
        message: str,
        idempotency_key: str | None = None,
        trace: TraceParent | None = None,
    ) -> ChatReply:
        """Send one message to the session and wait for the agent's reply.

        The message starts a trace (`trace`, else fresh ids); its retries stay in that trace.
        Once the message was sent, a dropped or refused connection (the stack restarting) is
        waited out for `wait_s`, re-attaching with the same key: the answer is printed once.
        """
        key = idempotency_key or new_idempotency_key()
        trace = trace or TraceParent.new()
        body = {"message": message}
        return ChatReply.read(
            self.call(
                "AgentSession",
                session,
                "chat",
                body,
                idempotency_key=key,
                headers={"traceparent": trace.header, **self._bearer(session)},
                wait_s=self.wait_s,
            )
        )

    def history(self, session: str) -> History:
        """The session's whole conversation, oldest first."""
        return History.read(
            self.call("AgentSession", session, "history", headers=self._bearer(session))
        )

    def status(self, session: str) -> SessionStatus:
        """The session's active agent, counters, bookings and what the agents know."""
        return SessionStatus.read(
            self.call("AgentSession", session, "status", headers=self._bearer(session))
        )

    def booking(self, confirmation_number: str, last_name: str) -> Booking:
        """The booking, for its owner (confirmation number and last name); 404 otherwise."""
        proof = {"last_name": last_name}
        return Booking.read(self.call("Booking", confirmation_number, "lookup", proof))

    def approval(self, request_id: str) -> ApprovalStatus:
        """Where a seat request stands (pending, approved, rejected, expired)."""
        return ApprovalStatus.read(self.call("SeatApproval", request_id, "status"))

    def mails(self, email: str) -> Inbox:
        """The mails delivered to this address (an operator's read)."""
        return Inbox.read(self.call("Mailbox", email, "inbox", headers=self._operator()))

    def pay(self, invoice_id: str) -> Payment:
        """Pay an invoice as the payment provider would: a webhook signed with its secret."""
        if not self._webhook_secret:
            raise ClientError(
                "no payment webhook secret: set PAYMENT_WEBHOOK_SECRET or AIRLINE_SECRETS_DIR "
                "(make up keeps it in .stack/restate/secrets)"
            )
        body = json.dumps({"invoice_id": invoice_id}).encode()
        signed = credentials.sign_webhook(self._webhook_secret, body)
        # One key for this payment: a retry re-attaches instead of reporting "already paid".
        key = new_idempotency_key()
        return Payment.read(
            self.call(
                "Invoice",
                invoice_id,
                "pay",
                raw=body,
                idempotency_key=key,
                headers={SIGNATURE_HEADER: signed},
            )
        )

    def cancel(self, session: str) -> Cancellation:
        """Cancel the turn running in the session, if there is one."""
        return Cancellation.read(
            self.call("AgentSession", session, "cancel", headers=self._bearer(session))
        )

    def approvals(self) -> PendingApprovals:
        """The seat requests waiting for a supervisor, oldest first."""
        return PendingApprovals.read(
            self.call("ApprovalDesk", DESK_KEY, "pending", headers=self._operator())
        )

    def approve(self, request_id: str) -> ApprovalStatus:
        """Approve a seat request; 404 (unknown id) and 412 (decided) become RequestRejected."""
        return ApprovalStatus.read(self._decide("SeatApproval", request_id, "approve"))

    def reject(self, request_id: str, reason: str) -> ApprovalStatus:
        """Reject a seat request with a reason the customer will read."""
        found = self._decide("SeatApproval", request_id, "reject", {"reason": reason})
        return ApprovalStatus.read(found)

    def escalations(self) -> OpenEscalations:
        """The customers' requests waiting for a person, oldest first."""
        return OpenEscalations.read(
            self.call("EscalationDesk", ESCALATION_DESK, "pending", headers=self._operator())
        )

    def answer(self, escalation_id: str, text: str) -> EscalationStatus:
        """Answer an escalation; 404 (unknown id) and 412 (closed) become RequestRejected."""
        found = self._decide("Escalation", escalation_id, "answer", {"text": text})
        return EscalationStatus.read(found)

    def _decide(self, service: str, key: str, handler: str, body: Any = None) -> Any:
        """An operator's decision, with the supervisor's proof and one key for all retries: a
        retry after a lost answer re-attaches instead of getting a 412."""
        key_for_retries = new_idempotency_key()
        return self.call(
            service, key, handler, body, idempotency_key=key_for_retries, headers=self._operator()
        )

    def call(
        self,
        service: str,
        key: str | None,
        handler: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        idempotency_key: str | None = None,
        headers: dict[str, str] | None = None,
        wait_s: float = 0.0,
    ) -> Any:
        """POST to a virtual object's handler and return the decoded JSON response.

        Connection errors, timeouts and 5xx are retried with backoff, always with the same
        idempotency key, so Restate runs the invocation once and a retry re-attaches to it.
        With several ingress addresses a failure moves on to the next one at once (a node of
        the cluster was lost: any other node re-attaches to the same invocation); the backoff
        comes after every address has failed once. `attempts` counts those rounds. With
        `wait_s` (and a key), a request that reached the ingress once goes on re-attaching
        after a lost connection until `wait_s` has passed.
        """
        path = (
            f"/{service}/{handler}"
            if key is None
            else f"/{service}/{quote(key, safe='')}/{handler}"
        )
        headers = dict(headers or {})
        if idempotency_key:
            headers["idempotency-key"] = idempotency_key
        count = len(self.ingress_urls)
        first = self._current
        failure: httpx.Response | httpx.TransportError | None = None
        failed_at = self.ingress_url
        sent = False  # the ingress has seen the request: the invocation may be running
        deadline = time.monotonic() + wait_s
        attempt = 0
        while attempt < self.attempts * count or self._waiting(failure, sent, deadline):
            if attempt:
                self.retries += 1
                if attempt >= self.attempts * count:
                    time.sleep(min(MAX_WAIT_STEP_S, max(self.backoff_s, 0.1)))
                elif attempt % count == 0:
                    time.sleep(self.backoff_s * 2 ** (attempt // count - 1))
                else:
                    self.failovers += 1
            index = (first + attempt) % count
            attempt += 1
            url = self.ingress_urls[index] + path
            try:
                # Handlers without input take no body: Restate refuses one, even "null".
                if raw is not None:
                    typed = {**headers, "content-type": "application/json"}
                    response = self._http.post(url, content=raw, headers=typed)
                elif body is None:
                    response = self._http.post(url, headers=headers)
                else:
                    response = self._http.post(url, json=body, headers=headers)
            except httpx.TransportError as error:
                failure, failed_at = error, self.ingress_urls[index]
                sent = sent or not isinstance(error, httpx.ConnectError | httpx.ConnectTimeout)
                if sent and wait_s:
                    self._say_waiting()
                continue
            sent = True
            if response.status_code >= 500:
                failure, failed_at = response, self.ingress_urls[index]
                continue
            # The next request starts where this one was answered.
            self._current = index
            if response.status_code >= 400:
                raise RequestRejected(response.status_code, _error_message(response))
            try:
                return response.json()
            except ValueError:
                raise BadResponse(f"the ingress answered {path} with no JSON") from None
        raise self._gave_up(failure, failed_at, idempotency_key, sent)

    def _waiting(
        self, failure: httpx.Response | httpx.TransportError | None, sent: bool, deadline: float
    ) -> bool:
        """Whether to go on re-attaching: the request was sent, the connection is what failed."""
        if not sent or not isinstance(failure, httpx.TransportError):
            return False
        return time.monotonic() < deadline

    def _say_waiting(self) -> None:
        """Tell the user, once, that the client waits for the turn it already sent."""
        if self.on_wait is not None:
            self.on_wait(
                "the connection to the agent was lost while it answered; the turn goes on, "
                "waiting to re-attach to it (same idempotency key, nothing is sent twice)..."
            )
            self.on_wait = None

    def _gave_up(
        self,
        failure: httpx.Response | httpx.TransportError | None,
        failed_at: str,
        idempotency_key: str | None,
        sent: bool = False,
    ) -> ClientError:
        tries = f"{self.attempts} attempt{'s' if self.attempts > 1 else ''}"
        if len(self.ingress_urls) > 1:
            tries += f" at each of {len(self.ingress_urls)} addresses"
        if isinstance(failure, httpx.ConnectError | httpx.ConnectTimeout) and not sent:
            return IngressUnreachable(", ".join(self.ingress_urls))
        if isinstance(failure, httpx.Response):
            message = f"HTTP {failure.status_code} after {tries}: {_error_message(failure)}"
        elif isinstance(failure, httpx.TimeoutException):
            message = f"no answer within {self.timeout_s:g} s ({tries})"
        else:
            message = f"the connection to {failed_at} failed ({tries}): {failure}"
        return NoAnswer(message, idempotency_key)
