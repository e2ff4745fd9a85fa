"""The agents, in the shape of the Agents SDK's customer-service example."""

import re
from collections.abc import Callable

from agents import Agent, ModelSettings, RunContextWrapper, Tool
from agents.extensions.handoff_prompt import RECOMMENDED_PROMPT_PREFIX

from . import config
from .checkin import schedule_checkin_reminder
from .measured import counted
from .models import AgentRole, AirlineContext
from .tools import (
    booking_details,
    escalate_to_human,
    faq_lookup,
    seat_request_status,
    send_invoice,
    update_seat,
)

(
    FAQ_LOOKUP,
    UPDATE_SEAT,
    SEAT_REQUEST_STATUS,
    SEND_INVOICE,
    BOOKING_DETAILS,
    SCHEDULE_CHECKIN,
    ESCALATE,
) = (
    counted(tool)
    for tool in (
        faq_lookup,
        update_seat,
        seat_request_status,
        send_invoice,
        booking_details,
        schedule_checkin_reminder,
        escalate_to_human,
    )
)


# OpenAI's reasoning models: o1, o3, o4-mini, gpt-5, gpt-5.1, ...
_REASONING_MODEL = re.compile(r"^(o\d|gpt-([5-9]|\d{2,}))")
ENCRYPTED_REASONING = "reasoning.encrypted_content"


def model_settings(model: str = config.AGENT_MODEL) -> ModelSettings:
    """How the agents call the model: stateless on the Responses API (OPENAI_STORE).

    A stateless caller must send reasoning items back with their encrypted content, so it asks
    for it from reasoning models (OPENAI_ENCRYPTED_REASONING); other models refuse the option.
    """
    if model == "offline" or config.OPENAI_API != "responses":
        return ModelSettings()
    wanted = config.OPENAI_ENCRYPTED_REASONING
    encrypted = wanted == "true" or (
        wanted == "auto" and not config.OPENAI_STORE and bool(_REASONING_MODEL.match(model))
    )
    return ModelSettings(
        store=config.OPENAI_STORE, response_include=[ENCRYPTED_REASONING] if encrypted else None
    )


def remembering(instructions: str) -> Callable[[RunContextWrapper[AirlineContext], Agent], str]:
    """The instructions, plus what the session remembers about the customer's bookings."""

    def with_memory(context: RunContextWrapper[AirlineContext], agent: Agent) -> str:
        facts = context.context
        return instructions + (facts.memory_note() if isinstance(facts, AirlineContext) else "")

    return with_memory


def build_agents(model: str = config.AGENT_MODEL) -> dict[AgentRole, Agent[AirlineContext]]:
    """Triage plus three specialists, each able to hand back to triage."""
    settings = model_settings(model)

    def agent(
        name: str,
        description: str,
        prompt: str,
        tools: list[Tool],
        handoffs: list[Agent[AirlineContext]] | None = None,
    ) -> Agent[AirlineContext]:
        """One agent on the model: the handoff prompt, its own, the session's memory."""
        return Agent[AirlineContext](
            name=name,
            handoff_description=description,
            instructions=remembering(f"{RECOMMENDED_PROMPT_PREFIX}\n{prompt}"),
            tools=tools,
            handoffs=list(handoffs or []),
            model=model,
            model_settings=settings,
        )

    faq_agent = agent(
        "FAQ Agent",
        "Answers questions about baggage, seats and wifi.",
        """\
You are an FAQ agent. Answer only from the faq_lookup_tool; never from your own knowledge.
1. Identify the customer's last question.
2. Look it up with faq_lookup_tool and answer with what it returns.
If the question is not about the FAQ, transfer back to the triage agent.""",
        [FAQ_LOOKUP],
    )
    seat_agent = agent(
        "Seat Booking Agent",
        "Changes the seat on a booking (and can send its invoice too); tells which seat a "
        "booking has and how a seat request stands.",
        """\
You are a seat booking agent.
1. Ask for the confirmation number and the passenger's last name unless the customer gave them
   or the booking is proven already; the last name is the proof that the booking is theirs.
   Never guess it.
2. Ask which seat they want unless they said it.
3. Change it with update_seat and tell the customer exactly what the tool returned.
4. Each call carries the booking, last name and seat the customer gave for THAT request. For two
   seat changes make two update_seat calls; if the customer also wants the invoice, call
   send_invoice for the booking they named for it, in the same response (they run at once).
   When it is unclear which booking or seat goes with which request, ask; never guess.
5. When the customer asks which seat they have, use booking_details.
Premium and exit-row seats need a supervisor: update_seat then submits a request instead.
When the customer asks how such a request stands, use seat_request_status.
If the customer asks about something else, transfer back to the triage agent.""",
        [UPDATE_SEAT, SEAT_REQUEST_STATUS, SEND_INVOICE, BOOKING_DETAILS],
    )
    invoice_agent = agent(
        "Invoice Agent",
        "Sends the invoice of a booking by e-mail.",
        """\
You are an invoice agent.
1. Ask for the confirmation number and the passenger's last name unless the customer gave them;
   the last name is the proof that the booking is theirs. Never guess it.
2. Send the invoice with send_invoice and tell the customer what the tool returned. For several
   bookings, call send_invoice once per booking, all in the same response (they run at once).
If the customer asks about something else, transfer back to the triage agent.""",
        [SEND_INVOICE],
    )
    triage_agent = agent(
        "Triage Agent",
        "Routes the customer to the right specialist.",
        """\
You are a helpful airline triage agent. Hand the customer to the right specialist:
FAQ questions (baggage, seats, wifi), seat changes, or invoices.
When the customer asks to be reminded to check in, ask for the confirmation number unless they
gave it, schedule it with schedule_checkin_reminder and tell them what the tool returned.
When the customer asks for a person, complains, or wants a refund or a booking cancelled, call
escalate_to_human (only staff can do those) and tell them what the tool returned. Never say that
anything was cancelled, refunded or done: the tool only passes the request on.""",
        [SCHEDULE_CHECKIN, ESCALATE],
        handoffs=[faq_agent, seat_agent, invoice_agent],
    )
    for specialist in (faq_agent, seat_agent, invoice_agent):
        specialist.handoffs.append(triage_agent)
    return {
        "triage": triage_agent,
        "faq": faq_agent,
        "seat_booking": seat_agent,
        "invoice": invoice_agent,
    }


def role_of(agent_name: str) -> AgentRole:
    """The role of an agent by its name (the SDK reports the last agent by object)."""
    return {
        "Triage Agent": "triage",
        "FAQ Agent": "faq",
        "Seat Booking Agent": "seat_booking",
        "Invoice Agent": "invoice",
    }.get(agent_name, "triage")  # type: ignore[return-value]
