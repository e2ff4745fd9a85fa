"""A three-node restate-server cluster (replication 2) with the services, for tests/cluster."""

from collections.abc import Iterator

import pytest

from devstack import Stack
from tests.conftest import stack_config

# Turns take about a second (two model calls, a durable pause downstream), so a node killed
# while turns run kills them mid-turn; a killed service is retried within a second.
CLUSTER_AGENT_ENV = {"OFFLINE_MODEL_LATENCY_MS": "200"}
CLUSTER_SERVICE_ENV = {"SEATING_WORK_DELAY_MS": "300", "INVOICING_WORK_DELAY_MS": "300"}
CLUSTER_SERVER_ENV = {"RESTATE_DEFAULT_RETRY_POLICY__MAX_INTERVAL": "1s"}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Three nodes on loopback, registered and seeded once; each process logs to <tmp>/logs/."""
    config = stack_config(
        tmp_path_factory.mktemp("cluster"),
        agent_env=CLUSTER_AGENT_ENV,
        service_env=CLUSTER_SERVICE_ENV,
        nodes=3,
    )
    config.server_env = {**config.server_env, **CLUSTER_SERVER_ENV}
    with Stack(config) as running:
        yield running
