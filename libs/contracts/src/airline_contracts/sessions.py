"""The agent's contract: telling a customer's conversation something outside a turn.

Implemented by services/agent (session.py) under the same name.
"""

import restate
from pydantic import BaseModel, Field
from restate import ObjectContext


class Notice(BaseModel):
    """Something the customer is told outside a turn, e.g. an approval outcome or a reminder."""

    text: str = Field(min_length=1, max_length=2000)
    source: str = Field(min_length=1, max_length=64)  # who sent it, e.g. "approvals"


agent_session = restate.VirtualObject("AgentSession")


@agent_session.handler()
async def notify(ctx: ObjectContext, notice: Notice) -> None:
    """Append the notice to the conversation's history, where the model sees it next turn."""
    raise NotImplementedError("served by the agent")


# Session tokens (Sessions/open issues them, AgentSession checks them): an HS256 JWT whose
# subject is the session id, for this audience, sent as `authorization: Bearer <token>`.
SESSION_TOKEN_AUDIENCE = "airline-session"


class OpenedSession(BaseModel):
    """A new conversation: its id (128 random bits) and the token that alone may use it."""

    session_id: str
    token: str
    expires_at: int  # unix seconds
