"""The agent deployment."""

import restate

from . import spans
from .session import agent_session

spans.install()
app = restate.app([agent_session])
