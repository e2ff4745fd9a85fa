"""Cancelling a running turn: how the turn is found, and what a cancelled turn leaves behind.

The running `chat` records its invocation id in state key RUNNING_TURN when it starts, so the
shared `AgentSession/cancel` handler can read it while the turn runs and cancel it. Restate then
cancels the whole call tree; the turn sees a TerminalError (409) at its next await.
"""

from typing import Any

from restate import TerminalError

RUNNING_TURN = "running_turn"
CANCELLED_NOTE = "(cancelled)"


def is_cancellation(error: TerminalError) -> bool:
    """Whether the error is Restate's cancellation, not a business 409 such as a taken seat."""
    return error.status_code == 409 and error.message.strip().lower().startswith("cancel")


def turn_cancelled(error: BaseException) -> bool:
    """Whether Restate's cancellation ended the turn: the error itself or what caused it.

    The Agents SDK wraps an exception raised by a tool in a UserError, the TerminalError as its
    cause, so a cancellation that reaches a tool's call in flight arrives that way.
    """
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, TerminalError) and is_cancellation(seen):
            return True
        seen = seen.__cause__
    return False


def cancelled_turn_items(message: str) -> list[dict[str, Any]]:
    """What a cancelled turn adds to the history: the customer's message and a short note.

    Nothing the model produced during the turn is kept, so the history never holds a tool call
    without its output.
    """
    # Plain input-message forms (like notices): valid model input, no made-up item ids.
    return [
        {"role": "user", "content": message},
        {"type": "message", "role": "assistant", "content": CANCELLED_NOTE},
    ]
