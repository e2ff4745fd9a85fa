"""Shared fixtures: a real stack (restate-server + the services) for the integration tests.

TEST_LLM picks the model the test stacks' agents use: "offline" (the default, the built-in
model), or "responses" / "chat_completions": the agent then talks that OpenAI API through the
real openai client to a strict test endpoint (tests/support/fault_llm) that refuses, as the real
API does, any request with an invalid item. The suite then fails if any request was refused.
"""

import os
import sys
import uuid
from collections import Counter
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from devstack import DEFAULT_SERVICES, TEST_SERVER_ENV, LogSink, ServiceSpec, Stack, StackConfig
from tests.support.auth import SECRETS, ingress_client
from tests.support.fault_llm import FaultLLM, Verdict, shapes
from tests.support.otlp import OtlpReceiver

INTEGRATION_DIR = Path(__file__).parent / "integration"
SUPPORT_DIR = Path(__file__).parent / "support"
# A test-only service that creates isolated bookings (see support/airline_testsupport.py).
TEST_SUPPORT = ServiceSpec("testsupport", "airline_testsupport", 0)

# Set for the second, "replay mode" run of the suite: the server then suspends
# invocations at once, so every handler is replayed from its journal.
REPLAY_ENV = "RESTATE_WORKER__INVOKER__INACTIVITY_TIMEOUT"

TEST_LLM = os.environ.get("TEST_LLM", "offline")
if TEST_LLM not in ("offline", "responses", "chat_completions"):
    raise ValueError(f"TEST_LLM is {TEST_LLM!r}; use offline, responses or chat_completions")
# The model name the test stacks' agents report (in metrics, for one).
TEST_MODEL = "offline" if TEST_LLM == "offline" else "fault-llm"
# The strict endpoints of this test session, one per model latency the stacks ask for.
_ENDPOINTS: dict[str, FaultLLM] = {}
# Checked after each test: every endpoint whose requests a test's stack may have sent.
WATCHED: list[FaultLLM] = []
# Every endpoint watched in this session, for the summary (a module's own leaves WATCHED).
_SEEN: list[FaultLLM] = []
_REPORTED: set[int] = set()  # refusals a test already failed for


def strict_llm_env(latency_ms: str = "0") -> dict[str, str]:
    """The agent's environment for the session's strict endpoint (TEST_LLM's API).

    The endpoint answers like a current reasoning model (reasoning items first, provider ids,
    phases, annotations), so the agent runs stateless: store=false, encrypted reasoning.
    """
    endpoint = _ENDPOINTS.get(latency_ms)
    if endpoint is None:
        endpoint = FaultLLM(profile="current", latency_s=float(latency_ms) / 1000).start()
        _ENDPOINTS[latency_ms] = endpoint
        watch(endpoint)
    return strict_agent_env(endpoint, TEST_LLM)


def watch(endpoint: FaultLLM) -> None:
    """From now on a request `endpoint` refuses fails the test that caused it."""
    WATCHED.append(endpoint)
    _SEEN.append(endpoint)


def strict_agent_env(endpoint: FaultLLM, api: str) -> dict[str, str]:
    """The agent on `api` against `endpoint`: stateless, asking for encrypted reasoning."""
    return endpoint.agent_env(
        f"sk-test-{uuid.uuid4().hex}",
        OPENAI_API=api,
        OPENAI_TIMEOUT_S="30",
        OPENAI_STORE="false",
        OPENAI_ENCRYPTED_REASONING="true",
    )


def _model_env(agent_env: dict[str, str]) -> dict[str, str]:
    """The agent's environment under TEST_LLM; a test that sets its own endpoint keeps it."""
    if TEST_LLM == "offline" or "OPENAI_API_KEY" in agent_env:
        return agent_env
    return {**strict_llm_env(agent_env.get("OFFLINE_MODEL_LATENCY_MS", "0")), **agent_env}


def refused(endpoints: list[FaultLLM], since: dict[int, int] | None = None) -> list[Verdict]:
    """The requests the endpoints refused (since the given verdict counts, by endpoint id)."""
    found: list[Verdict] = []
    for endpoint in endpoints:
        found += endpoint.invalid()[(since or {}).get(id(endpoint), 0) :]
    return found


def describe(verdicts: list[Verdict]) -> str:
    """A refused request per line: its path and every problem the API would have named."""
    return "\n".join(
        f"{v.path}: " + "; ".join(f"{p.path}: {p.message}" for p in v.problems) for v in verdicts
    )


@pytest.fixture(autouse=True)
def no_invalid_llm_request() -> Iterator[None]:
    """Fails the test if a stack's agent sent a request the real API would refuse."""
    since = {id(e): len(e.invalid()) for e in WATCHED}
    yield
    bad = refused(WATCHED, since)
    _REPORTED.update(id(v) for v in bad)
    if bad:
        pytest.fail(f"{len(bad)} request(s) the OpenAI API would refuse:\n{describe(bad)}")


