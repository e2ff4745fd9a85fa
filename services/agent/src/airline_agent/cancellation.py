"""Cancelling a running turn: how the turn is found, and what a cancelled turn leaves behind.

The running `chat` records its invocation id in state key RUNNING_TURN when it starts, so the
shared `AgentSession/cancel` handler can read it while the turn runs and cancel it. Restate then
cancels the whole call tree; the turn sees Restate's cancellation (durable_agents) at its next
await.
"""

import json
from typing import Any

from durable_agents import ToolRun

RUNNING_TURN = "running_turn"


def _unfinished(run: ToolRun) -> str:
    """A call cut short, in the customer's words."""
    try:
        arguments = json.loads(run.arguments or "{}")
    except ValueError:
        arguments = {}
    number = arguments.get("confirmation_number", "")
    booking = f" for booking {number}" if number else ""
    if run.name == "update_seat":
        return f"the seat change to {arguments.get('new_seat', '?')}{booking}"
    if run.name == "send_invoice":
        return f"the invoice{booking}"
    return f"{run.name.replace('_', ' ')}{booking}"


def what_the_cancel_left(turn: int, completed: list[ToolRun], unfinished: list[ToolRun]) -> str:
    """What the customer (and the model, next turn) is told about a cancelled turn."""
    if not completed and not unfinished:
        return f"Turn {turn} was cancelled before anything was done; nothing was changed."
    said = [f"Turn {turn} was cancelled."]
    if completed:
        said.append("Done before the cancel: " + " ".join(str(r.output) for r in completed))
    if unfinished:
        cut = ", ".join(_unfinished(r) for r in unfinished)
        said.append(
            f"Stopped by the cancel before it answered: {cut}; check its state before asking again."
        )
    said.append("Nothing else was done." if completed else "Nothing was confirmed as done.")
    return " ".join(said)


def cancelled_turn_items(message: str, completed: list[ToolRun], note: str) -> list[dict[str, Any]]:
    """What a cancelled turn adds to the history: the message, each call that completed with
    its result (a call always with its output), and the note."""
    # Plain input forms (like notices): valid model input, no made-up item ids.
    items: list[dict[str, Any]] = [{"role": "user", "content": message}]
    for run in completed:
        items.append(
            {
                "type": "function_call",
                "call_id": run.call_id,
                "name": run.name,
                "arguments": run.arguments,
            }
        )
        items.append({"type": "function_call_output", "call_id": run.call_id, "output": run.output})
    items.append({"type": "message", "role": "assistant", "content": note})
    return items
