"""Soak under chaos: many sessions talk to a real stack while a chaos loop SIGKILLs its processes.

    uv run python -m tests.soak.soak --sessions 50 --turns 10      # `make soak`

    uv run python -m tests.soak.soak --nodes 3                      # against a 3-node cluster

Each session owns a booking; bookings share flights (FLIGHT_SIZE per flight) and ask for seats
from a small pool, so seat requests really compete. Every session sends its turns in order (seat
changes, invoices, FAQ) through the real client (`AgentClient`), each message with one
idempotency key that its retries reuse. Meanwhile the chaos loop kills a random process (agent,
seating, invoicing, restate-server) at random moments and starts it again. On a cluster
(`--nodes 3`) the sessions start at different nodes' ingresses and the client fails over; a
"restate" kill is one node, the nodes in turn, and the next kill waits until the cluster
reports every node alive and every partition led again, so two nodes are never down at once.
The run is bounded (messages, kills, deadline) and stops by itself. Then it checks, from
outside:

- lost: every message got its answer, and each session's history holds every message in order;
- duplicated: mails = invoice requests per booking, one `Booking/change_seat` per seat request;
- inconsistent seats: each booking holds exactly one seat on its flight's map, the one seating
  has on the booking, the one its last successful change announced; no seat held twice.
"""

import argparse
import random
import re
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx

from airline_client import AgentClient, BadResponse, ClientError, RequestRejected
from airline_client.tracecontext import TraceParent
from devstack import Stack
from tests.conftest import stack_config
from tests.support.auth import ingress_client
from tests.support.helpers import relay

FLIGHT_SIZE = 5
# Seats asked for: rows 6-9, A-F (no premium or exit row, which need a supervisor's approval);
# with FLIGHT_SIZE bookings per flight some requests collide.
SEAT_POOL = [f"{row}{letter}" for row in range(6, 10) for letter in "ABCDEF"]
FAQ = ["how much baggage can I bring?", "is there wifi on board?", "how many seats are there?"]
LAST_NAME = "Passenger"
TARGETS = ("agent", "seating", "invoicing", "restate")
# Restate backs off exponentially while a killed service is down; cap it so turns resume soon.
SERVER_ENV = {"RESTATE_DEFAULT_RETRY_POLICY__MAX_INTERVAL": "1s"}
_CHANGED = re.compile(r"Seat changed from (\w+) to (\w+)")


@dataclass
class SoakConfig:
    """How big the run is and how rough the chaos."""

    sessions: int = 6
    turns: int = 4
    concurrency: int = 6
    max_kills: int = 4
    # Seconds between kills: uniform in this range.
    kill_every: tuple[float, float] = (2.0, 6.0)
    targets: tuple[str, ...] = TARGETS
    deadline_s: float = 600.0
    seed: int = 1
    # restate-server nodes: 3 or more run a cluster, and "restate" kills one node at a time.
    nodes: int = 1
    # Slow enough that kills land mid-turn and mid-handler.
    llm_latency_ms: int = 100
    work_delay_ms: int = 200


@dataclass
class Message:
    """One customer message and what became of it."""

    kind: str  # "seat", "invoice", "faq"
    text: str
    seat: str | None = None
    key: str = field(default_factory=lambda: str(uuid.uuid4()))
    reply: str | None = None
    retries: int = 0
    error: str | None = None
    sent: bool = False


@dataclass
class Session:
    """A customer: a session id, a booking and the script of messages."""

    session_id: str
    confirmation_number: str
    flight: str
    email: str
    seat: str
    messages: list[Message]
    # The session's token, from `Sessions/open` like any customer's.
    token: str = ""


