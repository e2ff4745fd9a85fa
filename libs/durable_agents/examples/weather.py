import restate
from agents import Agent, MultiProvider, RunContextWrapper
from restate import ObjectContext

import durable_agents
from durable_agents import ChunkedSession, durable_tool, together

forecasts = restate.Service("Forecasts")


@forecasts.handler()
async def today(ctx: restate.Context, city: str) -> str:
    return await ctx.run_typed("ask the weather service", lambda: f"sunny in {city}")


@durable_tool
async def forecast(context: RunContextWrapper[None], city: str) -> str:
    """Today's forecast for a city."""
    ctx = durable_agents.restate_context()
    # One durable call per tool; the calls of one model response run at the same time.
    return await together(context, ctx.service_call(today, arg=city))


agent = Agent(name="Weather", instructions="Answer with the forecast tool.", tools=[forecast])
# Any Agents SDK ModelProvider; the SDK's MultiProvider is OpenAI with OPENAI_API_KEY.
models = MultiProvider()
chat = restate.VirtualObject("WeatherChat")


@chat.handler()
async def ask(ctx: ObjectContext, question: str) -> str:
    session = await ChunkedSession.open(ctx)
    result = await durable_agents.run(agent, question, session=session, model_provider=models)
    await session.flush()
    return str(result.final_output)


app = restate.app([forecasts, chat])
