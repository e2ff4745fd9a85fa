"""A restate-server cluster on loopback: what makes a node a member, and what restatectl reports.

Every node runs every role (metadata server, admin, worker, log server, ingress); the metadata
store and the log are replicated over the nodes, each record and partition kept on
`replication` of them. Exactly one node auto-provisions the cluster; the others wait for it and
join. Settings are passed by environment (`--dump-config` shows them): restate-server ignores
unknown keys silently, so tests/unit/test_devstack_cluster.py checks they are understood.
"""

import json
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import StackError

# One name for every cluster devstack runs; clusters never share an address, so no clash.
CLUSTER_NAME = "devstack"
ROLES = ("metadata-server", "admin", "worker", "log-server", "http-ingress")
RESTATECTL_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class Membership:
    """What makes one restate-server a node of a cluster."""

    # Every node's node-to-node (fabric) address, e.g. http://127.0.0.1:25122.
    metadata_addresses: tuple[str, ...]
    # True on exactly one node: it provisions the cluster, the others join it.
    provisions: bool
    replication: int = 2
    cluster_name: str = CLUSTER_NAME

    def env(self) -> dict[str, str]:
        """restate-server's environment for this membership (lists in TOML array form)."""
        return {
            "RESTATE_CLUSTER_NAME": self.cluster_name,
            "RESTATE_ROLES": json.dumps(list(ROLES)),
            "RESTATE_AUTO_PROVISION": "true" if self.provisions else "false",
            # One setting covers the log (bifrost) and the partitions' replicas.
            "RESTATE_DEFAULT_REPLICATION": str(self.replication),
            "RESTATE_METADATA_CLIENT__ADDRESSES": json.dumps(list(self.metadata_addresses)),
            # TCP only: no unix sockets next to each node's data.
            "RESTATE_LISTEN_MODE": "tcp",
        }


@dataclass(frozen=True)
class ClusterStatus:
    """What the cluster itself reports: each node's state and each partition's leader."""

    # Node name -> state as the failure detector sees it ("alive", "dead", "suspect", ...).
    nodes: dict[str, str]
    # Partition id -> name of the node leading it, None while it has no (live) leader.
    leaders: dict[int, str | None]

    @property
    def ready(self) -> bool:
        """Every node alive and every partition led by a live node."""
        return (
            bool(self.nodes)
            and bool(self.leaders)
            and all(state == "alive" for state in self.nodes.values())
            and all(leader is not None for leader in self.leaders.values())
        )

    def describe(self) -> str:
        """One line: nodes and their states, partitions and their leaders."""
        nodes = ", ".join(f"{name} {state}" for name, state in sorted(self.nodes.items()))
        leaders = ", ".join(
            f"P{pid} {leader or 'no leader'}" for pid, leader in sorted(self.leaders.items())
        )
        return f"nodes: {nodes or 'none'}; partitions: {leaders or 'none'}"


def restatectl_sql(binary: Path, addresses: Sequence[str], query: str) -> list[dict[str, Any]]:
    """Rows of a query on the cluster's own tables (nodes, partitions, partition_state, logs)."""
    # Every address: restatectl uses the first that answers, so a dead node does not matter.
    argv = [str(binary), f"--address={','.join(addresses)}", "sql", "--jsonl", query]
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=RESTATECTL_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        raise StackError(f"restatectl gave no answer within {RESTATECTL_TIMEOUT_S:g}s") from None
    if done.returncode != 0:
        problem = (done.stderr or done.stdout).strip().splitlines()
        raise StackError(f"restatectl failed: {problem[-1] if problem else done.returncode}")
    # JSON lines, then a summary line ("3 rows. Query took ...").
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def cluster_status(binary: Path, addresses: Sequence[str]) -> ClusterStatus:
    """Ask the cluster (through any of addresses) for its nodes and partition leaders."""
    nodes = restatectl_sql(binary, addresses, "SELECT plain_node_id, name, state FROM nodes")
    names = {row["plain_node_id"]: row["name"] for row in nodes}
    states = {row["name"]: row["state"] for row in nodes}
    partitions = restatectl_sql(binary, addresses, "SELECT partition_id FROM partitions")
    replicas = restatectl_sql(
        binary,
        addresses,
        "SELECT partition_id, plain_node_id FROM partition_state WHERE effective_mode = 'Leader'",
    )
    leaders: dict[int, str | None] = {int(row["partition_id"]): None for row in partitions}
    for row in replicas:
        name = names.get(row["plain_node_id"])
        if name is not None and states.get(name) == "alive":
            leaders[int(row["partition_id"])] = name
    return ClusterStatus(nodes=states, leaders=leaders)
