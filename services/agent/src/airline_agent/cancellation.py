"""Cancelling a running turn: how the turn is found, and what a cancelled turn leaves behind.

The running `chat` records its invocation id in state key RUNNING_TURN when it starts, so the
shared `AgentSession/cancel` handler can read it while the turn runs and cancel it. Restate then
cancels the whole call tree; the turn sees Restate's cancellation (durable_agents) at its next
await.
"""

from typing import Any

RUNNING_TURN = "running_turn"
CANCELLED_NOTE = "(cancelled)"


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
