"""A service with WORKERS=2: hypercorn worker processes share its port and its metrics."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from devstack import Stack, wait_for
from tests.conftest import stack_config
from tests.support.helpers import (
    chat,
    ingress_client,
    mails,
    new_booking,
    seat_map,
    seat_of,
    session_id,
)

WORKERS = 2


@pytest.fixture(scope="module")
def workers_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack of its own whose seating service runs WORKERS worker processes."""
    root: Path = tmp_path_factory.mktemp("workers")
    config = stack_config(root)
    config.per_service_env = {**config.per_service_env, "seating": {"WORKERS": str(WORKERS)}}
    with Stack(config) as running:
        yield running


@pytest.fixture
def client(workers_stack: Stack) -> Iterator[httpx.Client]:
    with ingress_client(workers_stack.ingress_url, timeout=60.0) as http:
        yield http


def _children(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of the live child processes of pid."""
    found: list[tuple[int, str]] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        # Fields after the ")" closing the command name: state, ppid, ...
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == pid and state != "Z":
            found.append((int(entry.name), cmdline))
    return found


def _workers(pid: int) -> list[int]:
    """The hypercorn worker processes (multiprocessing spawn children) of pid."""
    return [child for child, cmdline in _children(pid) if "spawn_main" in cmdline]


def _alive(pid: int) -> bool:
    """Whether pid is a running process (a zombie, killed but not yet reaped, is not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _seat_changes(url: str | None) -> dict[str, float]:
    """airline_seat_changes_total by outcome, as the endpoint serves it."""
    assert url is not None, "seating serves no metrics"
    text = httpx.get(url, timeout=10).text
    return {
        sample.labels["outcome"]: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "airline_seat_changes_total"
    }


def test_seating_runs_its_worker_processes(workers_stack: Stack) -> None:
    pid = workers_stack.seating.pid
    assert pid is not None
    assert workers_stack.seating.workers == WORKERS
    assert len(_workers(pid)) == WORKERS
    # The other services run in one process.
    agent = workers_stack.agent.pid
    assert agent is not None
    assert _workers(agent) == []


def test_conversations_work_and_metrics_count_across_workers(
    workers_stack: Stack, client: httpx.Client
) -> None:
    before = _seat_changes(workers_stack.seating.metrics_url)
    moved = []
    # Several seat changes, so both workers very likely serve some of them.
    for seat in ("10B", "11C", "12D"):
        booking = new_booking(client, seat="5B")
        answer = chat(
            client,
            session_id(),
            f"change my seat to {seat.lower()}, booking {booking.proof}",
        )
        assert seat in answer["reply"]
        assert seat_of(client, booking.confirmation_number) == seat
        assert seat_map(client, booking.flight) == {seat: booking.confirmation_number}
        moved.append(booking)
    invoiced = new_booking(client)
    answer = chat(client, session_id(), f"send me the invoice for {invoiced.proof}")
    received = mails(client, invoiced.email)
    assert len(received) == 1
    assert received[0]["mail_id"] in answer["reply"]

    after = _seat_changes(workers_stack.seating.metrics_url)
    assert after.get("ok", 0.0) - before.get("ok", 0.0) == len(moved)
    assert after.get("refused", 0.0) == before.get("refused", 0.0)
    # Only seating's metrics, as with one process (not the agent's or invoicing's).
    text = httpx.get(workers_stack.seating.metrics_url or "", timeout=10).text
    assert "airline_invoices_total" not in text
    assert "airline_turn_duration_seconds" not in text


def test_sigint_stops_the_workers_and_sigkill_leaves_none(workers_stack: Stack) -> None:
    seating = workers_stack.seating
    pid = seating.pid
    assert pid is not None
    workers = _workers(pid)
    assert len(workers) == WORKERS

    seating.stop()
    assert not seating.running
    assert not any(_alive(worker) for worker in workers)

    seating.start()
    seating.wait_listening(timeout=60)
    pid = seating.pid
    assert pid is not None
    wait_for(lambda: len(_workers(pid)) == WORKERS, timeout=30, interval=0.1)
    workers = _workers(pid)
    seating.kill()
    wait_for(lambda: not any(_alive(worker) for worker in workers), timeout=10, interval=0.05)

    # Back to normal for whatever runs next on this stack.
    seating.start()
    seating.wait_listening(timeout=60)
    workers_stack.register(seating)
