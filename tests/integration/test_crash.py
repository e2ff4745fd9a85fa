"""SIGKILL the agent process mid-turn: the turn completes after a restart, effects happen once.

The agent runs with a slow offline model (LLM_LATENCY_MS per call), so the kill lands after
the tool's RPC is journaled and before the final LLM call returns.
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from devstack import Stack, wait_for
from tests.conftest import own_stack
from tests.support.helpers import mails, new_booking, read, seat_map, seat_of, session_id
from tests.support.turns import Turn

LLM_LATENCY_MS = 1500
SLOW_MODEL = {"OFFLINE_MODEL_LATENCY_MS": str(LLM_LATENCY_MS)}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack of its own, whose agent's model takes LLM_LATENCY_MS per call."""
    yield from own_stack(tmp_path_factory, "crash", agent_env=SLOW_MODEL)


def test_invoice_turn_survives_sigkill_after_the_tool_call(
    stack: Stack, ingress: httpx.Client
) -> None:
    booking = new_booking(ingress)
    turn = Turn(
        stack.ingress_url,
        session_id(),
        f"send me the invoice for {booking.proof}",
    )
    turn.start()

    wait_for(lambda: len(mails(ingress, booking.email)) == 1, timeout=60, interval=0.02)
    assert turn.is_alive(), "the turn ended before the kill; the crash point was missed"
    stack.restart("agent")
    answer = turn.answer()

    received = mails(ingress, booking.email)
    assert len(received) == 1
    assert received[0]["mail_id"] in answer["reply"]


def test_seat_turn_survives_sigkill_after_the_tool_call(
    stack: Stack, ingress: httpx.Client
) -> None:
    booking = new_booking(ingress, seat="5B")
    message = f"change my seat to 10b, booking {booking.proof}"
    turn = Turn(stack.ingress_url, session_id(), message)
    turn.start()

    wait_for(
        lambda: seat_of(ingress, booking.confirmation_number) == "10B", timeout=60, interval=0.02
    )
    assert turn.is_alive(), "the turn ended before the kill; the crash point was missed"
    stack.restart("agent")
    answer = turn.answer()

    assert "10B" in answer["reply"]
    assert seat_map(ingress, booking.flight) == {"10B": booking.confirmation_number}
    changes = stack.admin_query(
        "SELECT id FROM sys_invocation WHERE target_service_name = 'Booking' "
        f"AND target_service_key = '{booking.confirmation_number}' "
        "AND target_handler_name = 'change_seat'"
    )
    assert len(changes) == 1


def test_memory_is_readable_while_a_turn_runs(stack: Stack, ingress: httpx.Client) -> None:
    session = session_id()
    first = Turn(stack.ingress_url, session, "is there wifi?")
    first.start()
    first.answer()
    second = Turn(stack.ingress_url, session, "how much baggage can I bring?")
    second.start()
    wait_for(
        lambda: bool(
            stack.admin_query(
                "SELECT id FROM sys_invocation WHERE target_service_key = "
                f"'{session}' AND target_handler_name = 'chat' AND status <> 'completed'"
            )
        ),
        timeout=30,
        interval=0.02,
    )

    status = read(ingress, f"/AgentSession/{session}/status")
    history = read(ingress, f"/AgentSession/{session}/history")

    assert second.is_alive(), "the reads should have been answered while the turn was running"
    assert status["turns"] == 1
    assert [e["text"] for e in history["entries"] if e["kind"] == "user"] == ["is there wifi?"]
    assert second.answer()["agent"] == "faq"


def test_the_client_waits_out_a_restate_restart_and_prints_the_answer_once(
    stack: Stack, ingress: httpx.Client, tmp_path: Path
) -> None:
    """restate-server is SIGKILLed while the real client waits for a turn: the client says it
    waits, re-attaches with the same key once the server is back and prints the answer once."""
    booking = new_booking(ingress)
    # A user of its own: the client opens its session (and keeps the token) as a newcomer's does.
    env = {**os.environ, "CLIENT_WAIT_S": "120", "CLIENT_RETRY_BACKOFF_S": "0.2"}
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    command = [sys.executable, "-m", "airline_client", "--ingress", stack.ingress_url]
    command += [f"send me the invoice for {booking.proof}"]
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as cli:
        wait_for(lambda: len(mails(ingress, booking.email)) == 1, timeout=60, interval=0.02)
        assert cli.poll() is None, "the turn ended before the kill; the crash point was missed"
        stack.restart_node(1)
        out, err = cli.communicate(timeout=150)
    assert cli.returncode == 0, err
    [mail] = mails(ingress, booking.email)
    assert out.decode().count(mail["mail_id"]) == 1
    assert out.decode().count("\n") == 1  # the answer, once
    assert err.decode().count("waiting to re-attach") == 1
