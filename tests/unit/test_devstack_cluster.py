"""devstack's cluster settings, checked against restate-server's own reading of them.

restate-server ignores configuration keys it does not know, so each setting a cluster node gets
is read back with `--dump-config` (the real binary; nothing starts or listens).
"""

import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest

from devstack import NodePorts, Stack, StackConfig, StackError, cluster_node_ports
from devstack.__main__ import _config, _parser
from devstack.cluster import ClusterStatus
from devstack.server import RestateServer
from tests.support.cluster_settings import assert_replicated_node


def dumped(server: RestateServer) -> dict[str, Any]:
    """The configuration restate-server would run with, given this server's environment."""
    done = subprocess.run(
        [str(server.binary), "--dump-config"],
        env=server.env(),
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return tomllib.loads(done.stdout)


def test_free_ports_of_a_cluster_are_all_distinct(tmp_path: Path) -> None:
    config = StackConfig.on_free_ports(tmp_path, nodes=3)

    ports = config.ports()
    assert config.nodes == 3
    assert len(config.node_ports()) == 3
    assert len(set(ports.values())) == len(ports) == 9 + 3 + 3


def test_the_nodes_of_up_nodes_3_have_fixed_ports() -> None:
    assert cluster_node_ports(2) == NodePorts(28080, 29070, 25122)
    assert cluster_node_ports(3) == NodePorts(38080, 39070, 35122)


@pytest.mark.parametrize(
    ("nodes", "replication", "problem"),
    [
        (2, 2, "two cannot lose one"),
        (6, 2, "1, 3, 4 or 5"),
        (3, 3, "replication 3 on 3 nodes"),
        (3, 0, "replication 0 on 3 nodes"),
    ],
)
def test_a_cluster_that_could_not_lose_a_node_is_refused(
    tmp_path: Path, nodes: int, replication: int, problem: str
) -> None:
    with pytest.raises(StackError, match=problem):
        StackConfig.on_free_ports(tmp_path, nodes=nodes, replication=replication)


def test_each_cluster_node_gets_settings_restate_server_understands(tmp_path: Path) -> None:
    config = StackConfig.on_free_ports(tmp_path, nodes=3)
    stack = Stack(config)
    fabric = [f"http://127.0.0.1:{p.node}/" for p in config.node_ports()]

    for number, ports in enumerate(config.node_ports(), start=1):
        server = stack.node(number)
        seen = dumped(server)
        assert seen["node-name"] == f"n{number}"
        assert seen["cluster-name"] == "devstack"
        assert_replicated_node(seen, number, fabric)
        assert seen["bifrost"]["default-provider"] == "replicated"
        assert seen["listen-mode"] == "tcp"
        assert seen["bind-address"] == f"127.0.0.1:{ports.node}"
        assert seen["advertised-address"] == f"http://127.0.0.1:{ports.node}/"
        assert seen["ingress"]["bind-address"] == f"127.0.0.1:{ports.ingress}"
        assert seen["admin"]["bind-address"] == f"127.0.0.1:{ports.admin}"
        # One data dir for the cluster; each node's data is under its own name in it.
        assert seen["base-dir"] == str(tmp_path)


def test_a_single_node_gets_no_cluster_settings(tmp_path: Path) -> None:
    stack = Stack(StackConfig.on_free_ports(tmp_path))

    env = stack.server.env()
    seen = dumped(stack.server)

    assert not stack.is_cluster
    assert seen["node-name"] == "devstack"
    assert seen["default-replication"] == 1
    assert "RESTATE_AUTO_PROVISION" not in env
    assert "RESTATE_METADATA_CLIENT__ADDRESSES" not in env
    with pytest.raises(StackError, match="no cluster"):
        stack.cluster_status()


def test_up_nodes_3_keeps_node_1_on_the_usual_ports_and_its_own_data_dir() -> None:
    config = _config(_parser().parse_args(["up", "--nodes", "3"]))

    assert (config.ingress_port, config.admin_port, config.node_port) == (8080, 9070, 5122)
    assert config.more_nodes == (cluster_node_ports(2), cluster_node_ports(3))
    assert config.data_dir.name == "cluster"
    assert _config(_parser().parse_args(["up"])).data_dir.name == "restate"


def test_up_refuses_two_nodes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        _parser().parse_args(["up", "--nodes", "2"])
    assert exited.value.code == 2
    assert "invalid choice: 2" in capsys.readouterr().err


def test_cluster_status_is_ready_only_with_every_node_alive_and_every_partition_led() -> None:
    whole = ClusterStatus({"n1": "alive", "n2": "alive"}, {0: "n1", 1: "n2"})
    node_down = ClusterStatus({"n1": "alive", "n2": "dead"}, {0: "n1", 1: "n1"})
    leaderless = ClusterStatus({"n1": "alive", "n2": "alive"}, {0: "n1", 1: None})

    assert whole.ready
    assert not node_down.ready
    assert not leaderless.ready
    assert not ClusterStatus({}, {}).ready
    assert leaderless.describe() == "nodes: n1 alive, n2 alive; partitions: P0 n1, P1 no leader"
