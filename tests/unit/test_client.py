"""The command-line client against a fake Restate ingress served on a local port."""

import json
import re
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar, cast

import jwt
import pytest

from airline_client import AgentClient, BadResponse, History, RequestRejected, SessionStatus
from airline_client.__main__ import main, normalize
from airline_client.sessions import save_default, save_token, saved_session

HISTORY = {
    "session_id": "s1",
    "entries": [
        {"kind": "user", "text": "change my seat to 2A", "name": None},
        {
            "kind": "tool_call",
            "text": '{"confirmation_number": "AB4568", "new_seat": "2A"}',
            "name": "change_seat",
        },
        {"kind": "tool_result", "text": '{"old_seat": "14C",\n "new_seat": "2A"}', "name": None},
        {"kind": "assistant", "text": "Done: you sit in 2A.\nAnything else?", "name": None},
        {"kind": "other", "text": "reasoning", "name": None},
    ],
    "items": [],
}
STATUS = {
    "active_agent": "seat_booking",
    "turns": 2,
    "item_count": 6,
    "bookings": ["AB4568"],
    "context": {
        "passenger_name": "Ada Lovelace",
        "confirmation_number": "AB4568",
        "seat_number": "14C",  # what the agents last learned: an approval moved it since
        "flight_number": None,
        "approval_request": "APR-1A2B3C4D",
    },
    "notices": [
        {"text": "Your request APR-1A2B3C4D was approved: seat 2A.", "source": "approvals"}
    ],
}
APPROVAL = {
    "request": {
        "request_id": "APR-1A2B3C4D",
        "confirmation_number": "AB4568",
        "flight": "FLT123",
        "current_seat": "14C",
        "seat": "2A",
        "seat_class": "premium",
        "requested_at": 0,
    },
    "state": "approved",
}
BOOKING = {
    "confirmation_number": "AB4568",
    "passenger_name": "Ada Lovelace",
    "email": "ada@example.com",
    "flight": "FLT123",
    "seat": "2A",
    "fare_eur": 420,
}
INBOX = {
    "email": "ada@example.com",
    "mails": [
        {"mail_id": "m1", "to": "ada@example.com", "subject": "Your invoice", "body": "..."},
        {"mail_id": "m2", "to": "ada@example.com", "subject": "Seat changed", "body": "..."},
    ],
}


S = TypeVar("S", bound=ThreadingHTTPServer)


@dataclass(frozen=True)
class Seen:
    """One request the fake ingress received."""

    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def key(self) -> str | None:
        return self.headers.get("idempotency-key")


@dataclass(frozen=True)
class Misbehave:
    """A scripted answer that replaces the normal one: a status, a delay or a dropped line."""

    status: int = 503
    delay_s: float = 0.0
    drop: bool = False


class FakeIngress(ThreadingHTTPServer):
    """Answers the handlers the client calls, like the Restate ingress in front of the stack."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.seen: list[Seen] = []
        self.script: list[Misbehave] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about clients that hung up on a delayed answer."""

    def answer(self, seen: Seen) -> tuple[int, Any]:
        """The normal response to a request."""
        parts = seen.path.split("/")
        service, handler = parts[1], parts[-1]
        if seen.headers.get("authorization", "").startswith("Bearer stale-"):
            return 401, {"message": "The session token is not valid (not issued here)."}
        if (service, handler) == ("AgentSession", "chat"):
            message = json.loads(seen.body)["message"]
            if not message:
                return 400, {"code": 400, "message": "the message is empty", "source": None}
            return 200, {"reply": f"you said: {message}", "agent": "triage", "turn": 1}
        if (service, handler) == ("AgentSession", "history"):
            return 200, HISTORY
        if (service, handler) == ("AgentSession", "status"):
            return 200, STATUS
        if (service, handler) == ("Sessions", "open"):
            opened = f"s-{uuid.uuid4().hex}"
            return 200, {"session_id": opened, "token": f"token-of-{opened}", "expires_at": 1}
        if (service, handler) == ("Booking", "lookup"):
            if parts[2] == "AB4568" and json.loads(seen.body) == {"last_name": "Lovelace"}:
                return 200, BOOKING
            return 404, {"message": f"No booking {parts[2]} with that last name"}
        if (service, handler) == ("Mailbox", "inbox"):
            return 200, INBOX
        if (service, handler) == ("SeatApproval", "status"):
            return 200, APPROVAL
        return 404, {"message": f"no handler {seen.path}"}


