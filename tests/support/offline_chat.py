"""The offline model driving the real agent graph, without Restate: the unit tests' harness.

The agents come from `build_agents(model="offline")` and run under the Agents SDK's plain
`Runner.run`. The tools that need a Restate context are the real ones as the model sees them
(name, description, parameters), answered by local fakes (the FAQ's from the real FAQ text).
History is carried across turns by a session, and each turn starts at the agent that finished
the previous one, as the AgentSession service does.
"""

import dataclasses
import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from agents import (
    Agent,
    FunctionTool,
    Model,
    ModelProvider,
    RunConfig,
    Runner,
    SQLiteSession,
)
from agents.memory.session import SessionABC
from agents.tool_context import ToolContext

from airline_agent import config, faq
from airline_agent.airline import (
    BOOKING_DETAILS,
    ESCALATE,
    FAQ_LOOKUP,
    SEAT_REQUEST_STATUS,
    SEND_INVOICE,
    UPDATE_SEAT,
    build_agents,
    role_of,
)
from airline_agent.models import AgentRole, AirlineContext
from airline_agent.offline import OfflineModel
from airline_contracts.seating import CabinLayout

MAX_MODEL_CALLS_PER_TURN = 4

# What seating's Cabin/layout answers (cabin.json); the real FAQ tool asks it.
CABIN = CabinLayout(rows=30, letters="ABCDEF", premium_rows=[1, 2, 3, 4], exit_rows=[18, 19])

TRANSFERS = {
    "Triage Agent": "transfer_to_triage_agent",
    "FAQ Agent": "transfer_to_faq_agent",
    "Seat Booking Agent": "transfer_to_seat_booking_agent",
    "Invoice Agent": "transfer_to_invoice_agent",
}


# --------------------------------------------------------------------------------------------
# The harness: fake Restate-bound tools, the rewired agent graph, and a chat driver
# --------------------------------------------------------------------------------------------


Call = tuple[str, dict[str, str]]


def seat_call(number: str, name: str, seat: str) -> Call:
    """The update_seat call the model makes for that booking, proof and seat."""
    return ("update_seat", {"confirmation_number": number, "last_name": name, "new_seat": seat})


def invoice_call(number: str, name: str) -> Call:
    """The send_invoice call the model makes for that booking and proof."""
    return ("send_invoice", {"confirmation_number": number, "last_name": name})


def details_call(number: str, name: str) -> Call:
    """The booking_details call the model makes for that booking and proof."""
    return ("booking_details", {"confirmation_number": number, "last_name": name})


def seat_changed(number: str, seat: str) -> str:
    return f"Seat changed from 5B to {seat} on flight FLT123 for booking {number}."


def invoice_sent(number: str) -> str:
    return f"Invoice INV-{number}-0001 (EUR 420) was sent to grace.hopper@example.com."


def escalated(topic: str, number: str) -> str:
    mailed = f" and by e-mail to the address on booking {number}" if number else ""
    return (
        "I've passed this to a person on our staff: your reference is ESC-0000ABCD. Nothing "
        f"has been changed yet; only our staff can do that. You'll get their answer here{mailed}."
    )


def request_pending(request_id: str) -> str:
    return f"Request {request_id} for seat 2A on flight FLT123 is still waiting for a supervisor."


@dataclass
class FakeServices:
    """Records what the fake tools were asked to do and answers like the real tools."""

    seat_result: Callable[[str, str], str] = seat_changed
    invoice_result: Callable[[str], str] = invoice_sent
    status_result: Callable[[str], str] = request_pending
    escalation_result: Callable[[str, str], str] = escalated
    seat_changes: list[tuple[str, str]] = field(default_factory=list)
    invoices: list[str] = field(default_factory=list)
    status_checks: list[str] = field(default_factory=list)
    lookups: list[str] = field(default_factory=list)
    # (topic, summary, confirmation number, last name) of each escalation to a person.
    escalations: list[tuple[str, str, str, str]] = field(default_factory=list)
    # The seat each booking has, as seating would answer booking_details.
    seats: dict[str, str] = field(default_factory=dict)
    # The last name each call carried, in call order.
    last_names: list[str] = field(default_factory=list)

    def update_seat(self, confirmation_number: str, last_name: str, new_seat: str) -> str:
        self.seat_changes.append((confirmation_number, new_seat))
        self.last_names.append(last_name)
        return self.seat_result(confirmation_number, new_seat)

    def send_invoice(self, confirmation_number: str, last_name: str) -> str:
        self.invoices.append(confirmation_number)
        self.last_names.append(last_name)
        return self.invoice_result(confirmation_number)

    def seat_request_status(self, request_id: str) -> str:
        self.status_checks.append(request_id)
        return self.status_result(request_id)

    def faq_lookup_tool(self, question: str) -> str:
        return faq.lookup(question) or faq.seats_answer(CABIN)

    def booking_details(self, confirmation_number: str, last_name: str) -> str:
        self.lookups.append(confirmation_number)
        self.last_names.append(last_name)
        seat = self.seats.get(confirmation_number, "5B")
        return f"Booking {confirmation_number}: seat {seat} on flight FLT123."

    def escalate_to_human(
        self, topic: str, summary: str, confirmation_number: str, last_name: str
    ) -> str:
        self.escalations.append((topic, summary, confirmation_number, last_name))
        return self.escalation_result(topic, confirmation_number)

    def tools(self) -> dict[str, FunctionTool]:
        """The real Restate-bound tools as the model sees them, each answered by its fake."""
        real = (
            UPDATE_SEAT,
            SEND_INVOICE,
            SEAT_REQUEST_STATUS,
            FAQ_LOOKUP,
            BOOKING_DETAILS,
            ESCALATE,
        )
        return {tool.name: answered_by(tool, getattr(self, tool.name)) for tool in real}


