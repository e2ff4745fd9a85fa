"""The agent deployment."""

import restate

from telemetry import identity_keys

from . import spans
from .auth import sessions
from .checkin import checkin_reminder
from .session import agent_session

spans.install()
app = restate.app([sessions, agent_session, checkin_reminder], identity_keys=identity_keys())
