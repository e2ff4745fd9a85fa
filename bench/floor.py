"""No durability: the same agents, offline model and seat tool, run in-process by `Runner.run`.

The floor every durable variant is compared with: no Restate, no journal, no state store. The
seat tool changes an in-memory seat map instead of calling the seating service; history is a
list in memory, of which the model sees the same window as in our agent.
"""

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

from agents import (
    Agent,
    Model,
    ModelProvider,
    RunConfig,
    Runner,
    TResponseInputItem,
)
from agents.memory.session import SessionABC
from agents.tool_context import ToolContext

from airline_agent import config
from airline_agent.airline import UPDATE_SEAT, build_agents, role_of
from airline_agent.models import AgentRole, AirlineContext
from airline_agent.offline import OfflineModel


@dataclass
class Seats:
    """Bookings in memory: confirmation number -> (flight, seat)."""

    bookings: dict[str, tuple[str, str]] = field(default_factory=dict)


SEATS = Seats()


def _update_seat(facts: AirlineContext, confirmation_number: str, new_seat: str) -> str:
    number = confirmation_number.strip().upper()
    flight, old = SEATS.bookings[number]
    SEATS.bookings[number] = (flight, new_seat)
    facts.confirmation_number, facts.seat_number, facts.flight_number = number, new_seat, flight
    return f"Seat changed from {old} to {new_seat} on flight {flight} for booking {number}."


async def _in_memory(context: ToolContext[AirlineContext], arguments: str) -> str:
    # The last name is not checked here (seating checks it).
    args = json.loads(arguments)
    return _update_seat(context.context, args["confirmation_number"], args["new_seat"])


# The agent's seat tool as the model sees it, changing the seat map in memory.
update_seat = dataclasses.replace(UPDATE_SEAT, on_invoke_tool=_in_memory)


class ListSession(SessionABC):
    """History in a list; the model sees at most `window` items, starting at a user message."""

    def __init__(self, window: int) -> None:
        self.items: list[dict[str, Any]] = []
        self.window = window

    async def get_items(self, limit: int | None = None) -> list[TResponseInputItem]:
        start = max(0, len(self.items) - self.window)
        while start < len(self.items) and self.items[start].get("role") != "user":
            start += 1
        return self.items[start:]  # type: ignore[return-value]

    async def add_items(self, items: list[TResponseInputItem]) -> None:
        self.items.extend(dict(item) for item in items)  # type: ignore[arg-type]

    async def pop_item(self) -> TResponseInputItem | None:
        return self.items.pop() if self.items else None  # type: ignore[return-value]

    async def clear_session(self) -> None:
        self.items.clear()


class OneModel(ModelProvider):
    """Every agent gets the same offline model."""

    def __init__(self, model: Model) -> None:
        self.model = model

    def get_model(self, model_name: str | None) -> Model:
        return self.model


def _agents() -> dict[AgentRole, Agent[AirlineContext]]:
    agents = build_agents()
    for agent in agents.values():
        agent.tools = [update_seat if t.name == "update_seat" else t for t in agent.tools]
    return agents


@dataclass
class FloorSession:
    """One conversation: its history, what the agents learned, who is talking."""

    memory: ListSession
    context: AirlineContext = field(default_factory=AirlineContext)
    active: AgentRole = "triage"


class Floor:
    """Turns run in this process; `latency_s` is the offline model's simulated latency."""

    def __init__(self, latency_s: float = 0.0) -> None:
        self.agents = _agents()
        self.run_config = RunConfig(
            model_provider=OneModel(OfflineModel(latency_s=latency_s)), tracing_disabled=True
        )
        self.sessions: dict[str, FloorSession] = {}

    def add_booking(self, number: str, flight: str, seat: str) -> None:
        """A booking the seat tool can change."""
        SEATS.bookings[number] = (flight, seat)

    async def turn(self, session_id: str, message: str) -> str:
        """One customer turn, as our agent's chat handler runs it, minus Restate."""
        session = self.sessions.setdefault(
            session_id, FloorSession(ListSession(config.HISTORY_WINDOW))
        )
        result = await Runner.run(
            self.agents[session.active],
            message,
            session=session.memory,
            context=session.context,
            run_config=self.run_config,
            max_turns=config.MAX_AGENT_STEPS,
        )
        session.active = role_of(result.last_agent.name)
        return str(result.final_output)
