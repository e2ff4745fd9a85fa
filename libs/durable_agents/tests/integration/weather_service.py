"""A small weather assistant made durable with `durable_agents`: the library's test service.

Nothing airline here: one `SlowForecasts` service whose handler has an outside effect (a line
appended to WEATHER_EFFECTS) and then takes WEATHER_TOOL_DELAY_MS (a durable sleep), and a
`WeatherDesk` object whose `ask` runs the agent. The model is scripted (`WeatherModel`): it asks
for one `forecast` per city named in "weather in A, B and C" and the `units`, all in one
response, then reports the tools' answers;
anything else it notes, saying how many items it was shown. The README's example is served too
(`Forecasts`, `WeatherChat`), with this model.

Run as `python -m weather_service` (HOST, PORT); hypercorn serves the Restate app.
"""

import asyncio
import hashlib
import json
import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import hypercorn.asyncio
import hypercorn.config
import restate
import weather as example  # examples/weather.py (PYTHONPATH)
from agents import (
    Agent,
    AgentsException,
    Model,
    ModelProvider,
    ModelResponse,
    RunContextWrapper,
    Tool,
    Usage,
)
from agents.items import TResponseInputItem, TResponseOutputItem
from agents.testing import assistant_message, function_call
from pydantic import BaseModel
from restate import Context, ObjectContext, ObjectSharedContext, TerminalError

import durable_agents
from durable_agents import CANCELLED, ChunkedSession, durable_tool, together, turn_cancelled

EFFECTS = Path(os.environ.get("WEATHER_EFFECTS", "/dev/null"))
TOOL_DELAY = timedelta(milliseconds=int(os.environ.get("WEATHER_TOOL_DELAY_MS", "0")))
WINDOW = int(os.environ.get("WEATHER_WINDOW", "20"))
RUNNING = "running"  # the state key of the turn in flight, for `cancel`
CANCELLED_NOTE = "(cancelled)"

forecasts = restate.Service("SlowForecasts")


@forecasts.handler()
async def today(ctx: Context, city: str) -> str:
    """Look the forecast up (an effect outside Restate, journaled), then take TOOL_DELAY."""

    def look_up() -> str:
        with EFFECTS.open("a", encoding="utf-8") as effects:
            effects.write(city + "\n")
        return f"{city}: {17 + len(city) % 9} C and sunny"

    answer = await ctx.run_typed("look up the forecast", look_up)
    if TOOL_DELAY:
        await ctx.sleep(TOOL_DELAY)
    return answer


@durable_tool
async def forecast(context: RunContextWrapper[None], city: str) -> str:
    """Today's forecast for one city."""
    ctx = durable_agents.restate_context()
    return await together(context, ctx.service_call(today, arg=city))


@durable_tool
def units() -> str:
    """The units the forecasts use (no durable operation: a pure tool)."""
    return "in degrees Celsius"


agent = Agent(
    name="Weather Assistant",
    instructions="Answer with the forecast tool, one call per city, and say the units.",
    tools=[forecast, units],
)

_CITIES = re.compile(r"^weather in (.+)$", re.IGNORECASE)


def _text(item: Any) -> str:
    content = item.get("content") if isinstance(item, dict) else None
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


class WeatherModel(Model):
    """The scripted model: deterministic, its output a function of what it is shown."""

    async def get_response(
        self,
        system_instructions: Any,
        input: Any,
        model_settings: Any,
        tools: list[Tool],
        *args: Any,
        **kwargs: Any,
    ) -> ModelResponse:
        items: list[Any] = [{"role": "user", "content": input}] if isinstance(input, str) else input
        last_user = max(i for i, item in enumerate(items) if item.get("role") == "user")
        question = _text(items[last_user])
        outputs = [
            str(item.get("output"))
            for item in items[last_user:]
            if item.get("type") == "function_call_output"
        ]
        output: list[TResponseOutputItem]
        cities = _CITIES.match(question)
        if outputs:
            output = [assistant_message("; ".join(outputs), item_id="msg_weather")]
        elif cities:
            names = [c.strip() for c in re.split(r",|\band\b", cities.group(1)) if c.strip()]
            digest = hashlib.sha256(json.dumps(items, default=str).encode()).hexdigest()[:16]
            # One response: a forecast per city, then the pure tool (it runs in the batch too).
            calls = [("forecast", {"city": city}) for city in names]
            if any(tool.name == "units" for tool in tools):  # the README's agent has no units
                calls.append(("units", {}))
            output = [
                function_call(name, arguments, call_id=f"call_{digest}_{number}")
                for number, (name, arguments) in enumerate(calls)
            ]
        else:
            reply = f"noted: {question} (I was shown {len(items)} items)"
            output = [assistant_message(reply, item_id="msg_weather")]
        return ModelResponse(output=output, usage=Usage(requests=1), response_id=None)

    def stream_response(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("the scripted model does not stream")


class WeatherModels(ModelProvider):
    """Any ModelProvider will do: this one always gives the scripted model."""

    def get_model(self, model_name: str | None) -> Model:
        return WeatherModel()


chat = restate.VirtualObject("WeatherDesk", state_preload=False)


class Answer(BaseModel):
    reply: str
    items: int  # how many items the session holds after the turn


@chat.handler()
async def ask(ctx: ObjectContext, question: str) -> Answer:
    """One turn: the agent answers; a cancelled turn leaves the question and a note."""
    ctx.set(RUNNING, ctx.request().id)
    session = await ChunkedSession.open(ctx, window=WINDOW)
    try:
        result = await durable_agents.run(
            agent, question, session=session, model_provider=WeatherModels()
        )
    except (TerminalError, AgentsException) as error:
        if not turn_cancelled(error):
            raise
        await session.clear_session()
        note: list[TResponseInputItem] = [
            {"role": "user", "content": question},
            {"role": "assistant", "content": CANCELLED_NOTE},
        ]
        await session.add_items(note)
        await session.flush()
        ctx.clear(RUNNING)
        raise TerminalError("the turn was cancelled", status_code=CANCELLED) from None
    await session.flush()
    ctx.clear(RUNNING)
    return Answer(reply=str(result.final_output), items=session.count)


@chat.handler(kind="shared")
async def cancel(ctx: ObjectSharedContext) -> bool:
    """Cancel the turn in flight, if any (Restate cancels the calls it made too)."""
    running = await ctx.get(RUNNING, type_hint=str)
    if running:
        ctx.cancel_invocation(running)
    return bool(running)


# The README's example (examples/weather.py), served as it is, the scripted model in place of
# its `models` (the one line a deployment of it would change).
example.models = WeatherModels()

app = restate.app([forecasts, chat, example.forecasts, example.chat])

if __name__ == "__main__":
    config = hypercorn.config.Config()
    config.bind = [f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ['PORT']}"]
    asyncio.run(hypercorn.asyncio.serve(app, config))  # type: ignore[arg-type]
