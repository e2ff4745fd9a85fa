"""The session's memory is Restate state that can be read from outside, and it is really there."""

import httpx

from devstack import Stack
from tests.support.helpers import chat, new_booking, read, session_id


def test_history_and_status_are_readable_from_outside(ingress: httpx.Client) -> None:
    booking = new_booking(ingress)
    session = session_id()
    chat(ingress, session, "can you change my seat to 10b?")
    chat(ingress, session, booking.confirmation_number)

    history = read(ingress, f"/AgentSession/{session}/history")
    status = read(ingress, f"/AgentSession/{session}/status")

    users = [e["text"] for e in history["entries"] if e["kind"] == "user"]
    assert users == ["can you change my seat to 10b?", booking.confirmation_number]
    tools = [e["name"] for e in history["entries"] if e["kind"] == "tool_call"]
    assert "update_seat" in tools
    assert status["active_agent"] == "seat_booking"
    assert status["turns"] == 2
    assert status["bookings"] == [booking.confirmation_number]
    assert status["item_count"] == len(history["items"])


def test_history_is_in_restate_state(stack: Stack, ingress: httpx.Client) -> None:
    """Read the state table itself: the keys the UI shows hold the items the handler returns."""
    session = session_id()
    for question in ("how much baggage can I bring?", "is there wifi?", "hello"):
        chat(ingress, session, question)

    rows = stack.admin_query(
        "SELECT key FROM state WHERE service_name = 'AgentSession' "
        f"AND service_key = '{session}' ORDER BY key"
    )

    keys = [row["key"] for row in rows]
    assert "session" in keys
    assert any(key.startswith("history.") for key in keys)
    history = read(ingress, f"/AgentSession/{session}/history")
    assert len(history["items"]) >= 9  # three turns of user, tool call, result, answer...


def test_sessions_are_isolated(ingress: httpx.Client) -> None:
    first, second = session_id(), session_id()
    chat(ingress, first, "can you change my seat to 10b?")

    assert read(ingress, f"/AgentSession/{second}/history")["entries"] == []
    assert read(ingress, f"/AgentSession/{second}/status")["turns"] == 0


def test_long_conversation_keeps_every_item(ingress: httpx.Client) -> None:
    """More items than one chunk and than the model's window: nothing is lost."""
    session = session_id()
    for turn in range(25):
        chat(ingress, session, f"is there wifi? ({turn})")

    history = read(ingress, f"/AgentSession/{session}/history")

    users = [e["text"] for e in history["entries"] if e["kind"] == "user"]
    assert users == [f"is there wifi? ({turn})" for turn in range(25)]
