"""Typed results of the ingress calls; each keeps the response body it was read from."""

import re
from typing import Any, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationError, field_validator

from .errors import BadResponse

EntryKind = Literal["user", "assistant", "tool_call", "tool_result", "other"]
ENTRY_KINDS: tuple[EntryKind, ...] = ("user", "assistant", "tool_call", "tool_result", "other")
Json = dict[str, Any]
# How many of a malformed body's problems the error names.
SHOWN_PROBLEMS = 3


class Answer(BaseModel):
    """A response body as this client reads it.

    Strict types (a flag is no count, a number no text); fields the server adds later are
    ignored, so a newer server does not break an older client.
    """

    model_config = ConfigDict(frozen=True, strict=True, extra="ignore")
    # What the errors call this body: the class name in words (`ChatReply`: "chat reply"),
    # unless a class names it itself.
    what: ClassVar[str] = "answer"
    _raw: Json = PrivateAttr(default_factory=lambda: {})

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "what" not in vars(cls):
            cls.what = " ".join(re.findall(r"[A-Z][a-z]*", cls.__name__)).lower()

    @property
    def raw(self) -> Json:
        """The response body exactly as the server sent it (what `--json` prints)."""
        return self._raw

    @classmethod
    def read(cls, data: Any) -> Self:
        """Read a response body; BadResponse names what is missing or of the wrong type."""
        try:
            found = cls.model_validate(data)
        except ValidationError as error:
            problems = [
                f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}"
                for e in error.errors(include_url=False)[:SHOWN_PROBLEMS]
            ]
            raise BadResponse(
                f"unexpected {cls.what} from the ingress: {'; '.join(problems)}"
            ) from None
        found._raw = data
        return found


class ChatReply(Answer):
    """The agent's answer to one message."""

    reply: str
    agent: str
    turn: int


class HistoryEntry(Answer):
    """One item of the conversation: a message, a tool call or a tool result."""

    kind: EntryKind = "other"
    text: str
    name: str | None = None

    @field_validator("kind", mode="before")
    @classmethod
    def _known_kind(cls, value: Any) -> Any:
        # A kind this client does not know yet still shows up, as "other".
        return value if value in ENTRY_KINDS else "other"


class History(Answer):
    """The whole conversation of a session, oldest first."""

    session_id: str
    entries: list[HistoryEntry]


class SessionContext(Answer):
    """What the agents learned about the customer."""

    passenger_name: str | None = None
    confirmation_number: str | None = None
    seat_number: str | None = None
    flight_number: str | None = None
    approval_request: str | None = None  # the latest seat request sent to a supervisor
    proven: dict[str, str] = {}  # booking -> the last name its owner proved it with


class Notice(Answer):
    """Something the customer was told outside a turn (an approval's outcome, a reminder)."""

    text: str
    source: str = ""


class SessionStatus(Answer):
    """A session's current state: active agent, counters, bookings touched, notices."""

    what: ClassVar[str] = "status"
    active_agent: str
    turns: int
    item_count: int
    bookings: list[str]
    context: SessionContext = SessionContext()
    notices: list[Notice] = []


class Booking(Answer):
    """A passenger's booking as the seating service holds it."""

    confirmation_number: str
    passenger_name: str
    email: str
    flight: str
    seat: str
    fare_eur: int


class Mail(Answer):
    """One mail delivered to a mailbox."""

    mail_id: str
    to: str
    subject: str
    body: str


class Inbox(Answer):
    """The mails delivered to one address, oldest first."""

    email: str
    mails: list[Mail]


class OpenedSession(Answer):
    """A conversation the agent opened: its id and the token that alone may use it."""

    session_id: str
    token: str
    expires_at: int


class Payment(Answer):
    """The answer to paying an invoice."""

    invoice_id: str
    already_paid: bool
    reminder: str
    message: str


class Cancellation(Answer):
    """The answer to cancelling a session's running turn."""

    what: ClassVar[str] = "cancel answer"
    cancelled: bool
    invocation_id: str | None = None
    message: str
