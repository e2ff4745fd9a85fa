"""The agent deployment."""

import restate

from .session import agent_session

app = restate.app([agent_session])
