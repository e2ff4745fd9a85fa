"""SIGKILL the agent process mid-turn: the turn completes after a restart, effects happen once.

The agent runs with a slow offline model (LLM_LATENCY_MS per call), so the kill lands after
the tool's RPC is journaled and before the final LLM call returns.
"""

import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from devstack import Stack, wait_for
from tests.conftest import stack_config
from tests.support.helpers import (
    ingress_client,
    mails,
    new_booking,
    read,
    seat_map,
    seat_of,
    session_id,
)

LLM_LATENCY_MS = 1500


@pytest.fixture(scope="module")
def slow_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack of its own, whose agent's model takes LLM_LATENCY_MS per call."""
    root: Path = tmp_path_factory.mktemp("crash")
    config = stack_config(root, agent_env={"OFFLINE_MODEL_LATENCY_MS": str(LLM_LATENCY_MS)})
    with Stack(config) as running:
        yield running


@pytest.fixture
def client(slow_stack: Stack) -> Iterator[httpx.Client]:
    with ingress_client(slow_stack.ingress_url, timeout=120.0) as http:
        yield http


class Turn(threading.Thread):
    """One chat request running in the background, as a customer's client would send it."""

    def __init__(self, url: str, session: str, message: str) -> None:
        super().__init__(daemon=True)
        self.url, self.session, self.message = url, session, message
        self.key = str(uuid.uuid4())
        self.response: httpx.Response | None = None

    def run(self) -> None:
        with ingress_client(self.url, timeout=120.0) as http:
            self.response = http.post(
                f"/AgentSession/{self.session}/chat",
                json={"message": self.message},
                headers={"idempotency-key": self.key},
            )

    def answer(self, timeout: float = 90.0) -> dict[str, Any]:
        self.join(timeout)
        assert self.response is not None, "the turn did not complete after the restart"
        assert self.response.status_code == 200, self.response.text
        return self.response.json()


def crash_agent(stack: Stack) -> None:
    """SIGKILL the agent process, then start it again (Restate retries the turn)."""
    stack.agent.kill()
    stack.agent.start()
    stack.agent.wait_listening(timeout=60)


def test_invoice_turn_survives_sigkill_after_the_tool_call(
    slow_stack: Stack, client: httpx.Client
) -> None:
    booking = new_booking(client)
    turn = Turn(
        slow_stack.ingress_url,
        session_id(),
        f"send me the invoice for {booking.proof}",
    )
    turn.start()

    wait_for(lambda: len(mails(client, booking.email)) == 1, timeout=60, interval=0.02)
    assert turn.is_alive(), "the turn ended before the kill; the crash point was missed"
    crash_agent(slow_stack)
    answer = turn.answer()

    received = mails(client, booking.email)
    assert len(received) == 1
    assert received[0]["mail_id"] in answer["reply"]


def test_seat_turn_survives_sigkill_after_the_tool_call(
    slow_stack: Stack, client: httpx.Client
) -> None:
    booking = new_booking(client, seat="5B")
    message = f"change my seat to 10b, booking {booking.proof}"
    turn = Turn(slow_stack.ingress_url, session_id(), message)
    turn.start()

    wait_for(
        lambda: seat_of(client, booking.confirmation_number) == "10B", timeout=60, interval=0.02
    )
    assert turn.is_alive(), "the turn ended before the kill; the crash point was missed"
    crash_agent(slow_stack)
    answer = turn.answer()

    assert "10B" in answer["reply"]
    assert seat_map(client, booking.flight) == {"10B": booking.confirmation_number}
    changes = slow_stack.admin_query(
        "SELECT id FROM sys_invocation WHERE target_service_name = 'Booking' "
        f"AND target_service_key = '{booking.confirmation_number}' "
        "AND target_handler_name = 'change_seat'"
    )
    assert len(changes) == 1


def test_memory_is_readable_while_a_turn_runs(slow_stack: Stack, client: httpx.Client) -> None:
    session = session_id()
    first = Turn(slow_stack.ingress_url, session, "is there wifi?")
    first.start()
    first.answer()
    second = Turn(slow_stack.ingress_url, session, "how much baggage can I bring?")
    second.start()
    wait_for(
        lambda: bool(
            slow_stack.admin_query(
                "SELECT id FROM sys_invocation WHERE target_service_key = "
                f"'{session}' AND target_handler_name = 'chat' AND status <> 'completed'"
            )
        ),
        timeout=30,
        interval=0.02,
    )

    status = read(client, f"/AgentSession/{session}/status")
    history = read(client, f"/AgentSession/{session}/history")

    assert second.is_alive(), "the reads should have been answered while the turn was running"
    assert status["turns"] == 1
    assert [e["text"] for e in history["entries"] if e["kind"] == "user"] == ["is there wifi?"]
    assert second.answer()["agent"] == "faq"


def test_the_client_waits_out_a_restate_restart_and_prints_the_answer_once(
    slow_stack: Stack, client: httpx.Client, tmp_path: Path
) -> None:
    """restate-server is SIGKILLed while the real client waits for a turn: the client says it
    waits, re-attaches with the same key once the server is back and prints the answer once."""
    booking = new_booking(client)
    # A user of its own: the client opens its session (and keeps the token) as a newcomer's does.
    env = {**os.environ, "CLIENT_WAIT_S": "120", "CLIENT_RETRY_BACKOFF_S": "0.2"}
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    command = [sys.executable, "-m", "airline_client", "--ingress", slow_stack.ingress_url]
    command += [f"send me the invoice for {booking.proof}"]
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as cli:
        wait_for(lambda: len(mails(client, booking.email)) == 1, timeout=60, interval=0.02)
        assert cli.poll() is None, "the turn ended before the kill; the crash point was missed"
        slow_stack.restart_node(1)
        out, err = cli.communicate(timeout=150)
    assert cli.returncode == 0, err
    [mail] = mails(client, booking.email)
    assert out.decode().count(mail["mail_id"]) == 1
    assert out.decode().count("\n") == 1  # the answer, once
    assert err.decode().count("waiting to re-attach") == 1
