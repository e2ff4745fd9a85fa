"""The agent's configuration, read once from the environment."""

import os

from dotenv import load_dotenv

from telemetry import secret


def _load_env_file(path: str) -> None:
    """Read a `.env` file (python-dotenv's format) into the environment; variables set win.

    Secrets (OPENAI_API_KEY) come from the environment or this file only, never from code or
    state. ENV_FILE="" reads no file (tests).
    """
    if path:
        load_dotenv(path, override=False)


_load_env_file(os.environ.get("ENV_FILE", ".env"))


def _float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


HOST = os.environ.get("HOST", "127.0.0.1")
PORT = int(os.environ.get("PORT", "9080"))
# Prometheus /metrics on HOST; "off" serves none.
METRICS_PORT = os.environ.get("METRICS_PORT", "9180")
# hypercorn worker processes sharing PORT (metrics of all served on METRICS_PORT).
WORKERS = int(os.environ.get("WORKERS", "1"))

# With a key the agents talk to OpenAI (or any OpenAI-compatible server at OPENAI_BASE_URL);
# without one they use the built-in offline model.
OPENAI_API_KEY = os.environ.get("OPENAI_API_KEY", "")
AGENT_MODEL = os.environ.get("AGENT_MODEL", "gpt-4.1-mini" if OPENAI_API_KEY else "offline")
# The openai client's timeout per request. It never retries by itself: LLM_MAX_ATTEMPTS below
# are the retries, those of the journaled step.
OPENAI_BASE_URL = os.environ.get("OPENAI_BASE_URL") or None
OPENAI_TIMEOUT_S = _float("OPENAI_TIMEOUT_S", 60)
# "responses" (the Responses API) or "chat_completions" (for servers that only speak that).
OPENAI_API = os.environ.get("OPENAI_API", "responses")
if OPENAI_API not in ("responses", "chat_completions"):
    raise ValueError(f"OPENAI_API is {OPENAI_API!r}; use 'responses' or 'chat_completions'")
OFFLINE_MODEL_LATENCY_S = _float("OFFLINE_MODEL_LATENCY_MS", 0) / 1000
# Responses API: whether OpenAI keeps the responses. The history lives in Restate state and is
# sent whole each call, so nothing needs storing there: "false" by default (stateless).
OPENAI_STORE = os.environ.get("OPENAI_STORE", "false").lower() == "true"
# Responses API: ask for reasoning items' `encrypted_content`, which a stateless caller must send
# back. "auto": for reasoning models (o1, o3, o4, gpt-5 and later) when OPENAI_STORE is false;
# other models refuse the option. "true" / "false" force it.
OPENAI_ENCRYPTED_REASONING = os.environ.get("OPENAI_ENCRYPTED_REASONING", "auto").lower()
if OPENAI_ENCRYPTED_REASONING not in ("auto", "true", "false"):
    raise ValueError(
        f"OPENAI_ENCRYPTED_REASONING is {OPENAI_ENCRYPTED_REASONING!r}; use auto, true or false"
    )

# How many past items the model sees each turn; the full history stays in state.
HISTORY_WINDOW = int(os.environ.get("AGENT_HISTORY_WINDOW", "60"))
MAX_MESSAGE_BYTES = int(os.environ.get("AGENT_MAX_MESSAGE_BYTES", "8192"))
MAX_AGENT_STEPS = int(os.environ.get("AGENT_MAX_STEPS", "10"))

# Retries of one LLM call before the turn gives up with a message to the customer.
LLM_MAX_ATTEMPTS = int(os.environ.get("LLM_MAX_ATTEMPTS", "6"))
LLM_INITIAL_RETRY_S = _float("LLM_INITIAL_RETRY_S", 0.5)
LLM_MAX_RETRY_S = _float("LLM_MAX_RETRY_S", 10)

# Check-in reminders fire this long after the customer asks (bookings carry no departure time).
CHECKIN_REMINDER_DELAY_S = _float("CHECKIN_REMINDER_DELAY_S", 24 * 3600)

# Signs the customers' session tokens (Sessions/open): $SESSION_SIGNING_KEY, else the file
# $SESSION_SIGNING_KEY_FILE names (devstack generates one per data dir). Without it no session
# can be opened or used.
SESSION_SIGNING_KEY = secret("SESSION_SIGNING_KEY")
SESSION_TOKEN_TTL_S = int(os.environ.get("SESSION_TOKEN_TTL_S", str(30 * 24 * 3600)))

# The operator credential: listing and answering escalations (EscalationDesk/pending,
# Escalation/answer) need a short-lived JWT signed with it in x-supervisor-token (the client
# sends it). $SUPERVISOR_TOKEN, else the file $SUPERVISOR_TOKEN_FILE names. Unset: nobody may.
SUPERVISOR_TOKEN = secret("SUPERVISOR_TOKEN")
# An escalation nobody answers within this many seconds is closed, and the customer told so.
ESCALATION_TIMEOUT_S = _float("ESCALATION_TIMEOUT_S", 24 * 3600)
