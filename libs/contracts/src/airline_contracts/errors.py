"""Status codes of the services' TerminalErrors, one meaning each.

409 belongs to Restate: it is how a cancelled invocation (or a call it made) ends, and
`durable_agents.is_cancellation` recognises it by that code alone. A business conflict (the
seat is taken, the request was decided already) is CONFLICT instead. `stored` reads a state
that must exist, or answers NOT_FOUND.
"""

from typing import TypeVar

from restate import ObjectContext, ObjectSharedContext, TerminalError

T = TypeVar("T")

BAD_REQUEST = 400
UNAUTHORIZED = 401
FORBIDDEN = 403
NOT_FOUND = 404
CONFLICT = 412


async def stored(
    ctx: ObjectContext | ObjectSharedContext, name: str, type_hint: type[T], missing: str
) -> T:
    """The object's (or workflow's) state `name`; a NOT_FOUND TerminalError `missing` if unset."""
    found = await ctx.get(name, type_hint=type_hint)
    if found is None:
        raise TerminalError(missing, status_code=NOT_FOUND)
    return found