def answered_by(tool: FunctionTool, fake: Callable[..., str]) -> FunctionTool:
    """The tool with its name, description and parameters, run by fake(**arguments)."""

    async def invoke(context: ToolContext[Any], arguments: str) -> str:
        return fake(**json.loads(arguments or "{}"))

    return dataclasses.replace(tool, on_invoke_tool=invoke)


def rewire(
    agents: dict[AgentRole, Agent[Any]], tools: dict[str, FunctionTool]
) -> dict[AgentRole, Agent[Any]]:
    """Clones of the agent graph whose tools named in `tools` are replaced; handoffs rewired."""
    clones = {
        id(agent): agent.clone(
            tools=[tools.get(t.name, t) if isinstance(t, FunctionTool) else t for t in agent.tools]
        )
        for agent in agents.values()
    }
    for agent in agents.values():
        clones[id(agent)].handoffs = [clones[id(target)] for target in agent.handoffs]  # type: ignore[index]
    return {role: clones[id(agent)] for role, agent in agents.items()}


class OfflineProvider(ModelProvider):
    """Hands every agent the offline model, as the service does for model "offline"."""

    def __init__(self) -> None:
        self.model = OfflineModel()
        self.names: list[str | None] = []

    def get_model(self, model_name: str | None) -> Model:
        self.names.append(model_name)
        return self.model


@dataclass
class Turn:
    reply: str
    agent: AgentRole
    model_calls: int
    # What the model asked for this turn (tool calls and transfers), in order.
    calls: list[tuple[str, dict[str, Any]]]
    # (from, to) agent names of the handoffs this turn.
    handoffs: list[tuple[str, str]]


class FakeObjectState:
    """The part of Restate's ObjectContext that ChunkedSession uses, JSON round-tripped."""

    def __init__(self, key: str = "session-1") -> None:
        self._key = key
        self.values: dict[str, str] = {}

    def key(self) -> str:
        return self._key

    async def get(self, name: str, type_hint: Any = None) -> Any:
        raw = self.values.get(name)
        return None if raw is None else json.loads(raw)

    def set(self, name: str, value: Any) -> None:
        self.values[name] = json.dumps(value)


class Chat:
    """One customer conversation with the rewired agents; `send` runs one turn."""

    def __init__(self, session: SessionABC | None = None, start: AgentRole = "triage") -> None:
        self.services = FakeServices()
        self.agents = rewire(build_agents(model="offline"), self.services.tools())
        self.agent: Agent[Any] = self.agents[start]
        self.session = session or SQLiteSession(f"test-{uuid.uuid4().hex}")
        self.provider = OfflineProvider()
        self.context = AirlineContext()

    async def send(self, message: str) -> Turn:
        result = await Runner.run(
            self.agent,
            message,
            session=self.session,
            context=self.context,
            run_config=RunConfig(model_provider=self.provider, tracing_disabled=True),
            max_turns=config.MAX_AGENT_STEPS,
        )
        self.agent = result.last_agent
        calls = [
            (item.raw_item.name, json.loads(item.raw_item.arguments or "{}"))  # type: ignore[union-attr]
            for item in result.new_items
            if item.type in ("tool_call_item", "handoff_call_item")
        ]
        handoffs = [
            (item.source_agent.name, item.target_agent.name)
            for item in result.new_items
            if item.type == "handoff_output_item"
        ]
        return Turn(
            reply=str(result.final_output),
            agent=role_of(result.last_agent.name),
            model_calls=len(result.raw_responses),
            calls=calls,
            handoffs=handoffs,
        )

    def close(self) -> None:
        if isinstance(self.session, SQLiteSession):
            self.session.close()


@pytest.fixture
async def new_chat() -> AsyncIterator[Callable[..., Chat]]:
    chats: list[Chat] = []

    def make(session: SessionABC | None = None, start: AgentRole = "triage") -> Chat:
        chats.append(Chat(session, start))
        return chats[-1]

    yield make
    for chat in chats:
        chat.close()


@pytest.fixture
def chat(new_chat: Callable[..., Chat]) -> Chat:
    """A new conversation at the triage agent (new_chat() for another start or session)."""
    return new_chat()


def tool_names(turn: Turn) -> list[str]:
    return [name for name, _ in turn.calls if not name.startswith("transfer_to_")]
