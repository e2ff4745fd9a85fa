"""ChunkedSession's chunk maths, against an in-memory stand-in for Restate object state.

The fake JSON round-trips every value as Restate's serde does and counts reads and writes; the
integration tests run the same code against a real restate-server.
"""

import json
from typing import Any

import pytest

from durable_agents.session import (
    CHUNK_SIZE,
    ChunkedSession,
    _window_start,
    chunk_key,
    read_items,
)


class FakeObjectState:
    """`key()`, async `get(name, type_hint)` and `set(name, value)` of an ObjectContext."""

    def __init__(self, key: str = "session-1") -> None:
        self._key = key
        self.values: dict[str, str] = {}
        self.gets: list[str] = []
        self.sets: list[str] = []

    def key(self) -> str:
        return self._key

    async def get(self, name: str, type_hint: Any = None) -> Any:
        self.gets.append(name)
        raw = self.values.get(name)
        return None if raw is None else json.loads(raw)

    def set(self, name: str, value: Any) -> None:
        self.sets.append(name)
        self.values[name] = json.dumps(value)

    def reset_counts(self) -> None:
        self.gets.clear()
        self.sets.clear()

    def chunk(self, index: int) -> list[dict[str, Any]]:
        return json.loads(self.values[chunk_key(index)])


def user(n: int) -> dict[str, Any]:
    return {"role": "user", "content": f"message {n}"}


def reply(n: int) -> dict[str, Any]:
    return {
        "type": "message",
        "role": "assistant",
        "content": [{"type": "output_text", "text": f"reply {n}"}],
    }


def tool_call(n: int) -> dict[str, Any]:
    return {"type": "function_call", "call_id": f"call_{n}", "name": "t", "arguments": "{}"}


def tool_output(n: int) -> dict[str, Any]:
    return {"type": "function_call_output", "call_id": f"call_{n}", "output": "ok"}


def turn_items(turn: int, size: int) -> list[dict[str, Any]]:
    """One turn of `size` items: the user message, tool calls and outputs, a reply."""
    items = [user(turn)]
    step = 0
    while len(items) < size - 1:
        items.append(tool_call(turn * 100 + step))
        if len(items) < size - 1:
            items.append(tool_output(turn * 100 + step))
        step += 1
    items.append(reply(turn))
    return items[:size]


async def store(state: FakeObjectState, items: list[dict[str, Any]], window: int = 60) -> int:
    """Write `items` as one flush onto whatever the state holds; returns the new count."""
    count = sum(len(state.chunk(i)) for i in range(len(state.values)))
    session = ChunkedSession(state, count, window)  # type: ignore[arg-type]
    await session.add_items(items)  # type: ignore[arg-type]
    await session.flush()
    return session.count


def test_chunk_keys_sort_in_order() -> None:
    keys = [chunk_key(i) for i in (0, 1, 9, 10, 99, 100, 123456)]
    assert keys[0] == "history.000000"
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)


async def test_flush_without_new_items_touches_nothing() -> None:
    state = FakeObjectState()
    session = ChunkedSession(state, 0, 60)  # type: ignore[arg-type]
    await session.flush()
    assert state.gets == [] and state.sets == []


async def test_first_flush_writes_one_chunk() -> None:
    state = FakeObjectState()
    session = ChunkedSession(state, 0, 60)  # type: ignore[arg-type]
    items = turn_items(0, 7)
    await session.add_items(items)  # type: ignore[arg-type]
    assert session.count == 7
    assert state.sets == []  # nothing is written before flush()
    await session.flush()
    assert state.sets == [chunk_key(0)]
    assert state.chunk(0) == items
    assert session.count == 7


async def test_flush_fills_the_partial_chunk_then_starts_new_ones() -> None:
    state = FakeObjectState()
    first = [user(i) for i in range(30)]
    assert await store(state, first) == 30
    state.reset_counts()

    second = [reply(i) for i in range(5)]
    session = ChunkedSession(state, 30, 60)  # type: ignore[arg-type]
    await session.add_items(second)  # type: ignore[arg-type]
    await session.flush()
    assert state.sets == [chunk_key(0), chunk_key(1)]
    assert state.gets == [chunk_key(0)]  # only the partial chunk is read back
    assert state.chunk(0) == first + second[:2]
    assert state.chunk(1) == second[2:]
    assert session.count == 35


