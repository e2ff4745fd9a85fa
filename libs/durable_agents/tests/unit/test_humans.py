"""Human in the loop: the desk's handlers and state, the wait for an answer or its timeout."""

from datetime import timedelta
from typing import Any

import pytest
import restate
from pydantic import BaseModel
from restate import TerminalError

from durable_agents import humans
from durable_agents.humans import (
    Ask,
    answer_or_timeout,
    desk,
    settle,
    settle_waiting,
    waiting_main,
)


class Ticket(BaseModel):
    ticket_id: str
    text: str = ""


class Tickets(BaseModel):
    """The tickets waiting, oldest first."""

    tickets: list[Ticket]


class Verdict(BaseModel):
    verdict: str


class FakeState:
    """`get(name, type_hint)`, `set(name, value)` and `request()` of an object context."""

    def __init__(self, headers: dict[str, str] | None = None) -> None:
        self.values: dict[str, Any] = {}
        self.sets = 0
        self.headers = headers or {}

    async def get(self, name: str, type_hint: Any = None) -> Any:
        raw = self.values.get(name)
        return None if raw is None else type_hint.model_validate_json(raw)

    def set(self, name: str, value: BaseModel) -> None:
        self.sets += 1
        self.values[name] = value.model_dump_json()

    def request(self) -> Any:
        return type("Request", (), {"headers": self.headers})()


def _refuse(ctx: Any) -> None:
    if ctx.request().headers.get("pass") != "yes":
        raise TerminalError("Only staff may read the tickets.", status_code=403)


def _desk() -> humans.Desk[Ticket, Tickets]:
    return desk("TicketDesk", Tickets, key="ticket_id", state="waiting", authorise=_refuse)


def test_the_desk_is_a_virtual_object_with_private_writers_and_a_shared_reader() -> None:
    made = _desk()
    assert made.service.name == "TicketDesk"
    handlers = made.service.handlers
    assert sorted(handlers) == ["add", "pending", "remove"]
    assert handlers["add"].kind == "exclusive" and handlers["add"].ingress_private
    assert handlers["remove"].kind == "exclusive" and handlers["remove"].ingress_private
    assert handlers["pending"].kind == "shared" and not handlers["pending"].ingress_private
    # The concrete types reach Restate: pydantic serde in, the listing out.
    assert handlers["add"].handler_io.input_type.annotation is Ticket
    assert handlers["pending"].handler_io.output_type.annotation is Tickets
    assert handlers["pending"].description == Tickets.__doc__


async def test_add_keeps_one_copy_remove_takes_by_id_and_pending_checks_first() -> None:
    made = _desk()
    ctx = FakeState(headers={"pass": "yes"})
    assert await made.pending(ctx) == Tickets(tickets=[])  # type: ignore[arg-type]
    await made.add(ctx, Ticket(ticket_id="T1", text="one"))  # type: ignore[arg-type]
    await made.add(ctx, Ticket(ticket_id="T2"))  # type: ignore[arg-type]
    await made.add(ctx, Ticket(ticket_id="T1", text="again"))  # type: ignore[arg-type]
    assert ctx.sets == 2  # the repeat wrote nothing
    listed = await made.pending(ctx)  # type: ignore[arg-type]
    assert [(t.ticket_id, t.text) for t in listed.tickets] == [("T1", "one"), ("T2", "")]
    assert set(ctx.values) == {"waiting"}
    await made.remove(ctx, "T9")  # type: ignore[arg-type]
    assert ctx.sets == 2  # nothing to take off
    await made.remove(ctx, "T1")  # type: ignore[arg-type]
    assert [t.ticket_id for t in (await made.pending(ctx)).tickets] == ["T2"]  # type: ignore[arg-type]

    ctx.headers = {}
    with pytest.raises(TerminalError) as refused:
        await made.pending(ctx)  # type: ignore[arg-type]
    assert refused.value.status_code == 403


class FakePromise:
    def __init__(self, store: dict[str, Any], name: str) -> None:
        self.store, self.name = store, name

    def value(self) -> "Later":
        return Later(self)

    async def resolve(self, value: Any) -> None:
        if self.name in self.store:
            raise TerminalError("promise already completed")
        self.store[self.name] = value

    async def peek(self) -> Any:
        return self.store.get(self.name)


class Later:
    """A promise's value: awaited only after the timeout (the fake select picks the winner)."""

    def __init__(self, promise: FakePromise) -> None:
        self.promise = promise

    def __await__(self) -> Any:
        return self.promise.peek().__await__()


class FakeWorkflow:
    def __init__(self) -> None:
        self.promises: dict[str, Any] = {}
        self.timers: list[tuple[timedelta, str | None]] = []

    def promise(self, name: str, type_hint: Any = None) -> FakePromise:
        return FakePromise(self.promises, name)

    def sleep(self, delta: timedelta, name: str | None = None) -> str:
        self.timers.append((delta, name))
        return "timer"