@dataclass
class Report:
    """What the run did and what the checks found."""

    sessions: int = 0
    messages: int = 0
    answered: int = 0
    # Not sent because the run's deadline came first: never accepted, so not lost, but the run
    # is incomplete.
    unsent: int = 0
    kills: Counter[str] = field(default_factory=Counter)
    client_retries: int = 0
    client_failovers: int = 0
    server_retries: int = 0
    nodes: int = 1
    invoice_requests: int = 0
    mails: int = 0
    seat_requests: int = 0
    seat_changes: int = 0
    seats_refused: int = 0
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    inconsistent: list[str] = field(default_factory=list)
    chaos_error: str | None = None
    elapsed_s: float = 0.0

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.inconsistent or self.chaos_error)

    def text(self) -> str:
        kills = ", ".join(f"{name} {n}" for name, n in sorted(self.kills.items())) or "none"
        where = f", on a {self.nodes}-node cluster" if self.nodes > 1 else ""
        failovers = (
            f"; {self.client_failovers} of them to another node's ingress" if self.nodes > 1 else ""
        )
        lines = [
            f"soak: {self.sessions} sessions, {self.messages} messages, {self.elapsed_s:.0f} s"
            + where,
            f"kills: {sum(self.kills.values())} ({kills})",
            f"retries observed: {self.client_retries} by clients (same idempotency key"
            f"{failovers}), {self.server_retries} invocation retries by restate-server",
            f"answered: {self.answered}/{self.messages}, lost: {len(self.lost)}"
            + (f", not sent before the deadline: {self.unsent}" if self.unsent else ""),
            f"invoice requests: {self.invoice_requests}, mails: {self.mails}; "
            f"seat requests: {self.seat_requests}, Booking/change_seat: {self.seat_changes} "
            f"({self.seats_refused} refused: seat taken); duplicated: {len(self.duplicated)}",
            f"inconsistent seats: {len(self.inconsistent)}",
        ]
        for label, problems in [
            ("lost", self.lost),
            ("duplicated", self.duplicated),
            ("inconsistent", self.inconsistent),
        ]:
            lines += [f"  {label}: {p}" for p in problems[:10]]
        if self.chaos_error:
            lines.append(f"  the chaos loop failed: {self.chaos_error}")
        lines.append("FAILED" if not self.ok else "INCOMPLETE" if self.unsent else "OK")
        return "\n".join(lines)


def script(rng: random.Random, number: str, turns: int) -> list[Message]:
    """A session's messages: a mix of seat changes, invoice requests and FAQ questions."""
    # With the last name, as proof of ownership: "S0009AB1 Passenger".
    number = f"{number} {LAST_NAME}"
    messages = []
    for _ in range(turns):
        kind = rng.choices(["seat", "invoice", "faq"], weights=[4, 3, 3])[0]
        if kind == "seat":
            seat = rng.choice(SEAT_POOL)
            messages.append(Message("seat", f"change my seat to {seat}, booking {number}", seat))
        elif kind == "invoice":
            messages.append(Message("invoice", f"send me the invoice for booking {number}"))
        else:
            messages.append(Message("faq", rng.choice(FAQ)))
    return messages


def create_sessions(http: httpx.Client, config: SoakConfig, rng: random.Random) -> list[Session]:
    """One booking per session, FLIGHT_SIZE bookings per flight, seats away from the pool."""
    run = uuid.uuid4().hex[:4].upper()
    sessions = []
    for i in range(config.sessions):
        number = f"S{i:03d}9{run}"[:8]
        flight = f"SK{i // FLIGHT_SIZE:03d}9{run}"[:10]
        seat = f"{20 + i % FLIGHT_SIZE}C"
        email = f"{number.lower()}@example.com"
        response = http.post(
            "/TestSupport/create_booking",
            json={
                "confirmation_number": number,
                "passenger_name": f"Soak {LAST_NAME}",
                "email": email,
                "flight": flight,
                "seat": seat,
                "fare_eur": 100 + i,
            },
        )
        response.raise_for_status()
        opened = http.post("/Sessions/open")
        opened.raise_for_status()
        sessions.append(
            Session(
                opened.json()["session_id"],
                number,
                flight,
                email,
                seat,
                script(rng, number, config.turns),
                opened.json()["token"],
            )
        )
    return sessions


def send(client: AgentClient, session: Session, message: Message, deadline: float) -> None:
    """Send one message until it is answered, re-sending with the same key as the client does.

    Each call is one round over the client's addresses (it fails over at once); between rounds
    this loop backs off, until the deadline.
    """
    trace = TraceParent.new()
    while time.monotonic() < deadline:
        message.sent = True
        before = client.retries
        try:
            answer = client.chat(session.session_id, message.text, message.key, trace)
        except (RequestRejected, BadResponse) as error:
            message.error = repr(error)
            return  # a valid message refused: a bug, reported as lost
        except ClientError as error:
            message.error = repr(error)
        else:
            message.reply = answer.reply
            message.retries += client.retries - before
            return
        message.retries += client.retries - before + 1
        time.sleep(min(2.0, 0.25 * message.retries))


