"""Replay-safe observability: whether the handler is replaying, and effects counted once."""

from collections.abc import Callable

from restate.server_context import (
    current_context,
    restate_context_is_replaying,
    update_restate_context_is_replaying,
)


def replaying() -> bool:
    """True while the handler re-executes steps whose results come from the journal.

    Code that checks this right after its last journal operation learns whether that operation
    (and so the effect it completed) is new in this attempt: count an effect only then, and it
    is counted once.
    """
    try:
        ctx = current_context()
    except LookupError:  # not in a handler
        return False
    vm = getattr(ctx, "vm", None)
    if vm is not None:
        # The SDK refreshes this task's flag only after the task's own journal operations;
        # another task (the Agents SDK runs model calls and tools in tasks of their own) may
        # have finished the replay meanwhile. Refresh it from the state machine itself.
        update_restate_context_is_replaying(vm)
    return restate_context_is_replaying.get(False)


def once(record: Callable[[], object]) -> None:
    """Run `record` (a metric update, a log line) unless this attempt is replaying.

    Call it right after the journal operation that completed the effect being recorded.
    """
    if not replaying():
        record()