def _select_won_by(ctx: FakeWorkflow, winner: str, answer: Any = None) -> Any:
    async def select(**futures: Any) -> list[Any]:
        assert set(futures) == {"answer", "timeout"}
        if winner == "answer":
            ctx.promises["reply"] = answer
            return ["answer", answer]
        return ["timeout", None]

    return select


async def test_an_answer_in_time_is_returned_and_the_timer_named(monkeypatch: Any) -> None:
    ctx = FakeWorkflow()
    monkeypatch.setattr(humans, "select", _select_won_by(ctx, "answer", Verdict(verdict="yes")))
    got = await answer_or_timeout(
        ctx,  # type: ignore[arg-type]
        "reply",
        timedelta(minutes=5),
        Verdict,
        expired=Verdict(verdict="expired"),
        timer_name="wait for staff",
    )
    assert got == Verdict(verdict="yes")
    assert ctx.timers == [(timedelta(minutes=5), "wait for staff")]


async def test_on_timeout_the_promise_is_closed_with_expired(monkeypatch: Any) -> None:
    ctx = FakeWorkflow()
    monkeypatch.setattr(humans, "select", _select_won_by(ctx, "timeout"))
    expired = Verdict(verdict="expired")
    got = await answer_or_timeout(ctx, "reply", timedelta(1), Verdict, expired=expired)  # type: ignore[arg-type]
    assert got == expired and ctx.promises["reply"] == expired
    # A late answer finds it closed, and is told what it held.
    assert await settle(ctx, "reply", Verdict, Verdict(verdict="yes")) == (False, expired)  # type: ignore[arg-type]


async def test_an_answer_just_after_the_timer_stands(monkeypatch: Any) -> None:
    ctx = FakeWorkflow()
    monkeypatch.setattr(humans, "select", _select_won_by(ctx, "timeout"))
    ctx.promises["reply"] = Verdict(verdict="yes")  # a person completed it as the timer fired
    got = await answer_or_timeout(
        ctx,
        "reply",
        timedelta(1),
        Verdict,
        expired=Verdict(verdict="expired"),  # type: ignore[arg-type]
    )
    assert got == Verdict(verdict="yes")


async def test_settle_tells_the_first_answer_from_a_late_one() -> None:
    ctx = FakeWorkflow()
    assert await settle(ctx, "reply", Verdict, Verdict(verdict="yes")) == (True, None)  # type: ignore[arg-type]
    late = await settle(ctx, "reply", Verdict, Verdict(verdict="no"))  # type: ignore[arg-type]
    assert late == (False, Verdict(verdict="yes"))


async def test_settle_waiting_answers_only_while_the_item_waits() -> None:
    ctx = FakeWorkflow()
    ask = Ask("reply", Verdict, expired=Verdict(verdict="expired"))
    yes, no = Verdict(verdict="yes"), Verdict(verdict="no")
    kw = {"waiting": "open", "closed": "closed"}
    assert await settle_waiting(ctx, ask, yes, state="open", **kw) is None  # type: ignore[arg-type]
    # The state still said open, but the promise holds an answer already: its verdict is named.
    assert await settle_waiting(ctx, ask, no, state="open", **kw) == "yes"  # type: ignore[arg-type]
    # An item closed before: the promise is not touched.
    assert await settle_waiting(ctx, ask, no, state="expired", **kw) == "expired"  # type: ignore[arg-type]
    assert ctx.promises == {"reply": yes}


class FakeWaitingWorkflow(FakeWorkflow):
    """A workflow context that records its calls and sends to the desk."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, str, Any]] = []

    async def object_call(self, handler: Any, key: str, arg: Any) -> None:
        self.calls.append((handler.__name__, key, arg))

    def object_send(self, handler: Any, key: str, arg: Any) -> None:
        self.calls.append((handler.__name__, key, arg))


async def test_a_desk_wait_puts_the_item_on_waits_and_takes_it_off(monkeypatch: Any) -> None:
    ctx = FakeWaitingWorkflow()
    monkeypatch.setattr(humans, "select", _select_won_by(ctx, "answer", Verdict(verdict="yes")))
    ticket = Ticket(ticket_id="T1")
    ask = Ask("reply", Verdict, expired=Verdict(verdict="expired"), timer="wait for staff")
    got = await _desk().wait(ctx, "staff", ticket, ask, timedelta(minutes=5))  # type: ignore[arg-type]
    assert got == Verdict(verdict="yes")
    assert ctx.calls == [("add", "staff", ticket), ("remove", "staff", "T1")]
    assert ctx.timers == [(timedelta(minutes=5), "wait for staff")]


def test_a_waiting_workflow_is_private_kept_a_week_and_suspends_soon() -> None:
    flow = restate.Workflow("Waits")

    @waiting_main(flow)
    async def run(ctx: restate.WorkflowContext) -> None:
        """Wait."""

    main = flow.handlers["run"]
    assert main.ingress_private
    assert main.workflow_retention == timedelta(days=7)
    assert main.inactivity_timeout == timedelta(seconds=2)