@pytest.fixture(scope="session", autouse=True)
def strict_endpoints() -> Iterator[None]:
    """Stops the session's endpoints; fails if they refused a request no test was failed for."""
    yield
    bad = [v for v in refused(WATCHED) if id(v) not in _REPORTED]
    for endpoint in _ENDPOINTS.values():
        endpoint.stop()
    if bad:
        pytest.fail(f"{len(bad)} request(s) the OpenAI API would refuse:\n{describe(bad)}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under tests/integration as `integration`."""
    for item in items:
        if INTEGRATION_DIR in item.path.parents:
            item.add_marker(pytest.mark.integration)


def stack_config(
    root: Path,
    agent_env: dict[str, str] | None = None,
    service_env: dict[str, str] | None = None,
    otlp_endpoint: str | None = None,
    nodes: int = 1,
    server_env: dict[str, str] | None = None,
    per_service_env: dict[str, dict[str, str]] | None = None,
) -> StackConfig:
    """A test stack on free ports: the services, the TestSupport service, logs under root.

    service_env is added to every service's environment, per_service_env to the named other
    ones' (the agent's is agent_env), server_env to restate-server's; otlp_endpoint makes
    restate-server and the services export their spans there; nodes=3 runs a cluster.
    """
    # DEVSTACK_ECHO=1 also shows the children's output live (with pytest -s).
    echo = sys.stderr if os.environ.get("DEVSTACK_ECHO") else None
    server = dict(TEST_SERVER_ENV)
    if os.environ.get(REPLAY_ENV):
        server[REPLAY_ENV] = os.environ[REPLAY_ENV]
    return StackConfig.on_free_ports(
        root / "restate",
        services=(*DEFAULT_SERVICES, TEST_SUPPORT),
        nodes=nodes,
        server_env={**server, **(server_env or {})},
        # ENV_FILE="": a developer's .env (say, with an OpenAI key) must not reach test stacks.
        service_env={"OFFLINE_MODEL_LATENCY_MS": "0", "ENV_FILE": "", **(service_env or {})},
        otlp_endpoint=otlp_endpoint,
        per_service_env={
            "agent": _model_env(agent_env or {}),
            "testsupport": {"PYTHONPATH": str(SUPPORT_DIR)},
            **(per_service_env or {}),
        },
        logs=LogSink(directory=root / "logs", echo=echo),
        # One set of secrets for every test stack: the helpers sign with it (support/auth.py).
        secrets_dir=SECRETS.directory,
    )


def own_stack(
    tmp_path_factory: pytest.TempPathFactory, name: str, **options: Any
) -> Iterator[Stack]:
    """A stack of its own under <tmp>/<name> (stack_config's options), stopped at the end.

    For a module's own `stack` fixture: `yield from own_stack(tmp_path_factory, "crash", ...)`;
    the module's tests, and `ingress`, then use that stack instead of the session's.
    """
    with Stack(stack_config(tmp_path_factory.mktemp(name), **options)) as running:
        yield running


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One stack for the whole session; each process logs to <tmp>/logs/."""
    yield from own_stack(tmp_path_factory, "stack")


@pytest.fixture(scope="module")
def receiver() -> Iterator[OtlpReceiver]:
    """An OTLP trace endpoint of the module's own, for its stack to export spans to."""
    with OtlpReceiver() as otlp:
        yield otlp


@pytest.fixture
def ingress(stack: Stack) -> Iterator[httpx.Client]:
    """An HTTP client for the stack's ingress, calling as the rightful caller (support/auth.py).

    The timeout outlasts a slow stack's turn through a crash and a restart.
    """
    with ingress_client(stack.ingress_url, timeout=120.0) as client:
        yield client


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item,
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """On a failure in a test that used the stack, attach the stack's log files and tails."""
    report = yield
    funcargs = getattr(item, "funcargs", {})
    stacks = [value for value in funcargs.values() if isinstance(value, Stack)]
    if report.failed and stacks:
        report.sections.append(("devstack logs", stacks[0].log_report()))
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """How many requests the strict endpoints judged and refused, and which kinds of item."""
    if _SEEN:
        judged = sum(len(e.verdicts) for e in _SEEN)
        terminalreporter.write_line(
            f"strict OpenAI endpoints (TEST_LLM={TEST_LLM}): {judged} requests judged, "
            f"{len(refused(_SEEN))} refused as the OpenAI API would"
        )
        sent = Counter(shape for e in _SEEN for v in e.verdicts for shape in set(shapes(v)))
        terminalreporter.write_line(
            "requests carrying each kind of item: "
            + ", ".join(f"{shape} {count}" for shape, count in sorted(sent.items()))
        )
