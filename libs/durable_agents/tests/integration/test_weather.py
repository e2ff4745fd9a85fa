"""The library on a real restate-server: a weather assistant made durable with `durable_agents`.

Parallel tool calls with a deterministic journal, a SIGKILL of the service mid-tool, a session of
200 turns whose per-turn cost stays flat, and cancellation. See weather_service.py for the agent
and its scripted model, conftest.py for the stack.
"""

import json
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from devstack import Stack, wait_for

from .conftest import WINDOW

CHUNK = 32  # items per history chunk (durable_agents.session.CHUNK_SIZE)
# History chunks one turn's window can straddle.
MAX_CHUNKS_READ = -(-(WINDOW + CHUNK) // CHUNK) + 1


@pytest.fixture(scope="module")
def background() -> Any:
    with ThreadPoolExecutor(max_workers=2) as pool:
        yield pool


def new_session() -> str:
    return f"s-{uuid.uuid4().hex[:12]}"


def cities(*names: str) -> list[str]:
    """City names of this test only (the effects file is shared by the session's tests)."""
    tag = uuid.uuid4().hex[:6]
    return [f"{name}-{tag}" for name in names]


def ask(stack: Stack, session: str, question: str) -> httpx.Response:
    with stack.client() as http:
        return http.post(
            f"/WeatherDesk/{session}/ask",
            json=question,
            headers={"idempotency-key": str(uuid.uuid4())},
        )


def answered(turn: "Future[httpx.Response]") -> dict[str, Any]:
    response = turn.result(timeout=120)
    assert response.status_code == 200, response.text
    return response.json()


def turns(stack: Stack, session: str) -> list[str]:
    """The session's `ask` invocations, oldest first."""
    return stack.invocation_ids("WeatherDesk", "ask", session)


def commands(stack: Stack, invocation: str) -> list[tuple[str, str, Any]]:
    """The invocation's journal commands: type, name, and a call's argument or a state key.

    Completions (notifications) are left out: they arrive in whatever order the work finishes.
    """
    rows = stack.admin_query(
        "SELECT entry_type, name, entry_json FROM sys_journal "
        f"WHERE id = '{invocation}' AND entry_type LIKE 'Command: %' ORDER BY index"
    )
    found: list[tuple[str, str, Any]] = []
    for row in rows:
        kind = row["entry_type"][len("Command: ") :]
        body = json.loads(row["entry_json"])["Command"][kind]
        detail: Any = None
        if kind == "Call":
            detail = json.loads(bytes(body["request"]["parameter"]))
        elif "key" in body:
            detail = body["key"]
        found.append((kind, row["name"] or "", detail))
    return found


def calls_of(stack: Stack, invocation: str) -> list[dict[str, Any]]:
    """The invocations a turn made, with their timestamps (null columns left out)."""
    return stack.admin_query(
        "SELECT id, target, status, created_at, completed_at FROM sys_invocation "
        f"WHERE invoked_by_id = '{invocation}' ORDER BY created_at"
    )


def sleeping(stack: Stack, session: str) -> int:
    """How many forecasts of the session's running turn are past their effect, in their sleep."""
    running = turns(stack, session)
    if not running:
        return 0
    rows = stack.admin_query(
        "SELECT j.id FROM sys_journal j JOIN sys_invocation i ON j.id = i.id "
        f"WHERE i.invoked_by_id = '{running[-1]}' AND j.entry_type = 'Command: Sleep'"
    )
    return len(rows)


def looked_up(effects: Path, city: str) -> int:
    """How many times the SlowForecasts handler really looked the city up (its outside effect)."""
    lines = effects.read_text(encoding="utf-8").splitlines() if effects.exists() else []
    return lines.count(city)


def test_tool_calls_of_one_response_run_together_in_a_deterministic_journal(
    weather_stack: Stack, ingress: httpx.Client
) -> None:
    names = cities("Paris", "Rome", "Oslo")
    question = f"weather in {names[0]}, {names[1]} and {names[2]}"
    first, second = new_session(), new_session()

    replies = [ask(weather_stack, s, question).json() for s in (first, second)]

    (one,), (other,) = turns(weather_stack, first), turns(weather_stack, second)
    journal = commands(weather_stack, one)
    # The model asked for the three forecasts in one response: their calls are journaled in
    # the model's order, between the two model steps, however the calls then finished.
    assert [c for c in journal if c[0] in ("Run", "Call")] == [
        ("Run", "call LLM: Weather Assistant", None),
        *[("Call", "", city) for city in names],
        ("Run", "call LLM: Weather Assistant", None),
    ]
    # The same conversation gives the same journal, command for command.
    assert commands(weather_stack, other) == journal
    # Every call started before any of them finished (each takes TOOL_DELAY_MS).
    calls = calls_of(weather_stack, one)
    assert [c["target"] for c in calls] == ["SlowForecasts/today"] * 3
    assert max(c["created_at"] for c in calls) < min(c["completed_at"] for c in calls), calls
    for reply in replies:
        forecasts = reply["reply"].split("; ")
        assert [f.split(":")[0] for f in forecasts[:3]] == names
        assert forecasts[3] == "in degrees Celsius"  # the pure tool of the same response


def test_sigkill_of_the_service_mid_tool_completes_the_turn_each_effect_once(
    weather_stack: Stack, effects: Path, background: ThreadPoolExecutor
) -> None:
    names = cities("Lima", "Quito")
    session = new_session()
    turn = background.submit(ask, weather_stack, session, f"weather in {names[0]} and {names[1]}")

    # Both forecasts have made their effect (journaled) and are in their sleep: kill now.
    wait_for(lambda: sleeping(weather_stack, session) == 2, 60, 0.02, "both tools mid-flight")
    assert not turn.done(), "the turn ended before the kill; the crash point was missed"
    weather_stack.service("weather").restart(graceful=False)
    answer = answered(turn)

    assert [f.split(":")[0] for f in answer["reply"].split("; ")[:2]] == names
    assert [looked_up(effects, city) for city in names] == [1, 1]
    (invocation,) = turns(weather_stack, session)
    assert [c["target"] for c in calls_of(weather_stack, invocation)] == ["SlowForecasts/today"] * 2


def test_a_200_turn_session_keeps_every_item_and_each_turn_flat(
    weather_stack: Stack, ingress: httpx.Client
) -> None:
    session = new_session()
    shown: list[int] = []
    for number in range(200):
        response = ingress.post(f"/WeatherDesk/{session}/ask", json=f"note {number}")
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer["reply"].startswith(f"noted: note {number} (I was shown ")
        shown.append(int(answer["reply"].rsplit("shown ", 1)[1].split()[0]))
        assert answer["items"] == 2 * (number + 1)  # every item is kept

    # The model sees the window (and the new message), never the whole conversation.
    assert max(shown) <= WINDOW + 1
    assert shown[-1] == shown[100]
    # What a turn reads from state stays flat: the last turn reads only the newest chunks.
    ids = turns(weather_stack, session)
    assert len(ids) == 200
    for invocation in (ids[100], ids[-1]):
        read = [d for kind, _, d in commands(weather_stack, invocation) if kind == "GetLazyState"]
        chunks = [key for key in read if key.startswith("history.0")]
        assert 1 <= len(chunks) <= MAX_CHUNKS_READ, read
    last = [d for kind, _, d in commands(weather_stack, ids[-1]) if kind == "GetLazyState"]
    oldest = min(int(key.split(".")[1]) for key in last if key.startswith("history.0"))
    assert oldest >= (400 - WINDOW - 2 * CHUNK) // CHUNK, last


def test_cancel_stops_the_turn_and_the_session_goes_on(
    weather_stack: Stack, effects: Path, ingress: httpx.Client, background: ThreadPoolExecutor
) -> None:
    (city,) = cities("Cusco")
    session = new_session()
    turn = background.submit(ask, weather_stack, session, f"weather in {city}")

    wait_for(lambda: sleeping(weather_stack, session) == 1, 60, 0.02, "the tool mid-flight")
    cancelled = ingress.post(f"/WeatherDesk/{session}/cancel")
    assert cancelled.status_code == 200 and cancelled.json() is True, cancelled.text
    response = turn.result(timeout=120)

    assert response.status_code == 409, response.text
    (invocation,) = turns(weather_stack, session)
    (call,) = calls_of(weather_stack, invocation)
    assert call["status"] == "completed"  # the tool's call was cancelled with the turn
    assert looked_up(effects, city) == 1
    # The session goes on: the model sees the cancelled question and the note, nothing else.
    after = ingress.post(f"/WeatherDesk/{session}/ask", json="hello")
    assert after.status_code == 200, after.text
    assert after.json() == {"reply": "noted: hello (I was shown 3 items)", "items": 4}
    assert ingress.post(f"/WeatherDesk/{session}/cancel").json() is False


def test_the_readme_example_answers_on_a_real_server(
    weather_stack: Stack, ingress: httpx.Client
) -> None:
    session = new_session()
    response = ingress.post(f"/WeatherChat/{session}/ask", json="weather in Paris and Rome")

    assert response.status_code == 200, response.text
    assert response.json() == "sunny in Paris; sunny in Rome"
    (invocation,) = weather_stack.invocation_ids("WeatherChat", "ask", session)
    steps = [(kind, name) for kind, name, _ in commands(weather_stack, invocation)]
    assert [s for s in steps if s[0] in ("Run", "Call")] == [
        ("Run", "call LLM: Weather"),
        ("Call", ""),
        ("Call", ""),
        ("Run", "call LLM: Weather"),
    ]
