"""Tool calls of one model response start in the model's order and then run concurrently.

The tools here are wrapped exactly as `durable_agents.run` wraps them (`parallel_tools`) and get
the tool context the SDK gives them in a durable run; their one "durable operation" is a plain
asyncio future, and the batch's gather is asyncio's, since restate.gather needs a live Restate
context (the integration tests cover that part).
"""

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from agents import Agent, FunctionTool, MultiProvider, RunConfig, function_tool
from agents.tool_context import ToolContext
from restate import RunOptions, TerminalError

from durable_agents import DurableTurn, JournaledModels, ToolBatch, parallel_tools, together

# The run every tool call below belongs to, as `durable_agents.run` sets it up.
TURN = DurableTurn()
RUN_CONFIG = RunConfig(model_provider=JournaledModels(MultiProvider(), TURN, RunOptions()))


async def gather_all(*futures: Awaitable[Any]) -> None:
    await asyncio.wait([asyncio.ensure_future(f) for f in futures])


class Suspended(BaseException):
    """Stands in for the SDK's SuspendedException (also a BaseException)."""


class Downstream:
    """Fake durable operations: one future per label, completed when the test says so."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.futures: dict[str, asyncio.Future[str]] = {}

    def start(self, label: str) -> "asyncio.Future[str]":
        self.events.append(f"start {label}")
        self.futures[label] = asyncio.get_running_loop().create_future()
        return self.futures[label]

    def complete(self, label: str, error: BaseException | None = None) -> None:
        self.events.append(f"done {label}")
        if error is None:
            self.futures[label].set_result(f"result {label}")
        else:
            self.futures[label].set_exception(error)


def wrapped(tool: FunctionTool) -> FunctionTool:
    (ordered,) = parallel_tools(Agent(name="A", tools=[tool])).tools
    assert isinstance(ordered, FunctionTool)
    return ordered


def invoke(tool: FunctionTool, call_id: str, **arguments: str) -> Awaitable[Any]:
    raw = json.dumps(arguments)
    context = ToolContext(
        context=None,
        tool_name=tool.name,
        tool_call_id=call_id,
        tool_arguments=raw,
        run_config=RUN_CONFIG,
    )
    return tool.on_invoke_tool(context, raw)


def open_batch(call_ids: list[str], gather: Callable[..., Awaitable[Any]] = gather_all) -> None:
    TURN.batch = ToolBatch(call_ids, gather=gather)


@pytest.fixture
def downstream() -> Downstream:
    return Downstream()


@pytest.fixture
def durable_tool(downstream: Downstream) -> FunctionTool:
    @function_tool(name_override="durable")
    async def durable(context: ToolContext[None], label: str) -> str:
        """One durable operation, then pure post-processing.

        Args:
            label: Which operation.
        """
        try:
            value = await together(context, downstream.start(label))
        except TerminalError as error:
            value = f"refused {error.message}"
        downstream.events.append(f"post {label}")
        return value

    return wrapped(durable)


async def settle_until(condition: Callable[[], bool]) -> None:
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("the tools never got there")


async def test_tools_start_in_the_models_order_and_run_concurrently(
    downstream: Downstream, durable_tool: FunctionTool
) -> None:
    open_batch(["first", "second", "third"])
    # The SDK starts the tasks in any order.
    calls = [
        asyncio.ensure_future(invoke(durable_tool, c, label=c))
        for c in ("third", "first", "second")
    ]
    await settle_until(lambda: len(downstream.futures) == 3)
    # All three operations are under way before any completes: they run concurrently.
    assert downstream.events == ["start first", "start second", "start third"]

    for label in ("third", "second", "first"):  # completions in reverse
        downstream.complete(label)
    results = await asyncio.gather(*calls)

    assert results == ["result third", "result first", "result second"]
    posts = [e for e in downstream.events if e.startswith("post")]
    assert posts == ["post first", "post second", "post third"]  # the model's order
    assert downstream.events.index("post first") > downstream.events.index("done first")


async def test_a_failed_operation_reaches_only_its_own_tool(
    downstream: Downstream, durable_tool: FunctionTool
) -> None:
    open_batch(["a", "b", "c"])
    calls = [asyncio.ensure_future(invoke(durable_tool, c, label=c)) for c in ("a", "b", "c")]
    await settle_until(lambda: len(downstream.futures) == 3)

    downstream.complete("a")
    downstream.complete("b", TerminalError("seat taken", status_code=412))
    downstream.complete("c")

    assert await asyncio.gather(*calls) == ["result a", "refused seat taken", "result c"]


async def test_a_tool_without_a_durable_operation_passes_the_turn_when_done(
    downstream: Downstream, durable_tool: FunctionTool
) -> None:
    @function_tool(name_override="pure")
    async def pure(label: str) -> str:
        """No durable operation at all.

        Args:
            label: Which call.
        """
        downstream.events.append(f"pure {label}")
        return label

    pure_tool = wrapped(pure)
    open_batch(["one", "two", "three"])
    calls = [
        asyncio.ensure_future(invoke(durable_tool, "three", label="three")),
        asyncio.ensure_future(invoke(pure_tool, "two", label="two")),
        asyncio.ensure_future(invoke(durable_tool, "one", label="one")),
    ]
    await settle_until(lambda: len(downstream.futures) == 2)
    assert downstream.events == ["start one", "pure two", "start three"]
    downstream.complete("one")
    downstream.complete("three")

    assert await asyncio.gather(*calls) == ["result three", "two", "result one"]


async def test_suspension_reaches_every_waiting_tool(
    downstream: Downstream, durable_tool: FunctionTool
) -> None:
    async def suspended(*futures: Awaitable[Any]) -> None:
        raise Suspended()

    open_batch(["x", "y"], gather=suspended)
    calls = [asyncio.ensure_future(invoke(durable_tool, c, label=c)) for c in ("x", "y")]
    outcomes = await asyncio.gather(*calls, return_exceptions=True)

    assert [type(o) for o in outcomes] == [Suspended, Suspended]
    assert not any(e.startswith("post") for e in downstream.events)


async def test_a_tool_with_two_durable_operations_is_refused(downstream: Downstream) -> None:
    @function_tool(name_override="greedy", failure_error_function=None)
    async def greedy(context: ToolContext[None], label: str) -> str:
        """Two durable operations: not allowed.

        Args:
            label: Which call.
        """
        await together(context, downstream.start(label))
        return await together(context, downstream.start(label + "-again"))

    open_batch(["only"])
    call = asyncio.ensure_future(invoke(wrapped(greedy), "only", label="only"))
    await settle_until(lambda: "only" in downstream.futures)
    downstream.complete("only")

    with pytest.raises(RuntimeError, match="exactly one durable operation"):
        await call


async def test_cancelling_the_tools_stops_the_collector(
    downstream: Downstream, durable_tool: FunctionTool
) -> None:
    open_batch(["p", "q"])
    calls = [asyncio.ensure_future(invoke(durable_tool, c, label=c)) for c in ("p", "q")]
    await settle_until(lambda: len(downstream.futures) == 2)
    await asyncio.sleep(0)

    for call in calls:
        call.cancel()
    outcomes = await asyncio.gather(*calls, return_exceptions=True)

    assert all(isinstance(o, asyncio.CancelledError) for o in outcomes)
    collectors = [
        t
        for t in asyncio.all_tasks()
        if t.get_coro().__qualname__ == "ToolBatch._collect"  # type: ignore[union-attr]
    ]
    await settle_until(lambda: all(t.done() for t in collectors))


def test_outside_a_durable_run_together_just_awaits() -> None:
    async def run() -> str:
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        future.set_result("direct")
        context = ToolContext(context=None, tool_name="t", tool_call_id="c", tool_arguments="{}")
        return await together(context, future)

    assert asyncio.run(run()) == "direct"


async def test_a_call_not_in_the_batch_runs_on_its_own(
    downstream: Downstream, durable_tool: FunctionTool
) -> None:
    open_batch(["known"])
    call = asyncio.ensure_future(invoke(durable_tool, "stranger", label="stranger"))
    await settle_until(lambda: "stranger" in downstream.futures)
    downstream.complete("stranger")
    assert await call == "result stranger"


async def test_a_cancel_still_hands_completed_operations_their_results_first(
    downstream: Downstream, durable_tool: FunctionTool
) -> None:
    """Restate's cancel arrives while the batch waits: the operation that completed gives its
    tool its result (and the tool returns) before the others hear of the cancel."""

    async def cancelled_once_a_is_done(*futures: Awaitable[Any]) -> None:
        await settle_until(lambda: downstream.futures["a"].done())
        raise TerminalError("cancelled", status_code=409)

    TURN.tool_runs.clear()
    open_batch(["a", "b"], gather=cancelled_once_a_is_done)
    calls = [asyncio.ensure_future(invoke(durable_tool, c, label=c)) for c in ("a", "b")]
    await settle_until(lambda: len(downstream.futures) == 2)
    downstream.complete("a")

    assert await asyncio.gather(*calls) == ["result a", "refused cancelled"]
    posts = [e for e in downstream.events if e.startswith("post")]
    assert posts == ["post a", "post b"]
    assert [(r.call_id, r.output) for r in TURN.completed()] == [
        ("a", "result a"),
        ("b", "refused cancelled"),
    ]
