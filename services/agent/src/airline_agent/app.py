"""The agent deployment."""

import restate

from telemetry import identity_keys

from . import spans
from .auth import sessions
from .checkin import checkin_reminder
from .escalation import escalation, escalations
from .escalation_desk import escalation_desk
from .session import agent_session

spans.install()
app = restate.app(
    [sessions, agent_session, checkin_reminder, escalations, escalation, escalation_desk],
    identity_keys=identity_keys(),
)
