"""A person when the customer needs one: the escalation waits through SIGKILLs, then arrives once.

Each test runs a stack of its own, opens escalations through the agent, SIGKILLs every process
(restate-server included) while they wait and starts them again on the same data dir. The
answer (or the timeout's message) then reaches the conversation and the mailbox exactly once.
"""

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from devstack import Stack
from tests.conftest import own_stack
from tests.support.helpers import (
    chat,
    logged,
    mails,
    new_booking,
    read,
    relay,
    session_id,
    wait_for,
)

DESK = "/EscalationDesk/supervisors/pending"
ESCALATION_ID = re.compile(r"ESC-[0-9A-F]{8}")
WRONG_SUPERVISOR = {"x-supervisor-token": "guess"}


@pytest.fixture
def stack(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Stack]:
    """A stack of the test's own: it is SIGKILLed. The parameter, if any: ESCALATION_TIMEOUT_S."""
    timeout = getattr(request, "param", None)
    agent_env = {"ESCALATION_TIMEOUT_S": timeout} if timeout else {}
    yield from own_stack(tmp_path_factory, "escalations", agent_env=agent_env)


def crash_everything(stack: Stack) -> None:
    """SIGKILL every process, restate-server included, and start them again on the same data."""
    stack.kill()
    stack.ensure_running()


def escalate(ingress: httpx.Client, session: str, message: str) -> tuple[str, str]:
    """Ask for a person; returns the reference the agent gave and its reply."""
    answer = chat(ingress, session, message)
    assert answer["agent"] == "triage", answer
    reply = answer["reply"]
    assert "I've passed this to a person on our staff" in reply, reply
    found = ESCALATION_ID.search(reply)
    assert found, reply
    return found.group(0), reply


def on_desk(ingress: httpx.Client) -> dict[str, dict[str, Any]]:
    return {e["escalation_id"]: e for e in read(ingress, DESK)["escalations"]}


def desk_with(ingress: httpx.Client, *ids: str, timeout: float = 30) -> dict[str, dict[str, Any]]:
    """The desk once it lists every one of ids (a restarted stack may refuse a moment first)."""

    def listed() -> dict[str, dict[str, Any]] | None:
        try:
            desk = on_desk(ingress)
        except httpx.HTTPError:
            return None
        return desk if set(ids) <= set(desk) else None

    found = wait_for(listed, timeout=timeout, message=f"{ids} on the desk")
    assert found is not None
    return found


