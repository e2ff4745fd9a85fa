"""The scenarios, each run against one variant; sizes come from the mode (full or --quick)."""

import asyncio
import statistics
import time
from dataclasses import dataclass
from typing import Any

from .variants import Conversation, Durable, Variant


@dataclass(frozen=True)
class Sizes:
    """How much each scenario does."""

    single_turns: int
    throughput_sessions: int
    throughput_turns: int  # per session
    long_turns: int
    concurrent_sessions: int
    concurrent_turns: int  # per session
    recoveries: int
    failovers: int  # node kills, the nodes in turn
    failover_down_s: float  # how long the node stays down once every session is answered


FULL = Sizes(200, 32, 15, 400, 200, 3, 3, 3, 20.0)
# Quick throughput: 320 turns, a few seconds of CPU to measure; with 96 (3 per session) the CPU
# per turn of the same code moved by +-1.5 ms between runs on the shared machine.
QUICK = Sizes(30, 32, 10, 60, 200, 1, 1, 1, 8.0)

# Sessions running turns back to back through the failover runs: two per node.
FAILOVER_SESSIONS = 6
# Steady load before the kill, and after the node is back.
FAILOVER_STEADY_S = 3.0
FAILOVER_DEADLINE_S = 120.0

# Simulated LLM latency per model call, in ms, of the scenarios that have one.
CONCURRENT_LATENCY_MS = 500
RECOVERY_LATENCY_MS = 200


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


async def _warm(variant: Variant, sessions: int) -> list[Conversation]:
    """Open sessions and run one untimed turn in each.

    Our agent's first turn goes through triage (one more model call, a handoff); the reference
    starts at the seat agent. After this turn every variant runs the same two model calls and
    one tool call per turn.
    """
    conversations = await asyncio.gather(*(variant.open() for _ in range(sessions)))
    await asyncio.gather(*(variant.turn(c) for c in conversations))
    return list(conversations)


async def single(variant: Variant, sizes: Sizes) -> dict[str, Any]:
    """One session, turns one after another: latency p50 / p99."""
    (conversation,) = await _warm(variant, 1)
    latencies = [await variant.turn(conversation) for _ in range(sizes.single_turns)]
    return {
        "turns": len(latencies),
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "mean_ms": statistics.fmean(latencies) * 1000,
    }


async def throughput(variant: Variant, sizes: Sizes) -> dict[str, Any]:
    """Concurrent sessions each running turns back to back: turns/s and CPU per turn."""
    conversations = await _warm(variant, sizes.throughput_sessions)

    async def run(conversation: Conversation) -> None:
        for _ in range(sizes.throughput_turns):
            await variant.turn(conversation)

    before = variant.cpu()
    started = time.perf_counter()
    await asyncio.gather(*(run(c) for c in conversations))
    elapsed = time.perf_counter() - started
    after = variant.cpu()
    turns = sizes.throughput_sessions * sizes.throughput_turns
    per_turn = {f"cpu_{k}_ms_per_turn": (after[k] - before[k]) / turns * 1000 for k in after}
    return {
        "sessions": sizes.throughput_sessions,
        "turns": turns,
        "seconds": elapsed,
        "turns_per_s": turns / elapsed,
        **per_turn,
    }


async def long(variant: Variant, sizes: Sizes) -> dict[str, Any]:
    """One session of many turns: the first ten against the last ten."""
    (conversation,) = await _warm(variant, 1)
    latencies = [await variant.turn(conversation) for _ in range(sizes.long_turns)]
    first, last = latencies[:10], latencies[-10:]
    return {
        "turns": len(latencies),
        "first10_ms": statistics.median(first) * 1000,
        "last10_ms": statistics.median(last) * 1000,
        "ratio": statistics.median(last) / statistics.median(first),
        "last_window": f"{len(latencies) - 9}-{len(latencies)}",
    }


async def concurrent(variant: Variant, sizes: Sizes) -> dict[str, Any]:
    """Many sessions at once with a slow model: turn latency p50 / p99."""
    conversations = await _warm(variant, sizes.concurrent_sessions)

    async def run(conversation: Conversation) -> list[float]:
        return [await variant.turn(conversation) for _ in range(sizes.concurrent_turns)]

    latencies = [t for ts in await asyncio.gather(*(run(c) for c in conversations)) for t in ts]
    return {
        "sessions": sizes.concurrent_sessions,
        "turns": len(latencies),
        "llm_latency_ms": CONCURRENT_LATENCY_MS,
        "p50_s": percentile(latencies, 50),
        "p99_s": percentile(latencies, 99),
    }