def converse(urls: list[str], session: Session, deadline: float) -> int:
    """The session's messages, one after the other, as one customer would send them.

    Returns how many requests the client re-sent to another address than the one that failed.
    """
    timeout = 90.0
    tokens = {session.session_id: session.token}
    with AgentClient(
        urls, attempts=1, timeout_s=timeout, backoff_s=0, session_tokens=tokens
    ) as client:
        for message in session.messages:
            send(client, session, message, deadline)
            if message.reply is None:
                break
        return client.failovers


def restart(stack: Stack, target: str, kills: Counter[str]) -> str:
    """SIGKILL one process and start it again (restate-server on the same data dir); the name
    of what was killed. On a cluster "restate" is the next node in turn, and this returns once
    the cluster is whole again."""
    if target == "restate":
        node = sum(n for name, n in kills.items() if name.startswith("restate")) % len(stack.nodes)
        stack.restart_node(node + 1, timeout=120)
        return f"restate {stack.nodes[node].node_name}" if stack.is_cluster else "restate"
    stack.restart(target, timeout=120)
    return target


def chaos(stack: Stack, config: SoakConfig, done: threading.Event, report: Report) -> None:
    """Kill random processes at random moments until the sessions are done or kills run out."""
    rng = random.Random(config.seed)
    started = time.monotonic()
    try:
        while sum(report.kills.values()) < config.max_kills:
            if done.wait(rng.uniform(*config.kill_every)):
                return
            killed = restart(stack, rng.choice(config.targets), report.kills)
            report.kills[killed] += 1
            elapsed = time.monotonic() - started
            print(f"[soak] {elapsed:5.0f}s  SIGKILLed and restarted {killed}", file=sys.stderr)
    except Exception as error:  # the report says so; the run still ends and is checked
        report.chaos_error = repr(error)


def _get(http: httpx.Client, path: str) -> Any:
    """A read through an ingress client that calls as the rightful caller (support/auth.py)."""
    response = http.post(path)
    response.raise_for_status()
    return response.json()


def check(stack: Stack, http: httpx.Client, sessions: list[Session], report: Report) -> None:
    """Lost messages, duplicated effects, inconsistent seats: from outside, after the run."""
    changes = {
        row["target_service_key"]: int(row["n"])
        for row in stack.admin_query(
            "SELECT target_service_key, count(*) AS n FROM sys_invocation "
            "WHERE target_service_name = 'Booking' AND target_handler_name = 'change_seat' "
            "GROUP BY target_service_key"
        )
    }
    flights: dict[str, list[Session]] = {}
    for s in sessions:
        flights.setdefault(s.flight, []).append(s)
        for m in s.messages:
            if m.reply is None and m.sent:
                report.lost.append(f"{s.session_id}: {m.text!r} got no answer ({m.error})")
            report.unsent += not m.sent
        history = _get(http, f"/AgentSession/{s.session_id}/history")
        said = [e["text"] for e in history["entries"] if e["kind"] == "user"]
        answered = [m.text for m in s.messages if m.reply is not None]
        if said != answered:
            report.lost.append(
                f"{s.session_id}: history holds {len(said)} of {len(answered)} answered"
            )

        invoices = sum(1 for m in s.messages if m.kind == "invoice" and m.sent)
        mails = _get(http, f"/Mailbox/{s.email}/inbox")["mails"]
        report.invoice_requests += invoices
        report.mails += len(mails)
        if len(mails) > invoices or len({m["mail_id"] for m in mails}) != len(mails):
            report.duplicated.append(
                f"{s.confirmation_number}: {len(mails)} mails, {invoices} asked"
            )
        elif len(mails) < invoices:
            report.lost.append(f"{s.confirmation_number}: {len(mails)} mails, {invoices} asked")

        seat_requests = sum(1 for m in s.messages if m.kind == "seat" and m.sent)
        ran = changes.get(s.confirmation_number, 0)
        report.seat_requests += seat_requests
        report.seat_changes += ran
        if ran > seat_requests:
            report.duplicated.append(f"{s.confirmation_number}: {ran} seat changes ran")
        elif ran < seat_requests:
            report.lost.append(f"{s.confirmation_number}: {ran} of {seat_requests} changes ran")
        # The seat the last successful change announced, else the one it was booked on.
        expected = s.seat
        for m in s.messages:
            changed = _CHANGED.search(m.reply or "")
            if m.kind == "seat" and changed:
                expected = changed.group(2)
            elif m.kind == "seat" and "already taken" in (m.reply or ""):
                report.seats_refused += 1
        held = relay(http, "Booking", "get", s.confirmation_number)["seat"]
        if held != expected:
            report.inconsistent.append(
                f"{s.confirmation_number}: seating says {held}, the answers said {expected}"
            )

    for flight, members in flights.items():
        occupied: dict[str, str] = relay(http, "Flight", "seat_map", flight)["occupied"]
        holders = Counter(occupied.values())
        for s in members:
            held = relay(http, "Booking", "get", s.confirmation_number)["seat"]
            if holders[s.confirmation_number] != 1 or occupied.get(held) != s.confirmation_number:
                mine = sorted(seat for seat, cn in occupied.items() if cn == s.confirmation_number)
                report.inconsistent.append(
                    f"{flight}: {s.confirmation_number} holds {mine} on the map, {held} booked"
                )
        strangers = set(holders) - {s.confirmation_number for s in members}
        if strangers:
            report.inconsistent.append(f"{flight}: seats held by unknown bookings {strangers}")


