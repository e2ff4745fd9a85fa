"""A real restate-server with the library's weather service (weather_service.py) on free ports.

Run with RESTATE_WORKER__INVOKER__INACTIVITY_TIMEOUT=0s too (make test-replay): restate-server
then suspends every invocation at each step, so every handler is replayed from its journal.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from devstack import TEST_SERVER_ENV, LogSink, ServiceSpec, Stack, StackConfig

HERE = Path(__file__).parent
EXAMPLES = HERE.parents[1] / "examples"
# Each forecast takes this long after its effect (a durable sleep): long enough to see the
# calls of one response overlap, to SIGKILL the service mid-tool and to cancel a turn.
TOOL_DELAY_MS = 1000
WINDOW = 20
# Restate retries an invocation whose deployment died with exponential back-off (up to 60 s by
# default): capped, a turn goes on within a second of the restarted service listening.
SERVER_ENV = {**TEST_SERVER_ENV, "RESTATE_DEFAULT_RETRY_POLICY__MAX_INTERVAL": "1s"}


@pytest.fixture(scope="session")
def effects(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The file the SlowForecasts handler appends a line to for each look-up it really makes."""
    return tmp_path_factory.mktemp("weather") / "effects.txt"


@pytest.fixture(scope="session")
def weather_stack(tmp_path_factory: pytest.TempPathFactory, effects: Path) -> Iterator[Stack]:
    """restate-server and the weather service, registered (no seeding: nothing airline)."""
    root = tmp_path_factory.mktemp("weather-stack")
    config = StackConfig.on_free_ports(
        root / "restate",
        services=(ServiceSpec("weather", "weather_service", 0),),
        seed=False,
        server_env=SERVER_ENV,
        service_env={
            # This directory and the examples' (the README's weather.py).
            "PYTHONPATH": f"{HERE}{os.pathsep}{EXAMPLES}",
            "WEATHER_EFFECTS": str(effects),
            "WEATHER_TOOL_DELAY_MS": str(TOOL_DELAY_MS),
            "WEATHER_WINDOW": str(WINDOW),
        },
        logs=LogSink(directory=root / "logs"),
    )
    with Stack(config) as running:
        yield running


@pytest.fixture
def ingress(weather_stack: Stack) -> Iterator[httpx.Client]:
    with weather_stack.client() as client:
        yield client
