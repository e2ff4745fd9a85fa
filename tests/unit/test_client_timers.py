"""`client pay` and `client cancel` against the fake ingress of test_client.py."""

import hmac
import json
from typing import Any

import pytest

from tests.unit.test_client import FakeIngress, Seen, client_env, fake, run

__all__ = ["client_env", "fake"]  # fixtures used here
WEBHOOK_SECRET = "whsec-for-tests"


@pytest.fixture
def answers(fake: FakeIngress, monkeypatch: pytest.MonkeyPatch) -> FakeIngress:
    """The fake ingress, also answering `Invoice/pay` and `AgentSession/cancel`."""
    normal = fake.answer
    paid: set[str] = set()

    def answer(seen: Seen) -> tuple[int, Any]:
        parts = seen.path.split("/")
        if parts[1] == "Invoice" and parts[-1] == "pay":
            invoice = parts[2]
            if not invoice.startswith("INV-"):
                return 404, {"message": f"There is no invoice {invoice}."}
            again = invoice in paid
            paid.add(invoice)
            message = f"Invoice {invoice} was already paid" if again else f"Invoice {invoice} paid"
            return 200, {
                "invoice_id": invoice,
                "already_paid": again,
                "reminder": "cancelled",
                "message": message,
            }
        if parts[1] == "AgentSession" and parts[-1] == "cancel":
            if parts[2] == "busy":
                return 200, {"cancelled": True, "invocation_id": "inv_1", "message": "Cancelling"}
            return 200, {"cancelled": False, "invocation_id": None, "message": "nothing to cancel"}
        return normal(seen)

    monkeypatch.setattr(fake, "answer", answer)
    monkeypatch.setenv("PAYMENT_WEBHOOK_SECRET", WEBHOOK_SECRET)
    return fake


def test_pay_prints_the_outcome_and_sends_one_key_per_payment(
    answers: FakeIngress, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "pay", "INV-AB4568-1F0C2A9B", "--ingress", answers.url)
    again, out_again, _ = run(capsys, "--ingress", answers.url, "pay", "INV-AB4568-1F0C2A9B")

    assert (code, again) == (0, 0)
    assert out.strip() == "Invoice INV-AB4568-1F0C2A9B paid"
    assert "already paid" in out_again
    first, second = answers.seen
    assert first.path == "/Invoice/INV-AB4568-1F0C2A9B/pay"
    assert json.loads(first.body) == {"invoice_id": "INV-AB4568-1F0C2A9B"}
    assert first.key and second.key and first.key != second.key
    # Signed as the payment provider signs: t=<unix>,v1=HMAC-SHA256("<t>." + body).
    stamp, signature = (part.split("=", 1)[1] for part in first.headers["x-signature"].split(","))
    expected = hmac.new(WEBHOOK_SECRET.encode(), f"{stamp}.".encode() + first.body, "sha256")
    assert hmac.compare_digest(signature, expected.hexdigest())


def test_pay_without_the_webhook_secret_sends_nothing(
    answers: FakeIngress, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PAYMENT_WEBHOOK_SECRET")
    code, _, err = run(capsys, "pay", "INV-AB4568-1F0C2A9B", "--ingress", answers.url)
    assert code == 1 and "no payment webhook secret" in err
    assert answers.seen == []


def test_pay_unknown_invoice_is_an_error(
    answers: FakeIngress, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "pay", "NOPE", "--ingress", answers.url)
    assert code == 1 and out == ""
    assert "There is no invoice NOPE" in err


def test_pay_json(answers: FakeIngress, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "pay", "INV-X-1", "--json", "--ingress", answers.url)
    assert code == 0 and json.loads(out)["already_paid"] is False


def test_cancel_uses_the_session_and_says_when_nothing_runs(
    answers: FakeIngress, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "cancel", "--session", "busy", "--ingress", answers.url)
    idle, idle_out, _ = run(capsys, "--ingress", answers.url, "--session", "idle", "cancel")

    assert (code, idle) == (0, 0)
    assert out.strip() == "Cancelling"
    assert idle_out.strip() == "nothing to cancel"
    assert [s.path for s in answers.seen] == [
        "/AgentSession/busy/cancel",
        "/AgentSession/idle/cancel",
    ]


def test_cancel_defaults_to_the_saved_session(
    answers: FakeIngress, capsys: pytest.CaptureFixture[str]
) -> None:
    _, session, _ = run(capsys, "session", "--ingress", answers.url)
    code, _, _ = run(capsys, "cancel", "--ingress", answers.url)
    assert code == 0
    assert answers.seen[-1].path == f"/AgentSession/{session.strip()}/cancel"
    assert answers.seen[-1].headers["authorization"] == f"Bearer token-of-{session.strip()}"
