"""`ToolBatch`: the function calls of one model response, started in order, awaited together.

The Agents SDK runs each function call of a response in an asyncio task of its own, in no
guaranteed order. Restate's journal needs the same order on every replay, and restate-sdk 1.3
cannot have several tasks await durable futures at once: they all read the one queue of
messages from restate-server, so a completion taken by one task is never seen by the task that
waits for it. `restate.ext.openai` avoids both by running tool bodies one after another (its
Turnstile): deterministic, not concurrent.

Here a tool makes exactly one durable operation and hands its future to `together()`. A
`ToolBatch` per model response lets the tools start in the model's order, each as soon as the
one before it has started its operation (a deterministic journal); once all have, one collector
task awaits every future with `restate.gather` (the only task polling Restate) and hands the
results back in the model's order, so what the tools do with them is deterministic too. Two
one-second tools take one second. How tools join a batch: tools.py.
"""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import restate
from restate import TerminalError

from .cancellation import is_cancellation

T = TypeVar("T")
# Awaits every given future until all are complete (restate.gather; a fake in unit tests).
Gather = Callable[..., Awaitable[Any]]


class ToolBatch:
    """The function calls of one model response: started in order, awaited together."""

    def __init__(self, call_ids: Sequence[str], gather: Gather = restate.gather) -> None:
        self.order = list(dict.fromkeys(call_ids))
        self._gather = gather
        self._turns = {call_id: asyncio.Event() for call_id in self.order}
        if self.order:
            self._turns[self.order[0]].set()
        self._settled: set[str] = set()
        self._returned = {call_id: asyncio.Event() for call_id in self.order}
        self._started: dict[str, tuple[Awaitable[Any], asyncio.Future[Any]]] = {}
        self._failed = False
        self._collector: asyncio.Task[None] | None = None

    def __contains__(self, call_id: str) -> bool:
        return call_id in self._turns

    async def turn(self, call_id: str) -> None:
        """Wait until every call before `call_id` has started its operation (or finished)."""
        event = self._turns.get(call_id)
        if event is None:
            raise RuntimeError(f"tool call {call_id} is not a function call of this response")
        # After a failure the later calls wait here until the SDK cancels them.
        await event.wait()

    def started(self, call_id: str, future: Awaitable[T]) -> "asyncio.Future[T]":
        """Record the call's one durable operation; its result arrives on the returned future."""
        if call_id in self._started:
            raise RuntimeError(
                "a durable tool makes exactly one durable operation; move the rest downstream"
            )
        waiter: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._started[call_id] = (future, waiter)
        self._settle(call_id)
        return waiter

    def finished(self, call_id: str) -> None:
        """The call returned (a tool without a durable operation lets the next one go now)."""
        self._returned[call_id].set()
        self._settle(call_id)

    def failed(self, call_id: str) -> None:
        """The call raised: no later call may start, no result is collected."""
        self._failed = True
        self._returned[call_id].set()
        self._settled.add(call_id)

    def abandon(self) -> None:
        """A waiting tool was cancelled (the SDK tears the batch down): stop polling Restate."""
        if self._collector is not None and not self._collector.done():
            self._collector.cancel()

    def _settle(self, call_id: str) -> None:
        if call_id in self._settled:
            return
        self._settled.add(call_id)
        position = self.order.index(call_id)
        if position + 1 < len(self.order):
            self._turns[self.order[position + 1]].set()
        if len(self._settled) == len(self.order) and self._started and not self._failed:
            self._collector = asyncio.create_task(self._collect())

    async def _collect(self) -> None:
        started = [self._started[c] for c in self.order if c in self._started]
        try:
            await self._gather(*(future for future, _ in started))
            # In the model's order, so the tools post-process in the model's order.
            for future, waiter in started:
                try:
                    value = await future
                except TerminalError as error:  # this call's own failure: only its tool's
                    _settle_waiter(waiter, error=error)
                else:
                    _settle_waiter(waiter, value=value)
        except asyncio.CancelledError:
            for _, waiter in started:
                waiter.cancel()
            raise
        except BaseException as error:
            if is_cancellation(error):
                await self._finish_completed()
            # Suspension, a lost connection, an SDK error: every waiting tool re-raises it, as
            # it would have had it awaited its future itself.
            for _, waiter in started:
                _settle_waiter(waiter, error=error)

    async def _finish_completed(self) -> None:
        """Cancelled while waiting: the operations that did complete still give their tools
        their results (and the tools return) before the others hear of the cancel, so the run
        knows what was done."""
        done: list[str] = []
        for call_id in [c for c in self.order if c in self._started]:
            future, waiter = self._started[call_id]
            if not _completed(future):
                continue
            try:
                _settle_waiter(waiter, value=await future)
            except TerminalError as failure:
                _settle_waiter(waiter, error=failure)
            done.append(call_id)
        for call_id in done:
            await self._returned[call_id].wait()


def _completed(future: Awaitable[Any]) -> bool:
    """Whether a durable future (restate's, or an asyncio one in tests) has its result."""
    is_completed = getattr(future, "is_completed", None)
    if callable(is_completed):
        return bool(is_completed())
    done = getattr(future, "done", None)
    return bool(done()) if callable(done) else False


def _settle_waiter(
    waiter: "asyncio.Future[Any]", value: Any = None, error: BaseException | None = None
) -> None:
    if waiter.done():
        return
    if error is None:
        waiter.set_result(value)
    else:
        waiter.set_exception(error)
