"""Durable OpenAI Agents SDK runs on Restate.

`run()` is `Runner.run` inside a Restate handler with every model call journaled (any model
provider), the tool calls of one model response running concurrently with a deterministic
journal (`together`), a session that stays cheap however long it grows (`ChunkedSession`),
cancellation recognised in one place, and a person in the loop (`desk`, `answer_or_timeout`).
See README.md.

The names below are loaded on first use (PEP 562): a process that needs only the replay-safe
helpers (`once`, `replaying`, spans) does not import the Agents SDK, openai and mcp.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from restate.ext.openai import restate_context, restate_object_context

    from .batch import ToolBatch
    from .cancellation import CANCELLED, ToolRun, TurnCancelled, is_cancellation, turn_cancelled
    from .humans import Ask, Desk, answer_or_timeout, desk, settle, settle_waiting, waiting_main
    from .journal import JournaledResponse
    from .models import JournaledModel, JournaledModels, ModelUnavailable, WrapperModel
    from .replay import once, replaying
    from .retries import classify, openai_client
    from .runner import DEFAULT_LLM_RETRIES, run
    from .session import ChunkedSession, read_items
    from .tools import durable_tool, parallel_tools, together
    from .tracing import span, start_span
    from .turn import DurableTurn

# Each exported name and the module that defines it.
_EXPORTS = {
    "restate_context": "restate.ext.openai",
    "restate_object_context": "restate.ext.openai",
    "ToolBatch": ".batch",
    "CANCELLED": ".cancellation",
    "ToolRun": ".cancellation",
    "TurnCancelled": ".cancellation",
    "is_cancellation": ".cancellation",
    "turn_cancelled": ".cancellation",
    "Ask": ".humans",
    "Desk": ".humans",
    "answer_or_timeout": ".humans",
    "desk": ".humans",
    "settle": ".humans",
    "settle_waiting": ".humans",
    "waiting_main": ".humans",
    "JournaledResponse": ".journal",
    "JournaledModel": ".models",
    "JournaledModels": ".models",
    "ModelUnavailable": ".models",
    "WrapperModel": ".models",
    "once": ".replay",
    "replaying": ".replay",
    "classify": ".retries",
    "openai_client": ".retries",
    "DEFAULT_LLM_RETRIES": ".runner",
    "run": ".runner",
    "ChunkedSession": ".session",
    "read_items": ".session",
    "durable_tool": ".tools",
    "parallel_tools": ".tools",
    "together": ".tools",
    "span": ".tracing",
    "start_span": ".tracing",
    "DurableTurn": ".turn",
}

__all__ = [
    "CANCELLED",
    "DEFAULT_LLM_RETRIES",
    "Ask",
    "ChunkedSession",
    "Desk",
    "DurableTurn",
    "JournaledModel",
    "JournaledModels",
    "JournaledResponse",
    "ModelUnavailable",
    "ToolBatch",
    "ToolRun",
    "TurnCancelled",
    "WrapperModel",
    "answer_or_timeout",
    "classify",
    "desk",
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
    "settle",
    "settle_waiting",
    "span",
    "start_span",
    "together",
    "turn_cancelled",
    "waiting_main",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
