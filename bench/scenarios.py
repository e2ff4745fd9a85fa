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


FULL = Sizes(200, 32, 15, 400, 200, 3, 3)
QUICK = Sizes(30, 32, 3, 60, 200, 1, 1)

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
        service = variant.stack.service(variant.service)
        killed = time.perf_counter()
        service.kill()
        service.start()
        await asyncio.to_thread(service.wait_listening, 60)
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


SCENARIOS = {
    "single": single,
    "throughput": throughput,
    "long": long,
    "concurrent": concurrent,
    "recovery": recovery,
}
# The model latency each scenario's stack runs with.
LATENCY_MS = {
    "single": 0,
    "throughput": 0,
    "long": 0,
    "concurrent": CONCURRENT_LATENCY_MS,
    "recovery": RECOVERY_LATENCY_MS,
}
