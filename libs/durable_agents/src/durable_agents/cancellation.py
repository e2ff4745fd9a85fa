"""Restate's cancellation as a turn meets it: a TerminalError with status 409.

409 means cancellation and nothing else: business conflicts must use another code, so this is
the one place that recognises it.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from restate import TerminalError

CANCELLED = 409


@dataclass(frozen=True)
class ToolRun:
    """One tool call of a run: what the model asked for, and what the tool returned (if it did)."""

    call_id: str
    name: str
    arguments: str  # the JSON the model sent
    output: str | None = None  # None: the call had not finished when the run ended


class TurnCancelled(TerminalError):
    """Restate cancelled the run; `completed` are the tool calls that finished before that.

    `unfinished` were started and never returned: what they did downstream is unknown (Restate
    cancelled them too). A handler tells the customer both, and keeps `completed` in the history.
    """

    def __init__(self, completed: Sequence[ToolRun], unfinished: Sequence[ToolRun]) -> None:
        super().__init__("cancelled", status_code=CANCELLED)
        self.completed = list(completed)
        self.unfinished = list(unfinished)


def is_cancellation(error: BaseException) -> bool:
    """Whether the error is Restate's cancellation of the invocation (or of a call it made)."""
    return isinstance(error, TerminalError) and error.status_code == CANCELLED


def turn_cancelled(error: BaseException) -> bool:
    """Whether Restate's cancellation ended the turn: the error itself or what caused it.

    The Agents SDK wraps an exception raised by a tool in a UserError, the TerminalError as its
    cause, so a cancellation that reaches a tool's call in flight arrives that way.
    """
    seen: BaseException | None = error
    while seen is not None:
        if is_cancellation(seen):
            return True
        seen = seen.__cause__
    return False
