"""Human in the loop: a desk of items waiting for a person, and a wait for a person's answer.

`desk(...)` builds a Virtual Object that lists the items (approval requests, escalations...)
still waiting, keyed by their id: private `add` / `remove` handlers, called by the workflow that
waits, and a shared `pending` handler that first calls the given authorisation check (which raises
a TerminalError for a caller who may not read it). Many readers, one writer at a time.

`answer_or_timeout(...)` waits for whichever comes first, the durable promise a person completes
or a durable timer; on timeout it completes the promise itself with `expired`, so a late answer
finds the item closed. If a person answered in the meantime, their answer stands. Both the
promise and the timer live in Restate: the wait survives restarts.

`settle(...)` is the other side: a handler completing the promise for a person, which tells
whether it was the first to do so.

`Ask(...)` names one such question once (promise, answer type, what a timeout answers, the
timer's name): `Desk.wait(ctx, at, item, ask, timeout)` is the whole wait of a workflow (the
item on the desk, `answer_or_timeout`, the item off again) and `settle_waiting(ctx, ask, ...)`
the person's side, while the item still waits. `waiting_main(workflow)` declares the main
handler of such a workflow.
"""

import inspect
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Generic, Protocol, TypeVar, get_args

import restate
from pydantic import BaseModel
from restate import (
    ObjectContext,
    ObjectSharedContext,
    TerminalError,
    WorkflowContext,
    WorkflowSharedContext,
)
from restate.asyncio import select

Item = TypeVar("Item", bound=BaseModel)
Listing = TypeVar("Listing", bound=BaseModel)
T = TypeVar("T")
V = TypeVar("V", bound="Verdict")


class Verdict(Protocol):
    """A person's answer (or the timer's) that names what became of the item."""

    @property
    def verdict(self) -> str: ...


@dataclass(frozen=True)
class Ask(Generic[T]):
    """A question for a person: the durable promise of its answer and what a timeout answers."""

    promise: str
    answer: type[T]
    expired: T
    timer: str | None = None  # the timer's name in the journal


def waiting_main(workflow: restate.Workflow, *, retention: timedelta = timedelta(days=7)):
    """`workflow.main(...)` for a run that waits for a person.

    Private (a service starts it); kept `retention` after it ends, so a late answer still finds
    it closed; suspended 2 s into the wait instead of holding a connection to the service.
    """
    return workflow.main(
        ingress_private=True,
        workflow_retention=retention,
        inactivity_timeout=timedelta(seconds=2),
    )


@dataclass(frozen=True)
class Desk(Generic[Item, Listing]):
    """The desk's Virtual Object and its handlers (pass these to `ctx.object_call`)."""

    service: restate.VirtualObject
    add: Callable[[ObjectContext, Item], Awaitable[None]]
    remove: Callable[[ObjectContext, str], Awaitable[None]]
    pending: Callable[[ObjectSharedContext], Awaitable[Listing]]
    key: str  # the items' id field

    async def wait(
        self,
        ctx: WorkflowContext,
        at: str,
        item: Item,
        ask: Ask[T],
        timeout: timedelta,  # noqa: ASYNC109 (a durable timer, not an asyncio one)
    ) -> T:
        """Put `item` on the desk keyed `at`, wait as `answer_or_timeout` does, take it off."""
        await ctx.object_call(self.add, key=at, arg=item)
        answer = await answer_or_timeout(
            ctx, ask.promise, timeout, ask.answer, expired=ask.expired, timer_name=ask.timer
        )
        ctx.object_send(self.remove, key=at, arg=getattr(item, self.key))
        return answer


def _typed(fn: Callable[..., Any], params: dict[str, Any], returns: Any) -> None:
    """Give a handler made here its concrete types: Restate reads them for serde and schema."""
    fn.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=kind)
            for name, kind in params.items()
        ],
        return_annotation=returns,
    )