async def test_flush_at_a_chunk_boundary_does_not_rewrite_full_chunks() -> None:
    state = FakeObjectState()
    await store(state, [user(i) for i in range(CHUNK_SIZE)])
    before = state.values[chunk_key(0)]
    state.reset_counts()
    await store(state, [reply(0)])
    assert state.sets == [chunk_key(1)]
    assert state.values[chunk_key(0)] == before


async def test_a_large_flush_writes_full_chunks() -> None:
    state = FakeObjectState()
    items = [user(i) for i in range(3 * CHUNK_SIZE + 4)]
    await store(state, items)
    assert state.sets == [chunk_key(i) for i in range(4)]
    assert [len(state.chunk(i)) for i in range(4)] == [CHUNK_SIZE] * 3 + [4]


async def test_many_turns_keep_everything_in_order() -> None:
    state = FakeObjectState()
    everything: list[dict[str, Any]] = []
    count = 0
    for turn in range(10):
        items = turn_items(turn, 7)
        state.reset_counts()
        session = ChunkedSession(state, count, 60)  # type: ignore[arg-type]
        await session.add_items(items)  # type: ignore[arg-type]
        await session.flush()
        # Only the chunk that held the old tail and the chunks after it are written.
        touched = range(count // CHUNK_SIZE, (count + len(items) - 1) // CHUNK_SIZE + 1)
        assert state.sets == [chunk_key(i) for i in touched]
        assert len(state.gets) <= 1
        count = session.count
        everything += items

    assert count == 70
    assert await read_items(state, count) == everything  # type: ignore[arg-type]
    chunks = sorted(state.values)
    assert chunks == [chunk_key(i) for i in range(3)]
    assert [len(state.chunk(i)) for i in range(3)] == [32, 32, 6]
    for start in (0, 1, 31, 32, 33, 64, 69, 70):
        assert await read_items(state, count, start) == everything[start:]  # type: ignore[arg-type]


async def test_read_items_on_an_empty_history() -> None:
    state = FakeObjectState()
    assert await read_items(state, 0) == []  # type: ignore[arg-type]
    assert state.gets == []


async def test_get_items_returns_at_most_the_window_starting_at_a_user_message() -> None:
    state = FakeObjectState()
    everything: list[dict[str, Any]] = []
    for turn in range(40):
        items = turn_items(turn, 3 + turn % 5)  # turns of 3 to 7 items
        everything += items
    count = await store(state, everything)

    for window in (1, 5, 7, 10, 20, 33, 60, 500):
        session = ChunkedSession(state, count, window)  # type: ignore[arg-type]
        got = await session.get_items()
        assert 0 < len(got) <= window
        assert got == everything[len(everything) - len(got) :]
        if window >= 7:  # the longest turn fits: the view starts at a user message
            assert got[0]["role"] == "user"
    assert len(await ChunkedSession(state, count, 500).get_items()) == count  # type: ignore[arg-type]


async def test_get_items_limit_narrows_the_window() -> None:
    state = FakeObjectState()
    count = await store(state, [user(i) for i in range(100)])
    session = ChunkedSession(state, count, 60)  # type: ignore[arg-type]
    assert await session.get_items(limit=10) == [user(i) for i in range(90, 100)]
    assert len(await session.get_items(limit=1000)) == 60


async def test_get_items_includes_unflushed_items() -> None:
    state = FakeObjectState()
    count = await store(state, turn_items(0, 5))
    session = ChunkedSession(state, count, 60)  # type: ignore[arg-type]
    await session.add_items([user(1)])  # type: ignore[list-item]
    got = await session.get_items()
    assert got == [*turn_items(0, 5), user(1)]
    assert session.count == 6


async def test_pop_and_clear_only_touch_unflushed_items() -> None:
    state = FakeObjectState()
    stored = turn_items(0, 4)
    count = await store(state, stored)
    session = ChunkedSession(state, count, 60)  # type: ignore[arg-type]
    assert session.session_id == "session-1"
    assert await session.pop_item() is None
    await session.add_items([user(1), reply(1)])  # type: ignore[list-item]
    assert await session.pop_item() == reply(1)
    assert session.count == 5
    await session.clear_session()
    assert session.count == 4
    assert await session.get_items() == stored
    state.reset_counts()
    await session.flush()
    assert state.sets == []


@pytest.mark.parametrize("count", [40, 100, 1000, 10_000])
async def test_reads_per_turn_do_not_grow_with_the_history(count: int) -> None:
    window = 60
    state = FakeObjectState()
    await store(state, [user(i) for i in range(count)])
    bound = -(-(window + CHUNK_SIZE) // CHUNK_SIZE) + 1  # chunks a window can straddle

    state.reset_counts()
    session = ChunkedSession(state, count, window)  # type: ignore[arg-type]
    await session.get_items()
    assert 1 <= len(state.gets) <= bound

    # Writing a turn reads nothing more (the partial last chunk was read for the window) and
    # writes that chunk and maybe the next.
    await session.add_items([user(count)])  # type: ignore[list-item]
    state.reset_counts()
    await session.flush()
    assert len(state.gets) == 0 and len(state.sets) <= 2


async def test_same_reads_for_a_short_and_a_very_long_history() -> None:
    async def reads(count: int) -> int:
        state = FakeObjectState()
        await store(state, [user(i) for i in range(count)])
        state.reset_counts()
        await ChunkedSession(state, count, 60).get_items()  # type: ignore[arg-type]
        return len(state.gets)

    assert await reads(40) <= await reads(1000)
    assert await reads(1000) == await reads(10_000) == await reads(100_008)


@pytest.mark.parametrize(
    ("roles", "window", "start"),
    [
        ([], 10, 0),
        (["user"], 10, 0),
        (["user", "a", "a", "user", "a"], 10, 0),
        (["user", "a", "a", "user", "a"], 3, 3),
        (["user", "a", "a", "user", "a"], 2, 3),  # the last user message is 2 back
        (["a", "a", "user", "a"], 4, 2),  # a window starting at a tool output moves on
        (["user", "a", "a", "a", "a"], 2, 3),  # no user message in view: take the window
        (["a", "a", "a"], 10, 0),
    ],
)
def test_window_start(roles: list[str], window: int, start: int) -> None:
    items = [{"role": role} for role in roles]
    assert _window_start(items, window) == start


def reasoning(n: int) -> dict[str, Any]:
    return {"type": "reasoning", "id": f"rs_{n}", "summary": [], "encrypted_content": "x"}


# A long turn with no user message in view: two calls answered together, reasoning before each.
LONG_TURN = [
    user(1),
    reasoning(1),
    tool_call(1),
    tool_call(2),
    tool_output(1),
    tool_output(2),
    reasoning(2),
    tool_call(3),
    tool_output(3),
    reasoning(3),
    reply(1),
]


@pytest.mark.parametrize("window", range(1, len(LONG_TURN) + 1))
def test_the_window_never_cuts_a_call_from_its_output_or_reasoning_from_its_item(
    window: int,
) -> None:
    start = _window_start(LONG_TURN, window)
    view = LONG_TURN[start:]
    assert len(view) <= window
    calls = {i["call_id"] for i in view if i.get("type") == "function_call"}
    outputs = {i["call_id"] for i in view if i.get("type") == "function_call_output"}
    assert outputs <= calls, f"window {window}: an output without its call in {view}"
    assert calls <= outputs, f"window {window}: a call without its output in {view}"
    assert start == 0 or LONG_TURN[start - 1].get("type") != "reasoning", (
        f"window {window}: starts right after a reasoning item, cutting it from {view[0]}"
    )
    if view:
        assert view[-1].get("type") != "reasoning"


@pytest.mark.parametrize(
    ("window", "start"),
    [(11, 0), (10, 1), (9, 6), (5, 6), (4, 9), (3, 9), (2, 9), (1, 11)],
)
def test_window_start_in_a_long_turn(window: int, start: int) -> None:
    assert _window_start(LONG_TURN, window) == start


async def test_the_sdks_placeholder_id_becomes_a_real_one() -> None:
    """Chat Completions output carries "__fake_id__": the Responses API wants msg_/fc_ ids."""
    state = FakeObjectState()
    session = ChunkedSession(state, 0)  # type: ignore[arg-type]
    provided = {**reply(3), "id": "msg_3"}
    items = [user(1), {**reply(1), "id": "__fake_id__"}, {**tool_call(1), "id": "__fake_id__"}]
    await session.add_items([*items, {**reply(2), "id": "__fake_id__"}, provided])  # type: ignore[list-item]
    await session.flush()
    stored = state.chunk(0)
    ids = [item.get("id") for item in stored]
    assert ids[0] is None and ids[4] == "msg_3"
    assert ids[1].startswith("msg_") and ids[3].startswith("msg_") and ids[2].startswith("fc_")
    assert len(set(ids[1:])) == 4
    again = ChunkedSession(FakeObjectState(), 0)  # type: ignore[arg-type]
    await again.add_items([*items, {**reply(2), "id": "__fake_id__"}, provided])  # type: ignore[list-item]
    assert again.unflushed == stored, "a replay makes other ids"
