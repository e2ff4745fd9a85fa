"""`TestSupport`: a test-only Restate service that creates isolated bookings.

`Booking/create` is private to the ingress, so tests cannot call it directly; like the agent,
this service calls it through Restate. Each test gets its own booking on its own flight.
"""

import json
import os
from typing import Any

import restate
from pydantic import BaseModel
from restate import Context

from airline_contracts.seating import Booking
from airline_contracts.sessions import Notice, notify
from seating.booking import create
from telemetry import identity_keys, serve

support = restate.Service("TestSupport")


@support.handler()
async def create_booking(ctx: Context, booking: Booking) -> Booking:
    """Create a booking (and take its seat) through the private seating handler."""
    return await ctx.object_call(create, key=booking.confirmation_number, arg=booking)


class SessionNotice(BaseModel):
    """A notice for a session, as another service would send it."""

    session_id: str
    text: str
    source: str = "tests"


@support.handler()
async def notify_session(ctx: Context, notice: SessionNotice) -> None:
    """Send `AgentSession/notify` through its contract, the way services outside the agent do."""
    ctx.object_send(
        notify, key=notice.session_id, arg=Notice(text=notice.text, source=notice.source)
    )


class Relay(BaseModel):
    """A raw JSON body for a handler, sent as any caller inside the cluster could send it."""

    service: str
    handler: str
    key: str | None = None
    body: Any = None


@support.handler()
async def relay(ctx: Context, req: Relay) -> dict[str, Any]:
    """Call a (private) handler with an unchecked body; its TerminalError reaches the caller."""
    raw = b"" if req.body is None else json.dumps(req.body).encode()
    out = await ctx.generic_call(req.service, req.handler, arg=raw, key=req.key)
    return {"result": json.loads(out) if out else None}


app = restate.app([support], identity_keys=identity_keys())

if __name__ == "__main__":
    serve(app, os.environ.get("HOST", "127.0.0.1"), int(os.environ["PORT"]), "testsupport")
