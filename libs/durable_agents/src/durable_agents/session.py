"""A conversation's memory in Restate state, in append-only chunks: `ChunkedSession`.

Restate's `RestateSession` keeps the whole history in one state key that every turn reads and
writes whole, so turns get slower as a conversation grows. Here a turn reads only the chunks its
window needs and rewrites only the last chunk, while the full history stays in state, queryable.
"""

import hashlib
from typing import Any

from agents.items import TResponseInputItem
from agents.memory.session import SessionABC
from agents.models.fake_id import FAKE_RESPONSES_ID
from restate import ObjectContext, ObjectSharedContext

CHUNK_SIZE = 32
# Where `ChunkedSession.open` keeps the item count (callers of the constructor keep it themselves).
COUNT_KEY = "history.count"
DEFAULT_WINDOW = 60
Item = dict[str, Any]


def chunk_key(index: int) -> str:
    """The state key of the index-th chunk of history items."""
    return f"history.{index:06d}"


async def read_chunks(
    ctx: ObjectContext | ObjectSharedContext, count: int, start: int = 0
) -> dict[int, list[Item]]:
    """The chunks that hold items start..count-1, by index, all requested at once.

    With lazy state (session.py) each read is a round trip to restate-server: started
    together, they cost one.
    """
    indexes = range(start // CHUNK_SIZE, (count + CHUNK_SIZE - 1) // CHUNK_SIZE)
    reads = [ctx.get(chunk_key(index), type_hint=list[Item]) for index in indexes]
    return {index: (await read) or [] for index, read in zip(indexes, reads, strict=True)}


async def read_items(
    ctx: ObjectContext | ObjectSharedContext, count: int, start: int = 0
) -> list[Item]:
    """Items start..count-1 of the history (count is how many the session holds)."""
    chunks = await read_chunks(ctx, count, start)
    items = [item for index in sorted(chunks) for item in chunks[index]]
    return items[start - (start // CHUNK_SIZE) * CHUNK_SIZE :]


def _clean_cut(items: list[Item], start: int) -> bool:
    """Whether the view can start at `start`: no output loses its call, no reasoning its item.

    A model API refuses a tool output whose call it was not shown, and a reasoning item without
    the item it reasoned towards; so the cut never falls between them.
    """
    if start > 0 and items[start - 1].get("type") == "reasoning":
        return False
    calls = {i.get("call_id") for i in items[start:] if i.get("type") == "function_call"}
    return all(
        i.get("call_id") in calls for i in items[start:] if i.get("type") == "function_call_output"
    )


def _window_start(items: list[Item], window: int) -> int:
    """Where the model's view starts: at most `window` items back, at a user message if it can.

    A user message is where a turn began, so tool calls and their outputs stay together. With no
    user message in view, the first place after which every output still has its call and no
    reasoning item is cut from what follows it.
    """
    first = max(0, len(items) - window)
    for start in range(first, len(items)):
        if items[start].get("role") == "user" and _clean_cut(items, start):
            return start
    return next(s for s in range(first, len(items) + 1) if _clean_cut(items, s))


# The id prefixes the Responses API gives each kind of item.
ID_PREFIXES = {"message": "msg_", "function_call": "fc_", "reasoning": "rs_"}


def _stored(item: Item, position: str) -> Item:
    """The item as the history keeps it: a placeholder id replaced by one unique in the session.

    Deterministic (the session and the item's place in it), so a replay makes the same id.
    """
    if item.get("id") == FAKE_RESPONSES_ID:
        prefix = ID_PREFIXES.get(str(item.get("type")))
        if prefix is None:
            del item["id"]
        else:
            item["id"] = prefix + hashlib.sha256(position.encode()).hexdigest()[:32]
    return item


class ChunkedSession(SessionABC):
    """An Agents SDK session over chunked Restate state; `flush()` writes the new items.

    `count` is how many items the history holds: keep it in your own state (one read less per
    turn), or let `open()` keep it under COUNT_KEY.
    """

    def __init__(self, ctx: ObjectContext, count: int, window: int = DEFAULT_WINDOW) -> None:
        self.session_id = ctx.key()
        self._ctx = ctx
        self._count = count
        self._window = window
        self._new: list[Item] = []
        self._read: dict[int, list[Item]] = {}  # chunks read this turn, by index
        self._count_key: str | None = None

    @classmethod
    async def open(cls, ctx: ObjectContext, window: int = DEFAULT_WINDOW) -> "ChunkedSession":
        """The session of this object, its item count kept in state (COUNT_KEY)."""
        session = cls(ctx, await ctx.get(COUNT_KEY, type_hint=int) or 0, window)
        session._count_key = COUNT_KEY
        return session

    @property
    def count(self) -> int:
        """How many items the history holds, including unflushed ones."""
        return self._count + len(self._new)

    @property
    def unflushed(self) -> list[Item]:
        """The items added this turn and not yet written (the list itself: edits are kept)."""
        return self._new

    async def get_items(self, limit: int | None = None) -> list[TResponseInputItem]:
        """The most recent part of the history: what the model sees this turn."""
        window = self._window if limit is None else min(limit, self._window)
        start = max(0, self._count - window - CHUNK_SIZE)
        indexes = range(start // CHUNK_SIZE, (self._count + CHUNK_SIZE - 1) // CHUNK_SIZE)
        if any(index not in self._read for index in indexes):
            # Stored history does not change during a turn: each chunk is read once.
            self._read |= await read_chunks(self._ctx, self._count, start)
        stored = [item for index in indexes for item in self._read[index]]
        recent = stored[start - indexes.start * CHUNK_SIZE :] + self._new
        return recent[_window_start(recent, window) :]  # type: ignore[return-value]

    async def add_items(self, items: list[TResponseInputItem]) -> None:
        """Buffer new items; they are written once, by flush(), at the end of the turn.

        The SDK's placeholder id (Chat Completions output, messages it makes itself) becomes a
        real one, so the history stays valid input for the Responses API too.
        """
        for item in items:
            self._new.append(_stored(dict(item), f"{self.session_id}:{self.count}"))  # type: ignore[arg-type]

    async def pop_item(self) -> TResponseInputItem | None:
        """Remove the newest unflushed item (stored history is append-only)."""
        return self._new.pop() if self._new else None  # type: ignore[return-value]

    async def clear_session(self) -> None:
        """Drop unflushed items; stored history is kept (it is the audit trail)."""
        self._new.clear()

    async def flush(self) -> None:
        """Append the buffered items: rewrite the last partial chunk, add new ones."""
        if not self._new:
            return
        first = self._count // CHUNK_SIZE
        tail = [] if self._count % CHUNK_SIZE == 0 else self._read.get(first)
        if tail is None:  # not read this turn (get_items was not called)
            tail = await self._ctx.get(chunk_key(first), type_hint=list[Item]) or []
        pending = tail[: self._count - first * CHUNK_SIZE] + self._new
        for offset in range(0, len(pending), CHUNK_SIZE):
            self._ctx.set(
                chunk_key(first + offset // CHUNK_SIZE), pending[offset : offset + CHUNK_SIZE]
            )
        self._count += len(self._new)
        self._new = []
        if self._count_key is not None:
            self._ctx.set(self._count_key, self._count)
