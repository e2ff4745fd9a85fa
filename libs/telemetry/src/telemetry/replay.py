"""Whether the running handler is replaying its journal."""

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
