"""Command-line client for the durable airline agent, and `AgentClient` for scripts and tests."""

from .api import AgentClient, new_idempotency_key
from .errors import BadResponse, ClientError, IngressUnreachable, NoAnswer, RequestRejected
from .models import Booking, ChatReply, History, HistoryEntry, Inbox, Mail, SessionStatus
from .tracecontext import TraceParent

__all__ = [
    "AgentClient",
    "BadResponse",
    "Booking",
    "ChatReply",
    "ClientError",
    "History",
    "HistoryEntry",
    "Inbox",
    "IngressUnreachable",
    "Mail",
    "NoAnswer",
    "RequestRejected",
    "SessionStatus",
    "TraceParent",
    "new_idempotency_key",
]
