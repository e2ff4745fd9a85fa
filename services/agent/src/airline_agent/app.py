"""The agent deployment."""

import restate

from telemetry import identity_keys

from . import spans
from .checkin import checkin_reminder
from .session import agent_session

spans.install()
app = restate.app([agent_session, checkin_reminder], identity_keys=identity_keys())