def desk(
    name: str,
    listing: type[Listing],
    *,
    key: str,
    state: str,
    authorise: Callable[[ObjectSharedContext], None],
) -> "Desk[Any, Listing]":
    """A Virtual Object `name` holding the waiting items as one `listing`, under state `state`.

    `listing` is a pydantic model with one field, a list of the items (pydantic models too);
    `key` names the item's id field. `add` keeps one copy of an item added twice; `remove` takes
    an id; `pending` calls `authorise(ctx)` first and returns the items oldest first (its
    description is the listing's docstring).
    """
    ((field, info),) = listing.model_fields.items()
    (item,) = get_args(info.annotation)
    service = restate.VirtualObject(name)

    async def _read(ctx: ObjectContext | ObjectSharedContext) -> Listing:
        return await ctx.get(state, type_hint=listing) or listing(**{field: []})

    async def add(ctx: ObjectContext, new: Any) -> None:
        found = await _read(ctx)
        items = getattr(found, field)
        if all(getattr(i, key) != getattr(new, key) for i in items):
            ctx.set(state, listing(**{field: [*items, new]}))

    async def remove(ctx: ObjectContext, item_id: str) -> None:
        items = getattr(await _read(ctx), field)
        left = [i for i in items if getattr(i, key) != item_id]
        if len(left) != len(items):
            ctx.set(state, listing(**{field: left}))

    async def pending(ctx: ObjectSharedContext) -> Listing:
        authorise(ctx)
        return await _read(ctx)

    add.__doc__ = "Put an item on the desk; adding it again keeps one copy."
    remove.__doc__ = "Take an item off the desk, by its id."
    pending.__doc__ = listing.__doc__
    _typed(add, {"ctx": ObjectContext, "new": item}, None)
    _typed(remove, {"ctx": ObjectContext, "item_id": str}, None)
    _typed(pending, {"ctx": ObjectSharedContext}, listing)
    return Desk(
        service=service,
        add=service.handler(ingress_private=True)(add),
        remove=service.handler(ingress_private=True)(remove),
        pending=service.handler(kind="shared")(pending),
        key=key,
    )


async def answer_or_timeout(
    ctx: WorkflowContext,
    promise_name: str,
    timeout: timedelta,  # noqa: ASYNC109 (a durable timer, not an asyncio one)
    type_hint: type[T],
    *,
    expired: T,
    timer_name: str | None = None,
) -> T:
    """A person's answer on the promise `promise_name`, or `expired` once `timeout` has passed.

    On timeout the promise is completed with `expired` here, so a late answer finds it closed;
    if a person completed it first after all, their answer is returned.
    """
    promise = ctx.promise(promise_name, type_hint=type_hint)
    timer = ctx.sleep(timeout, name=timer_name)
    match await select(answer=promise.value(), timeout=timer):
        case ["answer", answered]:
            return answered
        case _:
            pass
    with suppress(TerminalError):
        await promise.resolve(expired)
    return await promise.value()


async def settle(
    ctx: WorkflowSharedContext, promise_name: str, type_hint: type[T], value: T
) -> tuple[bool, T | None]:
    """Complete the promise with a person's `value`: (True, None) if this did it first.

    Otherwise (False, what the promise already holds): someone else (or the timer) completed it
    a moment ago; None if that value cannot be read yet.
    """
    promise = ctx.promise(promise_name, type_hint=type_hint)
    try:
        await promise.resolve(value)
        return True, None
    except TerminalError:
        pass
    return False, await promise.peek()


async def settle_waiting(
    ctx: WorkflowSharedContext, ask: Ask[V], value: V, *, state: str, waiting: str, closed: str
) -> str | None:
    """`settle` the question's promise with `value` if the item's `state` is still `waiting`.

    None if this answer was the first; otherwise the state the item was already in: `state`, or
    the verdict that completed the promise a moment ago (`closed` if it cannot be read yet).
    """
    if state != waiting:
        return state
    first, earlier = await settle(ctx, ask.promise, ask.answer, value)
    if first:
        return None
    return earlier.verdict if earlier else closed
