"""One Virtual Object running `DurableRunner.run(..., use_restate_session=True)`.

The pattern of Restate's OpenAI integration as documented, with this project's seat agent, tool
and offline model so that every variant runs the same conversation:

- the model: `DurableRunner` replaces the run's model provider with `DurableModelCalls`, a
  `MultiProvider` subclass, and a `Model` set on the agent would not be journaled. This bench-only
  patch makes `MultiProvider.get_model` return the offline model in this process, so the model
  is reached exactly where the OpenAI model would be: inside `RestateModelWrapper`'s journaled
  `ctx.run_typed("call LLM")`. (An OpenAI-compatible loopback server would add an HTTP hop and
  the openai client's parsing that our variant does not pay.)
- the agent: the seat booking agent without handoffs (`wrap_agent_tools` recurses forever on
  the triage <-> specialist cycle); the tool is our `update_seat`, one durable RPC to
  `Booking/change_seat`.
"""

from agents import Model
from agents.models.multi_provider import MultiProvider
from restate import ObjectContext, VirtualObject, app
from restate.ext.openai import DurableRunner

from airline_agent import config
from airline_agent.airline import build_agents
from airline_agent.models import AirlineContext, ChatReply, ChatRequest
from airline_agent.offline import OfflineModel

SCRIPTED = OfflineModel(latency_s=config.OFFLINE_MODEL_LATENCY_S)


def _scripted_model(self: MultiProvider, model_name: str | None = None) -> Model:
    return SCRIPTED


MultiProvider.get_model = _scripted_model  # type: ignore[method-assign]

AGENT = build_agents()["seat_booking"].clone(handoffs=[])

reference_session = VirtualObject("ReferenceSession")


@reference_session.handler()
async def chat(ctx: ObjectContext, request: ChatRequest) -> ChatReply:
    """One turn: the documented DurableRunner call, history in the `items` state key."""
    result = await DurableRunner.run(
        AGENT, request.message, use_restate_session=True, context=AirlineContext()
    )
    return ChatReply(reply=str(result.final_output), agent="seat_booking", turn=0)


application = app([reference_session])
