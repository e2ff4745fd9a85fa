"""Restate's cancellation as a turn meets it: a TerminalError with status 409.

409 means cancellation and nothing else: business conflicts must use another code, so this is
the one place that recognises it.
"""

from restate import TerminalError

CANCELLED = 409


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
