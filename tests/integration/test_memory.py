"""The session's memory is Restate state that can be read from outside, and it is really there."""

import httpx

from devstack import Stack
from tests.support.helpers import chat, new_booking, read, session_id, wait_for


def test_history_and_status_are_readable_from_outside(ingress: httpx.Client) -> None:
    booking = new_booking(ingress)
    session = session_id()
    chat(ingress, session, "can you change my seat to 10b?")
    chat(ingress, session, booking.proof)

    history = read(ingress, f"/AgentSession/{session}/history")
    status = read(ingress, f"/AgentSession/{session}/status")

    users = [e["text"] for e in history["entries"] if e["kind"] == "user"]
    assert users == ["can you change my seat to 10b?", booking.proof]
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


def test_a_notice_joins_the_history_between_turns(ingress: httpx.Client) -> None:
    """`AgentSession/notify` (used by approvals and reminders) appends to the conversation."""
    session = session_id()
    chat(ingress, session, "is there wifi?")
    response = ingress.post(
        "/TestSupport/notify_session",
        json={"session_id": session, "text": "Your seat change to 2A was approved."},
    )
    assert response.status_code == 200, response.text

    status = wait_for(
        lambda: (s := read(ingress, f"/AgentSession/{session}/status"))["notices"] and s,
        timeout=15,
        message="the notice",
    )
    assert status["notices"] == [
        {"text": "Your seat change to 2A was approved.", "source": "tests"}
    ]
    entries = read(ingress, f"/AgentSession/{session}/history")["entries"]
    assert entries[-1] == {
        "kind": "assistant",
        "text": "Your seat change to 2A was approved.",
        "name": None,
    }
    # The model gets the notice as input on the next turn, and the turn works.
    reply = chat(ingress, session, "how much baggage can I bring?")
    assert reply["turn"] == 2
    assert status["item_count"] + 1 < read(ingress, f"/AgentSession/{session}/status")["item_count"]


def test_notify_is_private(ingress: httpx.Client) -> None:
    response = ingress.post(
        f"/AgentSession/{session_id()}/notify", json={"text": "hi", "source": "outsider"}
    )
    assert response.status_code in (400, 403, 404), response.text
