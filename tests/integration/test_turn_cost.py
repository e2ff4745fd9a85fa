"""A turn's cost does not grow with the conversation: it reads and writes the same few keys.

Counted from the outside, in each turn's journal (sys_journal): the state the turn read and
wrote. The chat handler runs with lazy state, so restate-server sends it nothing else: what the
journal shows is all the state that reached the handler.
"""

import json
from dataclasses import dataclass

import httpx

from devstack import Stack
from tests.support.helpers import chat, read, session_id

TURNS = 45
WINDOW = 60  # AGENT_HISTORY_WINDOW's default
CHUNK = 32  # items per history key (memory.CHUNK_SIZE)
# History chunks a turn's window can straddle.
MAX_CHUNKS_READ = -(-(WINDOW + CHUNK) // CHUNK) + 1


@dataclass
class StateTraffic:
    keys_read: list[str]
    bytes_read: int
    keys_written: list[str]
    bytes_written: int


def _turn_ids(stack: Stack, session: str) -> list[str]:
    return stack.invocation_ids("AgentSession", "chat", session)


def _traffic(stack: Stack, invocation: str) -> StateTraffic:
    rows = stack.admin_query(
        "SELECT entry_type, raw_length, entry_lite_json FROM sys_journal "
        f"WHERE id = '{invocation}' ORDER BY index"
    )
    traffic = StateTraffic([], 0, [], 0)
    for row in rows:
        kind, size = row["entry_type"], int(row["raw_length"])
        if kind in ("Command: GetLazyState", "Command: GetEagerState"):
            traffic.keys_read.append(json.loads(row["entry_lite_json"])["Command"][kind[9:]]["key"])
        if kind == "Notification: GetLazyState" or kind == "Command: GetEagerState":
            traffic.bytes_read += size
        if kind == "Command: SetState":
            traffic.keys_written.append(
                json.loads(row["entry_lite_json"])["Command"]["SetState"]["key"]
            )
            traffic.bytes_written += size
    return traffic


def _other_keys(traffic: StateTraffic) -> set[str]:
    return {k for k in traffic.keys_read + traffic.keys_written if not k.startswith("history.")}


def test_state_per_turn_stays_flat_as_the_conversation_grows(
    stack: Stack, ingress: httpx.Client
) -> None:
    session = session_id()
    for turn in range(TURNS):
        chat(ingress, session, f"is there wifi on board? ({turn})")
    items = read(ingress, f"/AgentSession/{session}/status")["item_count"]
    assert items > 2 * WINDOW + CHUNK  # far more history than one turn needs

    turns = _turn_ids(stack, session)
    assert len(turns) == TURNS
    traffic = [_traffic(stack, invocation) for invocation in turns]

    for number, used in enumerate(traffic):
        chunks_read = [k for k in used.keys_read if k.startswith("history.")]
        chunks_written = [k for k in used.keys_written if k.startswith("history.")]
        assert "session" in used.keys_read, number
        assert len(chunks_read) <= MAX_CHUNKS_READ, (number, used.keys_read)
        assert len(chunks_written) <= 2, (number, used.keys_written)  # the last chunk, a new one
        # Besides history: "session" and small bookkeeping keys, the same every turn.
        assert _other_keys(used) == _other_keys(traffic[0]), number
    # The last turn reads only the newest chunks, never the start of the conversation.
    last = traffic[-1]
    oldest = min(int(k.split(".")[1]) for k in last.keys_read if k.startswith("history."))
    assert oldest >= (items - WINDOW - 2 * CHUNK) // CHUNK, last.keys_read
    # Bytes too: a turn late in the conversation moves no more than one in the middle.
    middle = traffic[TURNS // 2 + 5]
    assert last.bytes_read <= 1.5 * middle.bytes_read, (middle, last)
    assert last.bytes_written <= 1.5 * middle.bytes_written + 2 * 1024, (middle, last)
