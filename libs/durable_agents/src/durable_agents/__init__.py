"""Durable OpenAI Agents SDK runs on Restate.

`run()` is `Runner.run` inside a Restate handler with every model call journaled (any model
provider), the tool calls of one model response running concurrently with a deterministic
journal (`together`), a session that stays cheap however long it grows (`ChunkedSession`), and
cancellation recognised in one place. See README.md.
"""

from restate.ext.openai import restate_context, restate_object_context

from .batch import ToolBatch
from .cancellation import CANCELLED, ToolRun, TurnCancelled, is_cancellation, turn_cancelled
from .journal import JournaledResponse
from .models import JournaledModel, JournaledModels, ModelUnavailable, WrapperModel
from .replay import once, replaying
from .retries import classify, openai_client
from .runner import DEFAULT_LLM_RETRIES, run
from .session import ChunkedSession, read_items
from .tools import durable_tool, parallel_tools, together
from .tracing import span, start_span
from .turn import DurableTurn

__all__ = [
    "CANCELLED",
    "DEFAULT_LLM_RETRIES",
    "ChunkedSession",
    "DurableTurn",
    "JournaledModel",
    "JournaledModels",
    "JournaledResponse",
    "ModelUnavailable",
    "ToolBatch",
    "ToolRun",
    "TurnCancelled",
    "WrapperModel",
    "classify",
    "durable_tool",
    "is_cancellation",
    "once",
    "openai_client",
    "parallel_tools",
    "read_items",
    "replaying",
    "restate_context",
    "restate_object_context",
    "run",
    "span",
    "start_span",
    "together",
    "turn_cancelled",
]
