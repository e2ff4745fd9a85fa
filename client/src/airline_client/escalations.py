"""Requests for a person (escalations): what the ingress returns, and how it is shown."""

from .desks import age, listing
from .models import Answer

DESK_KEY = "supervisors"  # the one EscalationDesk object the agent keeps
SUMMARY_SHOWN = 60  # characters of the customer's words on the list


class Escalation(Answer):
    """One customer's request for a person."""

    escalation_id: str
    session_id: str
    topic: str
    summary: str
    confirmation_number: str | None = None
    email: str | None = None
    opened_at: float


class OpenEscalations(Answer):
    """The escalations on the supervisors' desk, oldest first."""

    escalations: list[Escalation]


class EscalationStatus(Answer):
    """Where one escalation stands after an answer (or still open)."""

    escalation: Escalation
    state: str
    answer: str | None = None


def _quoted(text: str) -> str:
    flat = " ".join(text.split())
    return f'"{flat if len(flat) <= SUMMARY_SHOWN else flat[: SUMMARY_SHOWN - 3] + "..."}"'


def pending(found: OpenEscalations, now: float) -> str:
    """Two lines per open escalation: id, topic, booking, age; session, the customer's words."""

    def line(e: Escalation) -> str:
        mail = "answer mailed too" if e.email else "answer in the conversation only"
        return (
            f"  {e.escalation_id}  {e.topic:<12}  booking {e.confirmation_number or '-':<8}  "
            f"waiting {age(now - e.opened_at)}  ({mail})\n"
            f"      session {e.session_id}: {_quoted(e.summary)}"
        )

    return listing(found.escalations, "escalation", "for a person", line)


def answered(status: EscalationStatus) -> str:
    """What an answer did: where the customer reads it."""
    e = status.escalation
    where = "in their conversation" + (f" and by mail to {e.email}" if e.email else "")
    return f"answered {e.escalation_id} ({e.topic}): the customer reads it {where}"