class JsonHandler(BaseHTTPRequestHandler):
    """A fake server's request handler: answers JSON, logs no access line on the test output."""

    def reply(self, status: int, body: Any) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """No access log on the test output."""


class _Handler(JsonHandler):
    def do_POST(self) -> None:
        fake = cast(FakeIngress, self.server)
        length = int(self.headers.get("content-length") or 0)
        seen = Seen(
            path=self.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=self.rfile.read(length),
        )
        with fake.lock:
            fake.seen.append(seen)
            scripted = fake.script.pop(0) if fake.script else None
        if scripted and scripted.drop:
            self.close_connection = True
            return
        if scripted and scripted.delay_s:
            time.sleep(scripted.delay_s)
            scripted = None
        status, body = (scripted.status, {"message": "busy"}) if scripted else fake.answer(seen)
        self.reply(status, body)


@pytest.fixture(autouse=True)
def client_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private state dir, no ingress from the environment, and tiny retry delays."""
    state = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    monkeypatch.delenv("RESTATE_INGRESS_URL", raising=False)
    monkeypatch.delenv("CLIENT_TIMEOUT_S", raising=False)
    monkeypatch.setenv("CLIENT_RETRY_BACKOFF_S", "0.01")
    # No operator or provider secrets unless a test sets them.
    monkeypatch.setenv("AIRLINE_SECRETS_DIR", str(tmp_path / "no-secrets"))
    monkeypatch.delenv("SUPERVISOR_TOKEN", raising=False)
    monkeypatch.delenv("PAYMENT_WEBHOOK_SECRET", raising=False)
    return state


@contextmanager
def serving(server: S) -> Iterator[S]:
    """Serve a fake HTTP server on its own thread while the block runs."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def fake() -> Iterator[FakeIngress]:
    with serving(FakeIngress()) as server:
        yield server


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the client like the console script would; returns exit code, stdout, stderr."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def listed(capsys: pytest.CaptureFixture[str], command: str, fake: FakeIngress) -> list[str]:
    """The lines a listing command prints; it must succeed and say nothing on stderr."""
    code, out, err = run(capsys, command, "--ingress", fake.url)
    assert (code, err) == (0, "")
    return out.splitlines()


def proves(headers: dict[str, str], secret: str) -> bool:
    """Whether the request carries a fresh proof (HS256 JWT, a minute at most) of secret."""
    claims = jwt.decode(
        headers["x-supervisor-token"], secret, algorithms=["HS256"], audience="airline-operator"
    )
    return 0 < claims["exp"] - claims["iat"] <= 60


