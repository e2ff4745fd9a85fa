"""A service with WORKERS=2: hypercorn worker processes share its port and its metrics."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from devstack import Stack, wait_for
from tests.conftest import own_stack
from tests.support.helpers import chat, mails, new_booking, seat_map, seat_of, session_id

WORKERS = 2


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack of its own whose seating service runs WORKERS worker processes."""
    seating = {"WORKERS": str(WORKERS)}
    yield from own_stack(tmp_path_factory, "workers", per_service_env={"seating": seating})


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


def test_seating_runs_its_worker_processes(stack: Stack) -> None:
    pid = stack.seating.pid
    assert pid is not None
    assert stack.seating.workers == WORKERS
    assert len(_workers(pid)) == WORKERS
    # The other services run in one process.
    agent = stack.agent.pid
    assert agent is not None
    assert _workers(agent) == []


def test_conversations_work_and_metrics_count_across_workers(
    stack: Stack, ingress: httpx.Client
) -> None:
    before = _seat_changes(stack.seating.metrics_url)
    moved = []
    # Several seat changes, so both workers very likely serve some of them.
    for seat in ("10B", "11C", "12D"):
        booking = new_booking(ingress, seat="5B")
        answer = chat(
            ingress,
            session_id(),
            f"change my seat to {seat.lower()}, booking {booking.proof}",
        )
        assert seat in answer["reply"]
        assert seat_of(ingress, booking.confirmation_number) == seat
        assert seat_map(ingress, booking.flight) == {seat: booking.confirmation_number}
        moved.append(booking)
    invoiced = new_booking(ingress)
    answer = chat(ingress, session_id(), f"send me the invoice for {invoiced.proof}")
    received = mails(ingress, invoiced.email)
    assert len(received) == 1
    assert received[0]["mail_id"] in answer["reply"]

    after = _seat_changes(stack.seating.metrics_url)
    assert after.get("ok", 0.0) - before.get("ok", 0.0) == len(moved)
    assert after.get("refused", 0.0) == before.get("refused", 0.0)
    # Only seating's metrics, as with one process (not the agent's or invoicing's).
    text = httpx.get(stack.seating.metrics_url or "", timeout=10).text
    assert "airline_invoices_total" not in text
    assert "airline_turn_duration_seconds" not in text


def test_sigint_stops_the_workers_and_sigkill_leaves_none(stack: Stack) -> None:
    seating = stack.seating
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
    stack.register(seating)
