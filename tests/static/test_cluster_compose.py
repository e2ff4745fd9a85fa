"""Static checks of the cluster variant, compose/cluster.yaml on top of compose/compose.yaml.

Three restate-server nodes with fixed names, ids and volumes, replication 2, provisioned by one
node; `restate` becomes the load balancer in front of them. Each node's environment is read back
by the real restate-server binary (`--dump-config`), because restate-server ignores keys it does
not know. No container starts here.
"""

import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from devstack import find_binary
from devstack.containers.project import compose_for_1_29
from devstack.credentials import SERVER_IDENTITY_ENV
from tests.static.test_deploy_files import (
    COMPOSE_DIR,
    COMPOSE_FILE,
    IDENTITY_SECRET,
    IDENTITY_TARGET,
    env,
    healthy_deps,
    host_mounts,
    load_yaml,
    port_bindings,
)
from tests.support.cluster_settings import assert_replicated_node

CLUSTER_FILE = COMPOSE_DIR / "cluster.yaml"
LB_CONFIG = COMPOSE_DIR / "haproxy" / "restate-lb.cfg"
NODES = ("restate-1", "restate-2", "restate-3")
FABRIC = [f"http://{node}:5122/" for node in NODES]


@pytest.fixture(scope="module")
def cluster() -> dict[str, Any]:
    return load_yaml(CLUSTER_FILE)


@pytest.fixture(scope="module")
def nodes(cluster: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: cluster["services"][name] for name in NODES}