async def recovery(variant: Variant, sizes: Sizes) -> dict[str, Any]:
    """SIGKILL the agent process mid-turn (after the tool's effect), restart it, time the rest.

    Measured from the moment the restarted process accepts connections to the moment the
    interrupted turn's answer arrives; that includes the remaining model call
    (RECOVERY_LATENCY_MS) and Restate's retry interval.
    """
    if not isinstance(variant, Durable):
        return {"skipped": "no durability: a killed process loses the turn"}
    times: list[float] = []
    restarts: list[float] = []
    for _ in range(sizes.recoveries):
        (conversation,) = await _warm(variant, 1)
        target = conversation.next_seat
        turn = asyncio.create_task(variant.turn(conversation))
        deadline = time.monotonic() + 60
        while await variant.seat(conversation.confirmation_number) != target:
            if time.monotonic() > deadline or turn.done():
                raise RuntimeError("the tool's effect never showed before the turn ended")
            await asyncio.sleep(0.005)
        killed = time.perf_counter()
        await asyncio.to_thread(variant.stack.restart, variant.service)
        back = time.perf_counter()
        await turn
        times.append(time.perf_counter() - back)
        restarts.append(back - killed)
    return {
        "runs": len(times),
        "llm_latency_ms": RECOVERY_LATENCY_MS,
        "median_s": statistics.median(times),
        "max_s": max(times),
        "restart_s": statistics.median(restarts),
    }


@dataclass
class _Timed:
    """One turn of a failover run: when it was sent and answered (perf_counter seconds)."""

    conversation: int
    sent: float
    answered: float


async def _failover_run(variant: Durable, number: int, down_s: float) -> dict[str, float]:
    """Sessions run turns back to back; SIGKILL node `number`, keep it down, start it again."""
    conversations = await _warm(variant, FAILOVER_SESSIONS)
    timed: list[_Timed] = []
    stop = asyncio.Event()

    async def run(index: int, conversation: Conversation) -> None:
        while not stop.is_set():
            sent = time.perf_counter()
            await variant.turn(conversation, resilient=True)
            timed.append(_Timed(index, sent, time.perf_counter()))

    tasks = [asyncio.create_task(run(i, c)) for i, c in enumerate(conversations)]
    await asyncio.sleep(FAILOVER_STEADY_S)
    killed = time.perf_counter()
    variant.stack.kill_node(number)

    def answered_since_kill(index: int) -> bool:
        return any(t.conversation == index and t.answered > killed for t in timed)

    # Down until every session has been answered again, then for down_s with one node gone.
    while not all(answered_since_kill(i) for i in range(len(conversations))):
        if time.perf_counter() - killed > FAILOVER_DEADLINE_S:
            raise RuntimeError(
                f"sessions still unanswered {FAILOVER_DEADLINE_S:g} s after the kill"
            )
        await asyncio.sleep(0.01)
    await asyncio.sleep(down_s)
    restarted = time.perf_counter()
    await asyncio.to_thread(variant.stack.restart_node, number)
    whole = time.perf_counter()
    await asyncio.sleep(FAILOVER_STEADY_S)
    stop.set()
    await asyncio.gather(*tasks)

    before = [t.answered - t.sent for t in timed if t.answered < killed]
    # Every session answered again: the slowest partition has a new leader, every request
    # that was on the dead node has been re-sent and answered.
    back = max(
        min(t.answered for t in timed if t.conversation == i and t.answered > killed)
        for i in range(len(conversations))
    )
    down = [t.answered - t.sent for t in timed if t.sent > back and t.answered < restarted]
    return {
        "node": number,
        "first_answer_s": min(t.answered for t in timed if t.sent > killed) - killed,
        "all_answering_s": back - killed,
        "before_p50_ms": percentile(before, 50) * 1000,
        "down_p50_ms": percentile(down, 50) * 1000,
        "down_p99_ms": percentile(down, 99) * 1000,
        "down_turns_per_s": len(down) / (restarted - back),
        "rejoin_s": whole - restarted,
        "resent": sum(c.resent for c in conversations),
    }


async def failover(variant: Variant, sizes: Sizes) -> dict[str, Any]:
    """SIGKILL one node of the cluster under load (each node in turn): how long until the
    survivors answer, how turns fare while it is down, how long it takes to rejoin."""
    if not isinstance(variant, Durable) or not variant.stack.is_cluster:
        return {"skipped": "one restate-server: nothing to fail over to"}
    nodes = len(variant.stack.nodes)
    runs = [
        await _failover_run(variant, run % nodes + 1, sizes.failover_down_s)
        for run in range(sizes.failovers)
    ]
    figures: dict[str, Any] = {"runs": runs, "sessions": FAILOVER_SESSIONS}
    for key in ("first_answer_s", "all_answering_s", "rejoin_s"):
        values = [run[key] for run in runs]
        figures[f"{key}_median"] = statistics.median(values)
        figures[f"{key}_max"] = max(values)
    for key in ("before_p50_ms", "down_p50_ms", "down_p99_ms", "down_turns_per_s"):
        figures[key] = statistics.median(run[key] for run in runs)
    return figures


SCENARIOS = {
    "single": single,
    "throughput": throughput,
    "long": long,
    "concurrent": concurrent,
    "recovery": recovery,
    "failover": failover,
}
# What the cluster variant runs: the others compare designs, not deployments.
CLUSTER_SCENARIOS = ("single", "throughput", "failover")
# What `--baseline REV` compares with an earlier commit's code: latency and CPU per turn.
BASELINE_SCENARIOS = ("single", "throughput")
# The model latency each scenario's stack runs with.
LATENCY_MS = {
    "single": 0,
    "throughput": 0,
    "long": 0,
    "concurrent": CONCURRENT_LATENCY_MS,
    "recovery": RECOVERY_LATENCY_MS,
    "failover": 0,
}