def answer(
    ingress: httpx.Client, escalation_id: str, text: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    path = f"/Escalation/{escalation_id}/answer"
    return ingress.post(path, json={"text": text}, headers=headers or {})


def said(ingress: httpx.Client, session: str, words: str) -> int:
    """How many of the session's assistant messages contain `words`."""
    entries = read(ingress, f"/AgentSession/{session}/history")["entries"]
    return sum(e["kind"] == "assistant" and words in e["text"] for e in entries)


def test_an_answer_reaches_the_session_and_the_mailbox_once_after_sigkill(
    stack: Stack, ingress: httpx.Client
) -> None:
    refund, person = session_id(), session_id()
    booking = new_booking(ingress)
    number = booking.confirmation_number
    id1, reply = escalate(ingress, refund, f"I want a refund for {booking.proof}")
    assert "Nothing has been refunded yet" in reply, reply
    assert f"by e-mail to the address on booking {number}" in reply, reply
    id2, reply = escalate(ingress, person, "get me a real person")
    assert "e-mail" not in reply and "Nothing has been changed yet" in reply, reply

    desk = desk_with(ingress, id1, id2)
    assert desk[id1]["session_id"] == refund and desk[id1]["topic"] == "refund"
    assert desk[id1]["confirmation_number"] == number
    assert desk[id1]["email"] == booking.email
    assert desk[id1]["summary"] == f"I want a refund for {booking.proof}"
    assert desk[id2]["topic"] == "human" and desk[id2]["confirmation_number"] is None

    # Only a supervisor lists or answers: no proof or a wrong one, and nothing changes.
    for headers, code in (({}, 401), (WRONG_SUPERVISOR, 403)):
        listed = httpx.post(f"{stack.ingress_url}{DESK}", headers=headers)
        assert listed.status_code == code, listed.text
        assert "Only a supervisor may read the escalations" in listed.json()["message"]
        sent = httpx.post(
            f"{stack.ingress_url}/Escalation/{id1}/answer",
            json={"text": "forged"},
            headers=headers,
        )
        assert sent.status_code == code, sent.text
        assert "Only a supervisor may answer" in sent.json()["message"]
    assert said(ingress, refund, "forged") == 0

    crash_everything(stack)
    desk_with(ingress, id1, id2, timeout=60)  # still waiting after the crash
    text = "Your refund of EUR 250 is approved; it reaches your card within 5 days."
    done = answer(ingress, id1, text)
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "answered"

    told = f"Answer from our staff to your request {id1}: {text}"
    wait_for(lambda: said(ingress, refund, told), timeout=60, message="the answer, posted")
    (mail,) = wait_for(lambda: mails(ingress, booking.email), timeout=60, message="a mail")
    assert id1 in mail["subject"] and text in mail["body"]
    wait_for(lambda: id1 not in on_desk(ingress), message="the answered one off the desk")
    assert id2 in on_desk(ingress)

    # The agent crashed again after the answer: nothing arrives twice.
    stack.restart("agent")
    again = answer(ingress, id1, "a second answer")
    assert again.status_code == 412, again.text
    assert "already answered" in again.json()["message"]
    unknown = answer(ingress, "ESC-00000000", "hello")
    assert unknown.status_code == 404 and "No escalation" in unknown.json()["message"]
    nothing = answer(ingress, id2, "   ")
    assert nothing.status_code == 400, nothing.text

    # The model sees the answer next turn; it stays in the history once.
    chat(ingress, refund, "thanks")
    assert said(ingress, refund, told) == 1
    assert len(mails(ingress, booking.email)) == 1
    status = relay(ingress, "Escalation", "status", id1)
    assert status["state"] == "answered" and status["answer"] == text
    assert logged(stack, "agent", f"escalation {id1}: answered") == 1
    assert logged(stack, "agent", f"escalation {id1} (refund) of session") == 1


@pytest.mark.parametrize("stack", ["8"], indirect=True, ids=["timeout-8s"])
def test_nobody_answering_is_said_after_the_timeout_across_a_sigkill(
    stack: Stack, ingress: httpx.Client
) -> None:
    session = session_id()
    booking = new_booking(ingress)
    # Proven earlier in the session: the escalation names that booking and mails its owner.
    chat(ingress, session, f"send me the invoice for {booking.proof}")
    escalation_id, reply = escalate(ingress, session, "I'd like to cancel my booking")
    assert "Nothing has been cancelled yet" in reply, reply
    assert "in 8 seconds" in reply, reply
    desk_with(ingress, escalation_id)

    crash_everything(stack)
    sorry = f"nobody from our staff has answered your request {escalation_id} in 8 seconds"
    wait_for(lambda: said(ingress, session, sorry), timeout=90, message="the timeout's note")
    found = wait_for(
        lambda: [m for m in mails(ingress, booking.email) if escalation_id in m["subject"]],
        timeout=60,
        message="the timeout's mail",
    )
    assert len(found) == 1 and "no answer yet" in found[0]["subject"]
    assert "Ask again here" in found[0]["body"]
    late = answer(ingress, escalation_id, "sorry for the delay")
    assert late.status_code == 412 and "expired" in late.json()["message"], late.text
    assert escalation_id not in on_desk(ingress)
    assert said(ingress, session, sorry) == 1
    assert said(ingress, session, "sorry for the delay") == 0
