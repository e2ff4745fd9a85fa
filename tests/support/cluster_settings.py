"""What every node of a replicated restate-server cluster must be configured with."""

from typing import Any

# Every node runs every role: any two can keep the cluster going.
ROLES = ["metadata-server", "admin", "worker", "log-server", "http-ingress"]


def assert_replicated_node(seen: dict[str, Any], number: int, fabric: list[str]) -> None:
    """restate-server's dumped settings of node `number` (from 1) of a cluster on `fabric`.

    Only node 1 provisions (two provisioning nodes would form two clusters), everything is
    replicated twice, every node runs every role and finds the metadata on every node.
    """
    assert seen["auto-provision"] is (number == 1)
    assert seen["default-replication"] == 2
    assert sorted(seen["roles"]) == sorted(ROLES)
    assert seen["metadata-client"]["type"] == "replicated"
    assert seen["metadata-client"]["addresses"] == fabric