@pytest.fixture(scope="module")
def merged(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What docker-compose makes of the two files together (compose's own merge rules)."""
    if shutil.which("docker-compose") is None:
        pytest.skip("docker-compose not installed (apt-get install docker-compose)")
    rendered = tmp_path_factory.mktemp("compose")
    argv = ["docker-compose", "--project-directory", str(COMPOSE_DIR), "-p", "airline-cluster"]
    for path in (COMPOSE_FILE, CLUSTER_FILE):
        copy = rendered / path.name
        copy.write_text(yaml.safe_dump(compose_for_1_29(load_yaml(path), COMPOSE_DIR)))
        argv += ["-f", str(copy)]
    done = subprocess.run(
        [*argv, "config"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return yaml.safe_load(done.stdout)


def test_with_the_main_file_restate_is_the_load_balancer_on_the_same_ports(
    merged: dict[str, Any],
) -> None:
    services = merged["services"]
    lb = services["restate"]
    assert lb["image"].startswith("haproxy:2.6.")
    # The main file's published ports, now the load balancer's: the cluster's one address.
    assert sorted(port_bindings(lb)) == [("", 8080), ("127.0.0.1", 9070)]
    for name in NODES:
        assert "ports" not in services[name], f"{name} publishes a port"
    assert healthy_deps(services["restate"]) == set(NODES)
    # Merged with the main file's secret: every node has the key's file at the same place.
    assert set(merged["secrets"]) == {IDENTITY_SECRET}
    for name in NODES:
        mounted = [s if isinstance(s, str) else s["source"] for s in services[name]["secrets"]]
        assert mounted == [IDENTITY_SECRET], name
    assert healthy_deps(services["register"]) >= {"restate", *NODES}
    mounted = [str(v) for v in services["prometheus"]["volumes"]]
    assert any(
        v.endswith("prometheus-cluster.yml:/etc/prometheus/prometheus.yml:ro") for v in mounted
    )


def test_three_nodes_with_fixed_names_ids_and_a_volume_each(
    cluster: dict[str, Any], nodes: dict[str, dict[str, Any]]
) -> None:
    volumes = set()
    for number, (name, node) in enumerate(nodes.items(), start=1):
        settings = env(node)
        assert node["image"] == "docker.restate.dev/restatedev/restate:1.7.12"
        assert settings["RESTATE_NODE_NAME"] == name
        assert settings["RESTATE_FORCE_NODE_ID"] == str(number)
        assert settings["RESTATE_ADVERTISED_ADDRESS"] == f"http://{name}:5122"
        [volume] = node["volumes"]
        source, target = volume.split(":")
        assert target == "/restate-data" and source in cluster["volumes"]
        volumes.add(source)
        assert "healthcheck" in node
        # Any node may run a partition's invocations: each signs with the stack's one key.
        assert node["secrets"] == [IDENTITY_SECRET], name
        assert settings[SERVER_IDENTITY_ENV] == IDENTITY_TARGET, name
    assert len(volumes) == 3
    assert "secrets" not in cluster, "the key is the main file's secret, not a second one"


def test_only_restate_1_provisions_and_everything_is_replicated_twice(
    nodes: dict[str, dict[str, Any]],
) -> None:
    provisioning = [
        name for name, node in nodes.items() if env(node)["RESTATE_AUTO_PROVISION"] == "true"
    ]
    assert provisioning == ["restate-1"]
    shared = {
        key: {env(node)[key] for node in nodes.values()}
        for key in ("RESTATE_CLUSTER_NAME", "RESTATE_DEFAULT_REPLICATION", "RESTATE_ROLES")
    }
    assert all(len(values) == 1 for values in shared.values()), shared
    assert shared["RESTATE_DEFAULT_REPLICATION"] == {"2"}


@pytest.mark.parametrize("name", NODES)
def test_restate_server_understands_each_nodes_settings(
    nodes: dict[str, dict[str, Any]], name: str, tmp_path: Path
) -> None:
    done = subprocess.run(
        [str(find_binary()), "--dump-config"],
        env={"PATH": "/usr/bin:/bin", **env(nodes[name])},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    seen = tomllib.loads(done.stdout)
    number = NODES.index(name) + 1
    assert seen["node-name"] == name
    assert seen["force-node-id"] == number
    assert seen["cluster-name"] == "durable-airline"
    assert_replicated_node(seen, number, FABRIC)
    assert seen["advertised-address"] == f"http://{name}:5122/"
    assert seen["tracing-endpoint"] == "http://jaeger:4317"
    assert seen["worker"]["invoker"]["request-identity-private-key-pem-file"] == IDENTITY_TARGET


def test_the_load_balancer_sends_to_every_node_and_retries_only_refused_connections(
    cluster: dict[str, Any],
) -> None:
    config = LB_CONFIG.read_text()
    backends = dict(re.findall(r"^backend (\w+)\n((?:    .*\n)+)", config, re.MULTILINE))
    servers = {
        name: re.findall(r"^    server (\S+) (\S+)$", body, re.MULTILINE)
        for name, body in backends.items()
    }
    assert servers == {
        "ingresses": [(n, f"{n}:8080") for n in NODES],
        "admins": [(n, f"{n}:9070") for n in NODES],
    }
    assert "option httpchk GET /restate/health" in backends["ingresses"]
    assert "option httpchk GET /health" in backends["admins"]
    # A request a node received may have run: retrying it would run a key-less message twice.
    assert re.findall(r"^\s*retry-on (.*)$", config, re.MULTILINE) == ["conn-failure"]
    assert {b for b in re.findall(r"^\s*bind (\S+)", config, re.MULTILINE)} == {
        ":8080",
        ":9070",
        ":8099",
    }
    lb = cluster["services"]["restate"]
    assert host_mounts(lb) == [(LB_CONFIG, "/usr/local/etc/haproxy/haproxy.cfg")]


def test_the_load_balancer_config_is_valid_haproxy() -> None:
    if shutil.which("haproxy") is None:
        pytest.skip("haproxy not installed (apt-get install haproxy); structure checked above")
    done = subprocess.run(
        ["haproxy", "-c", "-f", str(LB_CONFIG)], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_prometheus_scrapes_every_node_and_the_same_services() -> None:
    single = load_yaml(COMPOSE_DIR / "prometheus.yml")["scrape_configs"]
    cluster = load_yaml(COMPOSE_DIR / "prometheus-cluster.yml")["scrape_configs"]
    by_job = {job["job_name"]: job for job in cluster}
    assert by_job["restate"]["static_configs"] == [{"targets": [f"{n}:5122" for n in NODES]}]
    assert [job for job in cluster if job["job_name"] != "restate"] == [
        job for job in single if job["job_name"] != "restate"
    ]