def run_soak(config: SoakConfig, root: Path) -> Report:
    """Start a stack under root, run the sessions under chaos, check, stop; return the report."""
    rng = random.Random(config.seed)
    stack_conf = stack_config(
        root,
        nodes=config.nodes,
        agent_env={"OFFLINE_MODEL_LATENCY_MS": str(config.llm_latency_ms)},
        service_env={
            "SEATING_WORK_DELAY_MS": str(config.work_delay_ms),
            "INVOICING_WORK_DELAY_MS": str(config.work_delay_ms),
        },
    )
    stack_conf = replace(stack_conf, server_env={**stack_conf.server_env, **SERVER_ENV})
    report = Report(sessions=config.sessions, nodes=config.nodes)
    with Stack(stack_conf) as stack, ingress_client(stack.ingress_url, timeout=60) as http:
        sessions = create_sessions(http, config, rng)
        report.messages = sum(len(s.messages) for s in sessions)
        started = time.monotonic()
        deadline = started + config.deadline_s
        done = threading.Event()
        chaos_thread = threading.Thread(
            target=chaos, args=(stack, config, done, report), daemon=True
        )
        chaos_thread.start()
        urls = stack.ingress_urls
        with ThreadPoolExecutor(max_workers=config.concurrency) as pool:
            # Session i starts at node i: every node's ingress carries sessions.
            futures = [
                pool.submit(converse, urls[i % len(urls) :] + urls[: i % len(urls)], s, deadline)
                for i, s in enumerate(sessions)
            ]
            report.client_failovers = sum(future.result() for future in futures)
        done.set()
        chaos_thread.join(timeout=180)
        report.elapsed_s = time.monotonic() - started
        stack.ensure_running()
        report.answered = sum(1 for s in sessions for m in s.messages if m.reply is not None)
        report.client_retries = sum(m.retries for s in sessions for m in s.messages)
        check(stack, http, sessions, report)
        for node in stack.nodes:
            log = stack.config.logs.path_for(node.name)
            if log is not None and log.exists():
                report.server_retries += log.read_text(errors="replace").count("retrying in")
    return report


def main(argv: list[str] | None = None) -> int:
    """Run one soak and print its report; exit 1 if anything was lost, doubled or inconsistent."""
    parser = argparse.ArgumentParser(description="Soak the stack under chaos; print a report.")
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--max-kills", type=int, default=30)
    parser.add_argument("--kill-every", type=float, nargs=2, default=(3.0, 10.0))
    parser.add_argument("--targets", default=",".join(TARGETS))
    parser.add_argument("--deadline", type=float, default=1500.0, help="seconds")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--nodes", type=int, default=1, help="restate-server nodes; 3: a cluster (default: 1)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the stack's data and logs")
    args = parser.parse_args(argv)
    config = SoakConfig(
        sessions=args.sessions,
        turns=args.turns,
        concurrency=args.concurrency,
        max_kills=args.max_kills,
        kill_every=(args.kill_every[0], args.kill_every[1]),
        targets=tuple(t for t in args.targets.split(",") if t),
        deadline_s=args.deadline,
        seed=args.seed,
        nodes=args.nodes,
    )
    root = Path(tempfile.mkdtemp(prefix="soak-"))
    try:
        report = run_soak(config, root)
    finally:
        if args.keep:
            print(f"data and logs kept in {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)
    print(report.text())
    return 0 if report.ok and not report.unsent else 1


if __name__ == "__main__":
    sys.exit(main())
