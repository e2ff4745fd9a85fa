"""Typed results of the ingress calls; each keeps the response body it was read from."""

from dataclasses import dataclass, field
from typing import Any, Literal, cast

from .errors import BadResponse

EntryKind = Literal["user", "assistant", "tool_call", "tool_result", "other"]
ENTRY_KINDS: tuple[EntryKind, ...] = ("user", "assistant", "tool_call", "tool_result", "other")
Json = dict[str, Any]


def _object(data: Any, what: str) -> Json:
    if not isinstance(data, dict):
        raise BadResponse(f"unexpected {what} from the ingress: {data!r}")
    return cast(Json, data)


def _list(data: Json, key: str, what: str) -> list[Any]:
    value = data.get(key)
    if not isinstance(value, list):
        raise BadResponse(f"unexpected {what} from the ingress: no list {key!r}")
    return cast(list[Any], value)


def _str(data: Json, key: str, what: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise BadResponse(f"unexpected {what} from the ingress: no text {key!r}")
    return value


def _opt_str(data: Json, key: str, what: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise BadResponse(f"unexpected {what} from the ingress: {key!r} is not text")
    return value


def _bool(data: Json, key: str, what: str) -> bool:
    value = data.get(key)
    if not isinstance(value, bool):
        raise BadResponse(f"unexpected {what} from the ingress: no flag {key!r}")
    return value


def _int(data: Json, key: str, what: str) -> int:
    value = data.get(key)
    # bool is an int subclass; a flag where a count belongs is a malformed body.
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadResponse(f"unexpected {what} from the ingress: no number {key!r}")
    return value


@dataclass(frozen=True)
class ChatReply:
    """The agent's answer to one message."""

    reply: str
    agent: str
    turn: int
    raw: Json = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Any) -> "ChatReply":
        """Read a `chat` response body."""
        what = "chat reply"
        body = _object(data, what)
        return cls(
            reply=_str(body, "reply", what),
            agent=_str(body, "agent", what),
            turn=_int(body, "turn", what),
            raw=body,
        )


@dataclass(frozen=True)
class HistoryEntry:
    """One item of the conversation: a message, a tool call or a tool result."""

    kind: EntryKind
    text: str
    name: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> "HistoryEntry":
        """Read one element of `entries`."""
        what = "history entry"
        body = _object(data, what)
        raw_kind = body.get("kind")
        # A kind this client does not know yet still shows up, as "other".
        kind = cast(EntryKind, raw_kind) if raw_kind in ENTRY_KINDS else "other"
        return cls(kind=kind, text=_str(body, "text", what), name=_opt_str(body, "name", what))


@dataclass(frozen=True)
class History:
    """The whole conversation of a session, oldest first."""

    session_id: str
    entries: list[HistoryEntry]
    raw: Json = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Any) -> "History":
        """Read a `history` response body."""
        what = "history"
        body = _object(data, what)
        entries = [HistoryEntry.from_json(e) for e in _list(body, "entries", what)]
        return cls(session_id=_str(body, "session_id", what), entries=entries, raw=body)


@dataclass(frozen=True)
class SessionContext:
    """What the agents learned about the customer."""

    passenger_name: str | None = None
    confirmation_number: str | None = None
    seat_number: str | None = None
    flight_number: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> "SessionContext":
        """Read the `context` of a `status` response."""
        what = "session context"
        body = _object(data, what)
        return cls(
            passenger_name=_opt_str(body, "passenger_name", what),
            confirmation_number=_opt_str(body, "confirmation_number", what),
            seat_number=_opt_str(body, "seat_number", what),
            flight_number=_opt_str(body, "flight_number", what),
        )


@dataclass(frozen=True)
class SessionStatus:
    """A session's current state: active agent, counters, bookings touched."""

    active_agent: str
    turns: int
    item_count: int
    bookings: list[str]
    context: SessionContext
    raw: Json = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Any) -> "SessionStatus":
        """Read a `status` response body."""
        what = "status"
        body = _object(data, what)
        return cls(
            active_agent=_str(body, "active_agent", what),
            turns=_int(body, "turns", what),
            item_count=_int(body, "item_count", what),
            bookings=[str(b) for b in _list(body, "bookings", what)],
            context=SessionContext.from_json(body.get("context", {})),
            raw=body,
        )


@dataclass(frozen=True)
class Booking:
    """A passenger's booking as the seating service holds it."""

    confirmation_number: str
    passenger_name: str
    email: str
    flight: str
    seat: str
    fare_eur: int
    raw: Json = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Any) -> "Booking":
        """Read a `Booking/get` response body."""
        what = "booking"
        body = _object(data, what)
        return cls(
            confirmation_number=_str(body, "confirmation_number", what),
            passenger_name=_str(body, "passenger_name", what),
            email=_str(body, "email", what),
            flight=_str(body, "flight", what),
            seat=_str(body, "seat", what),
            fare_eur=_int(body, "fare_eur", what),
            raw=body,
        )


@dataclass(frozen=True)
class Mail:
    """One mail delivered to a mailbox."""

    mail_id: str
    to: str
    subject: str
    body: str

    @classmethod
    def from_json(cls, data: Any) -> "Mail":
        """Read one element of `mails`."""
        what = "mail"
        body = _object(data, what)
        return cls(
            mail_id=_str(body, "mail_id", what),
            to=_str(body, "to", what),
            subject=_str(body, "subject", what),
            body=_str(body, "body", what),
        )


@dataclass(frozen=True)
class Inbox:
    """The mails delivered to one address, oldest first."""

    email: str
    mails: list[Mail]
    raw: Json = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Any) -> "Inbox":
        """Read a `Mailbox/inbox` response body."""
        what = "inbox"
        body = _object(data, what)
        mails = [Mail.from_json(m) for m in _list(body, "mails", what)]
        return cls(email=_str(body, "email", what), mails=mails, raw=body)


@dataclass(frozen=True)
class Payment:
    """The answer to paying an invoice."""

    invoice_id: str
    already_paid: bool
    reminder: str
    message: str
    raw: Json = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Any) -> "Payment":
        """Read an `Invoice/pay` response body."""
        what = "payment"
        body = _object(data, what)
        return cls(
            invoice_id=_str(body, "invoice_id", what),
            already_paid=_bool(body, "already_paid", what),
            reminder=_str(body, "reminder", what),
            message=_str(body, "message", what),
            raw=body,
        )


@dataclass(frozen=True)
class Cancellation:
    """The answer to cancelling a session's running turn."""

    cancelled: bool
    invocation_id: str | None
    message: str
    raw: Json = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Any) -> "Cancellation":
        """Read an `AgentSession/cancel` response body."""
        what = "cancel answer"
        body = _object(data, what)
        return cls(
            cancelled=_bool(body, "cancelled", what),
            invocation_id=_opt_str(body, "invocation_id", what),
            message=_str(body, "message", what),
            raw=body,
        )
