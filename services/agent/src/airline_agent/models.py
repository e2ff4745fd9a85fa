"""Pydantic types at the agent's boundary and in its state."""

import re
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from airline_contracts.sessions import Notice

from . import config

# C0 controls but tab and newlines, DEL, C1 controls: they never belong in a customer's text,
# and an escape sequence would reach terminals through `client history`.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

AgentRole = Literal["triage", "faq", "seat_booking", "invoice"]
PROVEN_KEPT = 5  # bookings a session remembers as proven, the latest


def _plain_text(text: str, *, what: str, blank: str, advice: str = "") -> str:
    """`text` as it came; a ValueError `blank` if it is empty, or naming a control character."""
    if not text.strip():
        raise ValueError(blank)
    control = _CONTROL.search(text)
    if control:
        raise ValueError(
            f"{what} contains a control character (U+{ord(control.group()):04X}){advice}"
        )
    return text


class ChatRequest(BaseModel):
    """One customer message."""

    message: str = Field(min_length=1)

    @field_validator("message")
    @classmethod
    def _sane(cls, message: str) -> str:
        blank = "the message is empty; write what you need, e.g. 'change my seat'"
        _plain_text(message, what="the message", blank=blank, advice="; send plain text")
        size = len(message.encode())
        if size > config.MAX_MESSAGE_BYTES:
            raise ValueError(
                f"the message is {size} bytes; the limit is {config.MAX_MESSAGE_BYTES} bytes"
            )
        return message


class ChatReply(BaseModel):
    """The agent's answer to one message."""

    reply: str
    agent: AgentRole
    turn: int


class CancelReply(BaseModel):
    """The answer to `cancel`: whether a running turn was found and cancelled."""

    cancelled: bool
    invocation_id: str | None = None
    message: str


class AirlineContext(BaseModel):
    """What the agents learned about the customer's booking; tools update it through `about`."""

    passenger_name: str | None = None
    confirmation_number: str | None = None
    seat_number: str | None = None
    flight_number: str | None = None
    approval_request: str | None = None  # the latest seat request waiting for a supervisor
    # Bookings whose owner the customer proved (a service accepted the last name): number ->
    # last name. Kept across turns and agents, so the customer is not asked again.
    proven: dict[str, str] = Field(default_factory=dict)

    def prove(self, confirmation_number: str, last_name: str) -> None:
        """Remember that the customer proved `confirmation_number` is theirs with `last_name`."""
        self.proven = {**self.proven, confirmation_number: last_name}
        if len(self.proven) > PROVEN_KEPT:
            self.proven = dict(list(self.proven.items())[-PROVEN_KEPT:])

    def memory_note(self) -> str:
        """What the agents are told the session remembers (the offline model reads it too)."""
        if not self.proven:
            return ""
        pairs = ", ".join(f"{number} (last name {name})" for number, name in self.proven.items())
        return (
            f"\nProven bookings (the customer already proved they own them): {pairs}\n"
            "Use these confirmation numbers and last names without asking for them again; "
            "when the customer names no booking and only one is proven, it is that one."
        )

    def about(self, confirmation_number: str) -> "AirlineContext":
        """Make `confirmation_number` the booking the facts are about; returns self to update.

        Switching to another booking forgets everything learned about the previous one.
        """
        if confirmation_number != self.confirmation_number:
            self.passenger_name = None
            self.seat_number = None
            self.flight_number = None
            self.approval_request = None
            self.confirmation_number = confirmation_number
        return self


class SessionState(BaseModel):
    """The small, always-loaded part of a session's memory (state key "session")."""

    active_agent: AgentRole = "triage"
    turns: int = 0
    item_count: int = 0
    bookings: list[str] = Field(default_factory=list)
    context: AirlineContext = Field(default_factory=AirlineContext)
    notices: list[Notice] = Field(default_factory=list)  # the latest few, newest last


class HistoryEntry(BaseModel):
    """One item of the conversation, readable by a person."""

    kind: Literal["user", "assistant", "tool_call", "tool_result", "other"]
    text: str
    name: str | None = None


class History(BaseModel):
    """The whole conversation of a session: readable entries plus the raw SDK items."""

    session_id: str
    entries: list[HistoryEntry]
    items: list[dict[str, Any]]


class CheckInRequest(BaseModel):
    """Schedule a check-in reminder for a booking, to be told in a session."""

    session_id: str = Field(min_length=1)
    confirmation_number: str = Field(min_length=1, max_length=16)


class CheckInReminderState(BaseModel):
    """A `CheckInReminder` object's state, and what `schedule` answers."""

    session_id: str
    confirmation_number: str
    passenger_name: str
    email: str
    flight: str
    due: str  # ISO 8601, UTC
    reminder_id: str  # invocation id of the delayed `fire`
    status: Literal["scheduled", "sent"] = "scheduled"
    already_scheduled: bool = False  # set in the answer when it was scheduled before


# --------------------------------------------------------------------------------------------
# Escalations to a person (escalation.py)
# --------------------------------------------------------------------------------------------

ESCALATION_ID = re.compile(r"^ESC-[0-9A-F]{8}$")
Topic = Literal["cancellation", "refund", "complaint", "human"]


class EscalationRequest(BaseModel):
    """What the agent's tool asks a person for, and whom the answer goes to."""

    session_id: str = Field(min_length=1, max_length=200)
    topic: Topic
    summary: str = Field(min_length=1, max_length=1000)
    confirmation_number: str | None = None
    # With the booking, proof of ownership: the answer is mailed to the booking's address.
    last_name: str | None = Field(default=None, max_length=100)


class Escalation(BaseModel):
    """One request for a person, as the supervisors' desk lists it."""

    escalation_id: str = Field(pattern=ESCALATION_ID.pattern)
    session_id: str
    topic: Topic
    summary: str
    confirmation_number: str | None = None
    email: str | None = None  # the booking's, once its owner proved it: the answer is mailed
    passenger_name: str | None = None
    opened_at: float  # unix seconds
    timeout_s: float  # unanswered after this long, the customer is told so


class StaffAnswer(BaseModel):
    """A person's answer, posted into the customer's conversation as it is written."""

    text: str = Field(min_length=1, max_length=1500)

    @field_validator("text")
    @classmethod
    def _written(cls, text: str) -> str:
        blank = "write the answer the customer will read"
        return _plain_text(text, what="the answer", blank=blank).strip()


class Reply(BaseModel):
    """What completed an escalation's durable promise: a person's answer, or the timer."""

    verdict: Literal["answered", "expired"]
    text: str | None = None


class EscalationStatus(BaseModel):
    """Where an escalation stands; `told` is what the customer read once it was closed."""

    escalation: Escalation
    state: Literal["open", "answered", "expired"]
    answer: str | None = None
    told: str | None = None


class OpenEscalations(BaseModel):
    """The escalations waiting for a person, oldest first."""

    escalations: list[Escalation]
