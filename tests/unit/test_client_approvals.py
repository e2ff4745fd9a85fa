"""`client approvals`, `approve ID`, `reject ID --reason ...` against a fake ingress."""

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from airline_client import AgentClient, RequestRejected
from airline_client.__main__ import main, normalize
from airline_client.approvals import age
from tests.unit.test_client import FakeIngress, Seen, listed, proves, run, serving
from tests.unit.test_client import client_env as client_env  # autouse: private env, state dir


def request(request_id: str, seat: str, waited_s: float) -> dict[str, Any]:
    return {
        "request_id": request_id,
        "confirmation_number": "AB4568",
        "passenger_name": "Ada Lovelace",
        "email": "ada@example.com",
        "flight": "FLT123",
        "current_seat": "14C",
        "seat": seat,
        "seat_class": "premium",
        "session_id": "s1",
        "requested_at": time.time() - waited_s,
        "timeout_s": 86400.0,
    }


WAITED_S = {"APR-1A2B3C4D": 75.0, "APR-00FF00FF": 7300.0}
PENDING = {
    "requests": [
        request(rid, seat, WAITED_S[rid])
        for rid, seat in (("APR-1A2B3C4D", "2A"), ("APR-00FF00FF", "3C"))
    ]
}


class FakeApprovals(FakeIngress):
    """ApprovalDesk and SeatApproval as the ingress serves them; decides each request once."""

    def __init__(self) -> None:
        super().__init__()
        self.decided: dict[str, str] = {}

    def answer(self, seen: Seen) -> tuple[int, Any]:
        path, parts = seen.path, seen.path.split("/")
        if path == "/ApprovalDesk/supervisors/pending":
            return 200, PENDING
        if parts[1] != "SeatApproval" or parts[3] not in ("approve", "reject"):
            return 404, {"message": f"no handler {path}"}
        found = [r for r in PENDING["requests"] if r["request_id"] == parts[2]]
        if not found:
            return 404, {"message": f"No approval request {parts[2]}; `client approvals` ..."}
        if parts[2] in self.decided:
            state = self.decided[parts[2]]
            return 412, {"message": f"Approval request {parts[2]} was already {state}."}
        state = "approved" if parts[3] == "approve" else "rejected"
        self.decided[parts[2]] = state
        reason = json.loads(seen.body)["reason"] if seen.body else None
        return 200, {"request": found[0], "state": state, "reason": reason}


@pytest.fixture
def desk() -> Iterator[FakeApprovals]:
    # The waits are measured from now, not from import time (a slow collection ages them).
    for pending in PENDING["requests"]:
        pending["requested_at"] = time.time() - WAITED_S[pending["request_id"]]
    with serving(FakeApprovals()) as server:
        yield server


def test_approvals_lists_id_booking_seat_and_age(
    desk: FakeApprovals, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = listed(capsys, "approvals", desk)
    assert lines[0] == "2 seat requests waiting for approval:"
    assert lines[1] == (
        "  APR-1A2B3C4D  booking AB4568    flight FLT123      14C -> 2A (premium)  waiting 1m"
    )
    assert lines[2].endswith("14C -> 3C (premium)  waiting 2h 01m")
    assert desk.seen[0].body == b""  # a read: no body


def test_approve_prints_what_it_did_and_sends_a_key(
    desk: FakeApprovals, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "approve", "apr-1a2b3c4d", "--ingress", desk.url)
    assert code == 0
    assert out == (
        "approved APR-1A2B3C4D: booking AB4568, seat 14C -> 2A on flight FLT123; "
        "the customer will be told\n"
    )
    seen = desk.seen[-1]
    assert (seen.path, seen.body) == ("/SeatApproval/APR-1A2B3C4D/approve", b"")
    assert seen.key


def test_reject_sends_the_reason(desk: FakeApprovals, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "reject", "APR-00FF00FF", "--reason", "cabin is full", "--ingress", desk.url
    )
    assert code == 0
    assert out.startswith("rejected APR-00FF00FF: booking AB4568, seat 14C -> 3C (cabin is full)")
    assert json.loads(desk.seen[-1].body) == {"reason": "cabin is full"}


def test_unknown_and_decided_requests_are_one_line_errors(
    desk: FakeApprovals, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "approve", "APR-DEADBEEF", "--ingress", desk.url)
    assert (code, out) == (1, "")
    assert err.startswith("error: No approval request APR-DEADBEEF")
    assert run(capsys, "approve", "APR-1A2B3C4D", "--ingress", desk.url)[0] == 0
    code, _, err = run(capsys, "reject", "APR-1A2B3C4D", "--reason", "no", "--ingress", desk.url)
    assert code == 1
    assert err == "error: Approval request APR-1A2B3C4D was already approved.\n"


def test_reject_needs_a_reason(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["reject", "APR-1A2B3C4D"])
    assert exited.value.code == 2
    with pytest.raises(SystemExit) as exited:
        main(["reject", "APR-1A2B3C4D", "--reason", "  "])
    assert exited.value.code == 2
    assert "--reason" in capsys.readouterr().err


def test_empty_desk_and_json(desk: FakeApprovals, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "approvals", "--json", "--ingress", desk.url)
    assert json.loads(out) == PENDING
    before = list(PENDING["requests"])
    PENDING["requests"].clear()
    try:
        assert run(capsys, "approvals", "--ingress", desk.url)[1] == (
            "no seat requests waiting for approval\n"
        )
    finally:
        PENDING["requests"].extend(before)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["approvals"], ["approvals"]),
        (["--ingress", "http://x", "approve", "A"], ["approve", "--ingress", "http://x", "A"]),
        (["--reason", "full", "reject", "A"], ["reject", "--reason", "full", "A"]),
    ],
)
def test_normalize_knows_the_approval_commands(argv: list[str], expected: list[str]) -> None:
    assert normalize(argv) == expected


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(0, "0s"), (59, "59s"), (60, "1m"), (3599, "59m"), (3660, "1h 01m"), (90000, "1d 1h")],
)
def test_age(seconds: float, shown: str) -> None:
    assert age(seconds) == shown


def test_agent_client_api(desk: FakeApprovals) -> None:
    with AgentClient(desk.url, backoff_s=0) as client:
        assert [r.seat for r in client.approvals().requests] == ["2A", "3C"]
        assert client.reject("APR-00FF00FF", "full").reason == "full"
        with pytest.raises(RequestRejected) as rejected:
            client.approve("APR-00FF00FF")
    assert rejected.value.status == 412


def test_decisions_carry_the_supervisor_token_from_the_environment(
    desk: FakeApprovals, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUPERVISOR_TOKEN", "s3cret")
    assert run(capsys, "approve", "APR-1A2B3C4D", "--ingress", desk.url)[0] == 0
    assert proves(desk.seen[-1].headers, "s3cret")
    assert run(capsys, "approvals", "--ingress", desk.url)[0] == 0
    assert proves(desk.seen[-1].headers, "s3cret")  # the list is theirs too
    assert "s3cret" not in json.dumps([seen.headers for seen in desk.seen])  # never sent itself


def test_the_supervisor_token_comes_from_the_stacks_secrets_dir(
    desk: FakeApprovals,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    (tmp_path / "supervisor.token").write_text("from-the-file\n")
    monkeypatch.setenv("AIRLINE_SECRETS_DIR", str(tmp_path))
    assert run(capsys, "approvals", "--ingress", desk.url)[0] == 0
    assert proves(desk.seen[-1].headers, "from-the-file")
