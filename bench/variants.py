"""The three variants behind one interface: open sessions, run a turn, read CPU seconds."""

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import httpx

from devstack import Stack

from .floor import Floor
from .stacks import CHAT_PATHS, DESIGN_OF, SERVICE_OF, cpu_split, variant_stack

# Every turn asks to move the seat, alternating between these two, so each turn is one model
# call choosing update_seat, one durable RPC that really changes the seat, one final answer.
SEATS = ("10B", "11C")
START_SEAT = "5B"
# How long a resilient turn keeps re-sending before the run fails.
RESILIENT_DEADLINE_S = 120.0


def message(confirmation_number: str, turn: int) -> str:
    """The customer's message of a turn: the same scripted conversation for every variant."""
    seat = SEATS[turn % len(SEATS)]
    # "Passenger": the last name of every bench booking ("Bench Passenger"), the ownership proof.
    return f"Please change my seat to {seat} on booking {confirmation_number} Passenger."


def _code(prefix: str) -> str:
    # Upper-case with a digit: the offline model spots confirmation numbers so.
    return f"{prefix}9{uuid.uuid4().hex[:5].upper()}"


@dataclass
class Conversation:
    """A session id, its booking and how many turns it has had."""

    session_id: str
    confirmation_number: str
    turns: int = 0
    # The ingress (node) it talks to, an index into the variant's list; a failover moves it.
    ingress: int = 0
    # Requests sent again (same idempotency key) to another node after a failure.
    resent: int = 0
    # The `authorization` header of our agent's session (Sessions/open); none for the reference.
    auth: dict[str, str] = field(default_factory=dict)

    @property
    def next_seat(self) -> str:
        """The seat the next turn asks for."""
        return SEATS[self.turns % len(SEATS)]

    def next_message(self) -> str:
        text = message(self.confirmation_number, self.turns)
        self.turns += 1
        return text


class Variant(Protocol):
    """What a scenario needs from a variant."""

    name: str

    async def open(self) -> Conversation: ...

    async def turn(self, conversation: Conversation, resilient: bool = False) -> float: ...

    def cpu(self) -> dict[str, float]: ...


@dataclass
class Durable:
    """Our agent or the reference design, on a stack of its own, driven over the ingress.

    "cluster" is our agent on three restate-server nodes: conversations are spread over the
    nodes' ingresses, as a load balancer in front of them would.
    """

    name: str
    root: Path
    latency_ms: int = 0
    env: dict[str, str] = field(default_factory=dict)
    # The baseline's PYTHONPATH (an earlier commit's sources), for the "baseline" variant.
    code: str | None = None
    stack: Stack = field(init=False)
    http: httpx.AsyncClient = field(init=False)
    ingresses: list[str] = field(init=False)
    _opened: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self.stack = variant_stack(self.name, self.root, self.latency_ms, self.env, self.code)

    async def __aenter__(self) -> "Durable":
        await asyncio.to_thread(self.stack.start)
        self.ingresses = self.stack.ingress_urls
        self.http = httpx.AsyncClient(
            timeout=300.0,
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=None),
        )
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.http.aclose()
        await asyncio.to_thread(self.stack.stop)

    @property
    def service(self) -> str:
        """The name of the process that runs the agent."""
        return SERVICE_OF[DESIGN_OF[self.name]]

    async def open(self) -> Conversation:
        number = _code("B")
        ingress = self._opened % len(self.ingresses)
        self._opened += 1
        response = await self.http.post(
            f"{self.ingresses[ingress]}/TestSupport/create_booking",
            json={
                "confirmation_number": number,
                "passenger_name": "Bench Passenger",
                "email": f"{number.lower()}@example.com",
                "flight": _code("F"),
                "seat": START_SEAT,
                "fare_eur": 250,
            },
        )
        response.raise_for_status()
        if DESIGN_OF[self.name] != "ours":
            return Conversation(f"bench-{uuid.uuid4().hex[:12]}", number, ingress=ingress)
        opened = await self.http.post(f"{self.ingresses[ingress]}/Sessions/open")
        if opened.status_code == 404 and self.name == "baseline":
            # A baseline from before sessions had tokens (a1101a9): any key is a session.
            return Conversation(f"bench-{uuid.uuid4().hex[:12]}", number, ingress=ingress)
        opened.raise_for_status()
        session = opened.json()
        auth = {"authorization": f"Bearer {session['token']}"}
        return Conversation(session["session_id"], number, ingress=ingress, auth=auth)

    async def turn(self, conversation: Conversation, resilient: bool = False) -> float:
        """One turn; its latency. resilient: with an idempotency key, re-sent to the next node
        at once on a dropped connection or a 5xx, as the client does (for the failover runs)."""
        path = CHAT_PATHS[DESIGN_OF[self.name]].format(key=conversation.session_id)
        body = {"message": conversation.next_message()}
        key = {"idempotency-key": str(uuid.uuid4())} if resilient else {}
        headers = {**conversation.auth, **key}
        started = time.perf_counter()
        failures = 0
        while True:
            url = self.ingresses[conversation.ingress] + path
            try:
                response = await self.http.post(url, json=body, headers=headers)
            except httpx.TransportError as error:
                if not resilient:
                    raise
                problem: str = repr(error)
            else:
                if response.status_code < 500 or not resilient:
                    break
                problem = f"{response.status_code} {response.text}"
            failures += 1
            if time.perf_counter() - started > RESILIENT_DEADLINE_S:
                raise RuntimeError(f"{self.name} turn failed {failures} times: {problem}")
            conversation.ingress = (conversation.ingress + 1) % len(self.ingresses)
            conversation.resent += 1
            if failures % len(self.ingresses) == 0:  # every node failed once: wait a little
                await asyncio.sleep(0.1)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"{self.name} turn failed: {response.status_code} {response.text}")
        return elapsed

    async def seat(self, confirmation_number: str) -> str:
        """The booking's seat as seating has it now."""
        # Booking/get is private to the ingress: asked through the test-only relay.
        relay = {"service": "Booking", "handler": "get", "key": confirmation_number}
        response = await self.http.post(f"{self.ingresses[0]}/TestSupport/relay", json=relay)
        response.raise_for_status()
        return response.json()["result"]["seat"]

    def cpu(self) -> dict[str, float]:
        split = cpu_split(self.stack)
        return {**split, "agent": split[self.service], "bench": time.process_time()}


@dataclass
class InProcess:
    """No durability: the plain Runner in this process."""

    latency_ms: int = 0
    name: str = "floor"
    floor: Floor = field(init=False)

    def __post_init__(self) -> None:
        self.floor = Floor(self.latency_ms / 1000)

    async def __aenter__(self) -> "InProcess":
        return self

    async def __aexit__(self, *_: object) -> None:
        return None

    async def open(self) -> Conversation:
        number = _code("B")
        self.floor.add_booking(number, _code("F"), START_SEAT)
        return Conversation(f"floor-{uuid.uuid4().hex[:12]}", number)

    async def turn(self, conversation: Conversation, resilient: bool = False) -> float:
        started = time.perf_counter()
        await self.floor.turn(conversation.session_id, conversation.next_message())
        return time.perf_counter() - started

    def cpu(self) -> dict[str, float]:
        # The agents run in this process: its CPU time is the "services" share.
        own = time.process_time()
        return {"restate": 0.0, "services": own, "agent": own, "bench": 0.0}