def closed_port_url() -> str:
    """The URL of a local port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def chats(fake: FakeIngress) -> list[Seen]:
    return [s for s in fake.seen if s.path.endswith("/chat")]


def test_say_prints_agent_and_reply(fake: FakeIngress, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--ingress", fake.url, "--session", "s1", "hello")
    assert (code, out, err) == (0, "[triage] you said: hello\n", "")
    [seen] = fake.seen
    assert seen.path == "/AgentSession/s1/chat"
    assert json.loads(seen.body) == {"message": "hello"}
    assert seen.headers["content-type"] == "application/json"
    assert seen.key is not None
    assert uuid.UUID(seen.key).version == 4


def test_say_subcommand_and_env_ingress(
    fake: FakeIngress, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RESTATE_INGRESS_URL", fake.url)
    # `say` lets a message be a command's name.
    code, out, _ = run(capsys, "say", "--session", "s1", "history")
    assert (code, out) == (0, "[triage] you said: history\n")


def test_retry_after_503_reuses_the_key(
    fake: FakeIngress, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.script = [Misbehave(status=503)]
    code, out, _ = run(capsys, "--ingress", fake.url, "--session", "s1", "hello")
    assert (code, out) == (0, "[triage] you said: hello\n")
    first, second = chats(fake)
    assert first.key == second.key
    assert first.body == second.body


def test_retry_after_dropped_connection_reuses_the_key(
    fake: FakeIngress, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.script = [Misbehave(drop=True)]
    code, out, _ = run(capsys, "--ingress", fake.url, "--session", "s1", "hello")
    assert (code, out) == (0, "[triage] you said: hello\n")
    first, second = chats(fake)
    assert first.key == second.key


def test_retry_after_timeout_reuses_the_key(
    fake: FakeIngress, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLIENT_TIMEOUT_S", "0.2")
    fake.script = [Misbehave(delay_s=0.5)]
    code, out, _ = run(capsys, "--ingress", fake.url, "--session", "s1", "hello")
    assert (code, out) == (0, "[triage] you said: hello\n")
    first, second = chats(fake)
    assert first.key == second.key


def test_each_message_gets_a_fresh_key(
    fake: FakeIngress, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "--ingress", fake.url, "--session", "s1", "hello")
    run(capsys, "--ingress", fake.url, "--session", "s1", "hello")
    first, second = chats(fake)
    assert first.key != second.key


TRACEPARENT = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-01")


def test_each_message_starts_a_sampled_trace_kept_by_its_retries(
    fake: FakeIngress, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.script = [Misbehave(status=503)]
    code, _, err = run(capsys, "--ingress", fake.url, "--session", "s1", "--trace", "hello")
    run(capsys, "--ingress", fake.url, "--session", "s1", "hello")

    first, retry, second = chats(fake)
    match = TRACEPARENT.fullmatch(first.headers["traceparent"])
    assert code == 0 and match is not None
    assert f"trace: {match.group(1)}" in err
    assert retry.headers["traceparent"] == first.headers["traceparent"]
    assert second.headers["traceparent"] != first.headers["traceparent"]


def test_explicit_idempotency_key(fake: FakeIngress, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "--ingress", fake.url, "--session", "s1", "--idempotency-key", "k-1", "hi")
    assert [s.key for s in fake.seen] == ["k-1"]


def test_5xx_after_all_retries_is_one_line_with_a_reattach_hint(
    fake: FakeIngress, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.script = [Misbehave(status=503)] * 3
    code, out, err = run(capsys, "--ingress", fake.url, "--session", "s1", "hello")
    assert (code, out) == (1, "")
    assert len(chats(fake)) == 3
    key = fake.seen[0].key
    assert err.startswith("error: HTTP 503 after 3 attempts: busy;")
    assert f"client say --session s1 --idempotency-key {key} hello" in err
    assert err.count("\n") == 1


def test_connection_refused_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    url = closed_port_url()
    code, out, err = run(capsys, "--ingress", url, "--session", "s1", "hello")
    assert (code, out) == (1, "")
    assert err == (
        f"error: cannot reach the agent at {url} - is the stack running? (start it with: make up)\n"
    )


def test_connection_refused_with_ingress_from_env(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = closed_port_url()
    monkeypatch.setenv("RESTATE_INGRESS_URL", url)
    code, _, err = run(capsys, "status", "--session", "s1")
    assert code == 1
    assert err.startswith(f"error: cannot reach the agent at {url} - ")


def test_400_shows_the_servers_message_without_retrying(
    fake: FakeIngress, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "--ingress", fake.url, "--session", "s1", "")
    assert (code, out, err) == (1, "", "error: the message is empty\n")
    assert len(fake.seen) == 1


def test_default_session_is_opened_by_the_agent_then_reused_with_its_token(
    fake: FakeIngress, capsys: pytest.CaptureFixture[str], client_env: Path
) -> None:
    run(capsys, "--ingress", fake.url, "hello")
    saved = (client_env / "airline-client" / "session").read_text().strip()
    assert re.fullmatch(r"s-[0-9a-f]{32}", saved)
    tokens = client_env / "airline-client" / "tokens.json"
    assert json.loads(tokens.read_text()) == {saved: f"token-of-{saved}"}
    assert tokens.stat().st_mode & 0o777 == 0o600
    run(capsys, "--ingress", fake.url, "again")
    assert [s.path for s in fake.seen] == ["/Sessions/open"] + [f"/AgentSession/{saved}/chat"] * 2
    assert {s.headers["authorization"] for s in chats(fake)} == {f"Bearer token-of-{saved}"}
    assert run(capsys, "session", "--ingress", fake.url) == (0, saved + "\n", "")

    run(capsys, "--ingress", fake.url, "--new-session", "fresh start")
    fresh = fake.seen[-1].path.split("/")[2]
    assert fresh != saved
    assert fake.seen[-1].headers["authorization"] == f"Bearer token-of-{fresh}"
    assert run(capsys, "session", "--ingress", fake.url) == (0, fresh + "\n", "")


def test_a_saved_session_this_stack_did_not_sign_gives_way_to_a_new_one(
    fake: FakeIngress, capsys: pytest.CaptureFixture[str]
) -> None:
    """After `devstack up --fresh` (a new signing key) the saved token is refused unread (401):
    a message goes to a new session with the same key, and a read says what to do."""
    save_token("s-old", "stale-token")
    save_default("s-old")
    code, out, err = run(capsys, "--ingress", fake.url, "status")
    assert (code, out) == (1, "")
    assert "s-old is not this stack's (a fresh stack?)" in err and 'client "hello"' in err

    code, out, err = run(capsys, "--ingress", fake.url, "hello")
    fresh = saved_session()
    assert (code, out) == (0, "[triage] you said: hello\n")
    assert fresh != "s-old" and f"a new session, {fresh}." in err
    old, new = chats(fake)
    assert (old.path, new.path) == ("/AgentSession/s-old/chat", f"/AgentSession/{fresh}/chat")
    assert old.headers["idempotency-key"] == new.headers["idempotency-key"]

    code, _, err = run(capsys, "--ingress", fake.url, "--session", "s-old", "hi")
    assert code == 1 and "fresh stack" not in err  # a session named by the user is not replaced


def test_session_file_falls_back_to_home(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fake: FakeIngress,
) -> None:
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    _, out, _ = run(capsys, "session", "--ingress", fake.url)
    path = tmp_path / "home" / ".local" / "state" / "airline-client" / "session"
    assert path.read_text().strip() == out.strip()


def test_session_key_is_quoted_in_the_path(
    fake: FakeIngress, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "--ingress", fake.url, "--session", "a b/c", "hello")
    assert fake.seen[0].path == "/AgentSession/a%20b%2Fc/chat"


def test_history_is_readable(fake: FakeIngress, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "history", "--ingress", fake.url, "--session", "s1")
    assert code == 0
    assert out == (
        "you: change my seat to 2A\n"
        '  -> change_seat(confirmation_number="AB4568", new_seat="2A")\n'
        '  <- {"old_seat": "14C", "new_seat": "2A"}\n'
        "agent: Done: you sit in 2A.\n"
        "       Anything else?\n"
        "  (reasoning)\n"
    )


def test_options_may_come_before_the_command(
    fake: FakeIngress, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--ingress", fake.url, "--session", "s1", "history", "--json")
    assert code == 0
    assert json.loads(out) == HISTORY


def test_session_option_is_accepted_by_every_command(
    fake: FakeIngress, capsys: pytest.CaptureFixture[str]
) -> None:
    # The demo script runs `client --session S <anything>`.
    code, out, _ = run(
        capsys, "--session", "s1", "--ingress", fake.url, "booking", "AB4568", "Lovelace"
    )
    assert code == 0
    assert "booking:   AB4568" in out
    assert run(capsys, "--session", "s1", "mails", "ada@example.com", "--ingress", fake.url)[0] == 0
    assert run(capsys, "--session", "s1", "session", "--ingress", fake.url) == (0, "s1\n", "")


def test_reads_send_no_body_and_no_key(
    fake: FakeIngress, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "history", "--ingress", fake.url, "--session", "s1")
    run(capsys, "status", "--ingress", fake.url, "--session", "s1")
    run(capsys, "mails", "ada@example.com", "--ingress", fake.url)
    assert [s.path for s in fake.seen] == [
        "/AgentSession/s1/history",
        "/AgentSession/s1/status",
        "/Booking/AB4568/lookup",  # the seat as seating holds it now, with the last name
        "/Mailbox/ada%40example.com/inbox",
    ]
    for seen in (s for s in fake.seen if not s.path.endswith("/lookup")):  # it takes the name
        assert seen.body == b""
        assert "content-type" not in seen.headers
        assert seen.key is None


def test_status_booking_and_mails_are_readable(
    fake: FakeIngress, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run(capsys, "status", "--ingress", fake.url, "--session", "s1")
    assert out.splitlines() == [
        "session:      s1",
        "active agent: seat_booking",
        "turns:        2 (6 items in memory)",
        "bookings:     AB4568",
        "passenger:    Ada Lovelace",
        "confirmation: AB4568",
        "  AB4568:     seat 2A on flight FLT123 (seating, now)",
        'request:      APR-1A2B3C4D (ask the agent: "what\'s the status?")',
        "notices:      1, newest last",
        "  - [approvals] Your request APR-1A2B3C4D was approved: seat 2A.",
    ]
    _, out, _ = run(capsys, "booking", "AB4568", "Lovelace", "--ingress", fake.url)
    assert "passenger: Ada Lovelace <ada@example.com>" in out
    assert "seat:      2A" in out
    _, out, _ = run(capsys, "mails", "ada@example.com", "--ingress", fake.url)
    assert out.splitlines() == [
        "2 mails to ada@example.com:",
        "  - Your invoice",
        "  - Seat changed",
    ]


def test_unknown_booking_shows_the_404_message(
    fake: FakeIngress, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "booking", "NOPE", "Nobody", "--ingress", fake.url)
    assert (code, out) == (1, "")
    assert err == "error: No booking NOPE with that last name\n"
    assert len(fake.seen) == 1


def test_json_prints_the_raw_response(
    fake: FakeIngress, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run(capsys, "--ingress", fake.url, "--session", "s1", "--json", "hi")
    assert json.loads(out) == {"reply": "you said: hi", "agent": "triage", "turn": 1}
    _, out, _ = run(capsys, "status", "--json", "--ingress", fake.url, "--session", "s1")
    assert json.loads(out) == STATUS


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["booking"])
    assert exited.value.code == 2
    with pytest.raises(SystemExit) as exited:
        main(["--session", "s1", "--new-session", "hi"])
    assert exited.value.code == 2
    assert main([]) == 2
    capsys.readouterr()


def test_bad_ingress_url_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--ingress", "localhost:8080", "status")
    assert code == 1
    assert err.startswith("error: the ingress URL must start with http://")


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["hello"], ["say", "hello"]),
        (["say", "hello"], ["say", "hello"]),
        (["--session", "history", "hi"], ["say", "--session", "history", "hi"]),
        (["--json", "status"], ["status", "--json"]),
        (["--ingress", "http://x", "booking", "AB1"], ["booking", "--ingress", "http://x", "AB1"]),
        (["--", "-5 degrees?"], ["say", "--", "-5 degrees?"]),
        ([""], ["say", ""]),
        (["--help"], ["--help"]),
    ],
)
def test_normalize_puts_the_command_first(argv: list[str], expected: list[str]) -> None:
    assert normalize(argv) == expected


def test_agent_client_api(fake: FakeIngress) -> None:
    with AgentClient(fake.url, backoff_s=0) as client:
        answer = client.chat("s1", "hi", idempotency_key="k")
        assert (answer.agent, answer.reply, answer.turn) == ("triage", "you said: hi", 1)
        assert client.status("s1").context.passenger_name == "Ada Lovelace"
        assert client.booking("AB4568", "Lovelace").fare_eur == 420
        assert [m.subject for m in client.mails("ada@example.com").mails] == [
            "Your invoice",
            "Seat changed",
        ]
        assert client.history("s1").entries[1].name == "change_seat"
        with pytest.raises(RequestRejected) as rejected:
            client.booking("NOPE", "Nobody")
    assert rejected.value.status == 404


def test_a_malformed_answer_is_one_line_naming_what_is_wrong(
    fake: FakeIngress, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.script = [Misbehave(status=200)]  # 200 with {"message": "busy"}: no chat reply
    code, out, err = run(capsys, "--ingress", fake.url, "--session", "s1", "hello")
    assert (code, out) == (1, "")
    assert err == (
        "error: unexpected chat reply from the ingress: reply: Field required; "
        "agent: Field required; turn: Field required\n"
    )
    assert len(chats(fake)) == 1  # a malformed 2xx is not retried


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ([STATUS], "body: Input should be a valid dictionary"),
        ({**STATUS, "turns": True}, "turns: Input should be a valid integer"),
        ({**STATUS, "turns": "2"}, "turns: Input should be a valid integer"),
        ({**STATUS, "context": {"seat_number": 2}}, "context.seat_number: Input should be"),
        ({**STATUS, "bookings": "AB4568"}, "bookings: Input should be a valid list"),
    ],
)
def test_answers_are_read_strictly(body: Any, problem: str) -> None:
    with pytest.raises(BadResponse, match=f"^unexpected status from the ingress: {problem}"):
        SessionStatus.read(body)


def test_answers_tolerate_fields_the_server_adds() -> None:
    newer = {**HISTORY, "entries": [{"kind": "handoff", "text": "to seats", "at": 1.5}]}
    found = History.read({**newer, "cursor": 7})
    assert [(e.kind, e.text, e.name) for e in found.entries] == [("other", "to seats", None)]
    assert found.raw == {**newer, "cursor": 7}
