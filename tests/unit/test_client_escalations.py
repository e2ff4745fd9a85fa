"""`client escalations` and `client answer ID TEXT` against a fake ingress."""

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.unit.test_client import FakeIngress, Seen, listed, proves, run, serving
from tests.unit.test_client import client_env as client_env  # autouse: private env, state dir

SESSION = "s-" + "ab" * 16
SUPERVISOR_TOKEN = "the-supervisor-credential-of-the-test"
OPEN = {
    "escalation_id": "ESC-1A2B3C4D",
    "session_id": SESSION,
    "topic": "refund",
    "summary": "I want a refund for AB4568, last name Lovelace",
    "confirmation_number": "AB4568",
    "email": "ada.lovelace@example.com",
    "passenger_name": "Ada Lovelace",
    "opened_at": 0.0,
    "timeout_s": 86400.0,
}


class FakeEscalations(FakeIngress):
    """EscalationDesk and Escalation as the ingress serves them; answers each one once."""

    def __init__(self) -> None:
        super().__init__()
        self.decided: dict[str, str] = {}

    def answer(self, seen: Seen) -> tuple[int, Any]:
        path = seen.path
        if path == "/EscalationDesk/supervisors/pending":
            return 200, {"escalations": [{**OPEN, "opened_at": time.time() - 75}]}
        if path != "/Escalation/ESC-1A2B3C4D/answer":
            return 404, {"message": "No escalation; `client escalations` lists the open ones."}
        if self.decided:
            return 412, {"message": "Escalation ESC-1A2B3C4D was already answered."}
        self.decided["ESC-1A2B3C4D"] = text = json.loads(seen.body)["text"]
        return 200, {"escalation": OPEN, "state": "answered", "answer": text}


@pytest.fixture
def desk(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEscalations]:
    monkeypatch.setenv("SUPERVISOR_TOKEN", SUPERVISOR_TOKEN)
    with serving(FakeEscalations()) as server:
        yield server


def test_escalations_lists_id_topic_booking_age_session_and_words(
    desk: FakeEscalations, capsys: pytest.CaptureFixture[str]
) -> None:
    assert listed(capsys, "escalations", desk) == [
        "1 escalation waiting for a person:",
        "  ESC-1A2B3C4D  refund        booking AB4568    waiting 1m  (answer mailed too)",
        f'      session {SESSION}: "I want a refund for AB4568, last name Lovelace"',
    ]
    assert proves(desk.seen[0].headers, SUPERVISOR_TOKEN)  # a proof, never the credential itself


def test_answer_sends_the_text_once_and_says_where_it_went(
    desk: FakeEscalations, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "answer", "esc-1a2b3c4d", "Approved.", "--ingress", desk.url)
    assert (code, out) == (
        0,
        "answered ESC-1A2B3C4D (refund): the customer reads it in their conversation and by "
        "mail to ada.lovelace@example.com\n",
    )
    seen = desk.seen[-1]
    assert (seen.path, json.loads(seen.body)) == (
        "/Escalation/ESC-1A2B3C4D/answer",
        {"text": "Approved."},
    )
    assert seen.key
    code, _, err = run(capsys, "answer", "ESC-1A2B3C4D", "again", "--ingress", desk.url)
    assert (code, err) == (1, "error: Escalation ESC-1A2B3C4D was already answered.\n")
