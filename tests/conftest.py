"""Shared fixtures: a real stack (restate-server + the services) for the integration tests."""

import os
import sys
from collections.abc import Generator, Iterator
from pathlib import Path

import httpx
import pytest

from devstack import DEFAULT_SERVICES, TEST_SERVER_ENV, LogSink, ServiceSpec, Stack, StackConfig

INTEGRATION_DIR = Path(__file__).parent / "integration"
SUPPORT_DIR = Path(__file__).parent / "support"
# A test-only service that creates isolated bookings (see support/airline_testsupport.py).
TEST_SUPPORT = ServiceSpec("testsupport", "airline_testsupport", 0)

# Set for the second, "replay mode" run of the suite: the server then suspends
# invocations at once, so every handler is replayed from its journal.
REPLAY_ENV = "RESTATE_WORKER__INVOKER__INACTIVITY_TIMEOUT"


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
) -> StackConfig:
    """A test stack on free ports: the services, the TestSupport service, logs under root.

    service_env is added to every service's environment; otlp_endpoint makes restate-server
    and the services export their spans there; nodes=3 runs a restate-server cluster.
    """
    # DEVSTACK_ECHO=1 also shows the children's output live (with pytest -s).
    echo = sys.stderr if os.environ.get("DEVSTACK_ECHO") else None
    server_env = dict(TEST_SERVER_ENV)
    if os.environ.get(REPLAY_ENV):
        server_env[REPLAY_ENV] = os.environ[REPLAY_ENV]
    return StackConfig.on_free_ports(
        root / "restate",
        services=(*DEFAULT_SERVICES, TEST_SUPPORT),
        nodes=nodes,
        server_env=server_env,
        # ENV_FILE="": a developer's .env (say, with an OpenAI key) must not reach test stacks.
        service_env={"OFFLINE_MODEL_LATENCY_MS": "0", "ENV_FILE": "", **(service_env or {})},
        otlp_endpoint=otlp_endpoint,
        per_service_env={
            "agent": agent_env or {},
            "testsupport": {"PYTHONPATH": str(SUPPORT_DIR)},
        },
        logs=LogSink(directory=root / "logs", echo=echo),
    )


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One stack for the whole session; each process logs to <tmp>/logs/."""
    with Stack(stack_config(tmp_path_factory.mktemp("stack"))) as running:
        yield running


@pytest.fixture
def ingress(stack: Stack) -> Iterator[httpx.Client]:
    """An HTTP client for the stack's ingress (base URL set, generous timeout)."""
    with httpx.Client(base_url=stack.ingress_url, timeout=60.0) as client:
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
