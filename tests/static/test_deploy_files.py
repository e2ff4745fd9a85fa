"""Static checks of the container deployment: compose file, HAProxy, Prometheus, Grafana.

Nothing here starts a container (tests/compose does, with `make test-compose`): the files are
parsed and cross-checked, and the compose file goes through `docker-compose config` when the
Debian docker-compose (1.29) is installed. Grafana cannot run on these machines (no registry
serves its image and nothing else ships it), so its files are checked here only.
"""

import json
import re
import shutil
import stat
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import promql_parser
import pytest
import yaml

from devstack import find_binary
from devstack.containers import compose_for_1_29
from devstack.containers.standins import standin_for
from devstack.credentials import (
    COMPOSE_ENV_FILE,
    IDENTITY_KEYS_ENV,
    IDENTITY_PEM,
    SERVER_IDENTITY_ENV,
    public_identity_key,
    write_compose_env,
)
from telemetry import credentials as service_credentials

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_DIR = ROOT / "compose"
COMPOSE_FILE = COMPOSE_DIR / "compose.yaml"
GRAFANA_DIR = ROOT / "grafana"
DASHBOARDS = sorted((GRAFANA_DIR / "dashboards").glob("*.json"))

# The Restate services, each behind its own h2c load balancer, and their metrics ports.
SCALABLE = {"agent": 9080, "seating": 9081, "invoicing": 9082}
METRICS_PORTS = {"agent": 9180, "seating": 9181, "invoicing": 9182}

# Published ports per service. Only the ingress listens on every interface.
PUBLIC_PORTS = {("restate", 8080)}
LOCAL_PORTS = {
    ("restate", 9070),  # admin API + UI
    ("jaeger", 16686),  # UI
    ("jaeger", 4317),  # OTLP gRPC, for the client on the host
    ("jaeger", 4318),  # OTLP HTTP
    ("prometheus", 9090),
    ("grafana", 3000),
}

# restate-server's request-identity private key: the compose secret, where it is mounted.
IDENTITY_SECRET = "restate-identity-key"
IDENTITY_TARGET = f"/run/secrets/{IDENTITY_SECRET}"

# Metric names the services emit (libs/telemetry); histograms are queried by their series.
AIRLINE_COUNTERS = {
    "airline_turns_total",
    "airline_tool_calls_total",
    "airline_llm_tokens_total",
    "airline_errors_total",
    "airline_seat_changes_total",
    "airline_invoices_total",
    "airline_invocation_attempts_total",
}
AIRLINE_HISTOGRAMS = {"airline_turn_duration_seconds", "airline_llm_call_duration_seconds"}
AIRLINE_SERIES = AIRLINE_COUNTERS | {
    h + suffix for h in AIRLINE_HISTOGRAMS for suffix in ("_bucket", "_sum", "_count")
}
# restate-server 1.7 metric names, as defined in its metric_definitions.rs files and listed in
# Restate's monitoring docs. The two durations are summaries (_sum/_count, quantile label).
RESTATE_SUMMARIES = {
    "restate_ingress_request_duration_seconds",
    "restate_invoker_task_duration_seconds",
}
RESTATE_SERIES = {
    "restate_ingress_requests_total",
    "restate_invoker_invocation_tasks_total",
    "restate_num_partitions",
    "restate_num_active_partitions",
    "restate_partition_applied_lsn_lag",
    "restate_rocksdb_estimate_live_data_size_bytes",
} | {s + suffix for s in RESTATE_SUMMARIES for suffix in ("", "_sum", "_count")}
KNOWN_SERIES = AIRLINE_SERIES | RESTATE_SERIES | {"up"}  # `up` is Prometheus's own

# Grafana's interval macros, replaced by a duration so the query parses as plain PromQL.
GRAFANA_MACROS = {"$__rate_interval": "1m", "$__interval": "15s", "$__range": "1h"}


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_yaml(COMPOSE_FILE)


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def with_defaults(text: str) -> str:
    """Compose interpolation with no variable set: `${NAME:-default}` becomes its default."""
    return re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", text)


def port_bindings(service: dict[str, Any]) -> list[tuple[str, int]]:
    """(host ip, container port) of each short-syntax `ports` entry; ip "" = every interface."""
    bindings = []
    for entry in service.get("ports", []):
        parts = with_defaults(str(entry)).split(":")
        assert len(parts) in (2, 3), f"use HOST_IP:HOST_PORT:PORT or HOST_PORT:PORT, got {entry}"
        host_ip = parts[0] if len(parts) == 3 else ""
        bindings.append(("" if host_ip == "0.0.0.0" else host_ip, int(parts[-1].split("/")[0])))
    return bindings


def host_mounts(service: dict[str, Any]) -> list[tuple[Path, str]]:
    """(host path, container path) of each bind mount (short syntax, host path ./ or ../)."""
    mounts = []
    for entry in service.get("volumes", []):
        source, target = str(entry).split(":")[:2]
        if source.startswith((".", "/")):
            mounts.append(((COMPOSE_DIR / source).resolve(), target))
    return mounts


def env(service: dict[str, Any]) -> dict[str, str]:
    environment = service.get("environment", {})
    assert isinstance(environment, dict), "write `environment` as a mapping"
    return {key: str(value) for key, value in environment.items()}


def healthy_deps(service: dict[str, Any]) -> set[str]:
    depends_on = service.get("depends_on", {})
    return {name for name, spec in depends_on.items() if spec.get("condition") == "service_healthy"}


def has_healthcheck(name: str, service: dict[str, Any]) -> bool:
    if "healthcheck" in service:
        return True
    build = service.get("build")
    if not build:
        return False
    dockerfile = (COMPOSE_DIR / build["context"] / build["dockerfile"]).read_text()
    return re.search(r"^HEALTHCHECK\s+", dockerfile, re.MULTILINE) is not None


# --- the compose file -------------------------------------------------------------------------


def test_compose_validates_with_docker_compose(compose: dict[str, Any], tmp_path: Path) -> None:
    if shutil.which("docker-compose") is None:
        pytest.skip(
            "docker-compose not installed (apt-get install docker-compose); "
            "the structural tests below still ran"
        )
    # 1.29 predates the top-level `name` and the long `env_file` form; both are checked below.
    assert compose["name"] == "durable-airline"
    legacy = tmp_path / "compose.yaml"
    legacy.write_text(yaml.safe_dump(compose_for_1_29(compose, COMPOSE_DIR)))
    result = subprocess.run(
        [
            "docker-compose",
            "--project-directory",
            str(COMPOSE_DIR),
            "-f",
            str(legacy),
            "config",
            "-q",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_optional_env_file_in_the_long_form(services: dict[str, dict[str, Any]]) -> None:
    for name in SCALABLE:
        assert services[name]["env_file"] == [
            {"path": "../.env", "required": False},
            {"path": "./.secrets/airline.env", "required": False},
        ], name


def test_compose_for_1_29_keeps_an_optional_env_file_only_when_it_exists(tmp_path: Path) -> None:
    document = {
        "name": "x",
        "services": {"a": {"image": "i:1", "env_file": [{"path": ".env", "required": False}]}},
    }
    assert compose_for_1_29(document, tmp_path) == {"services": {"a": {"image": "i:1"}}}
    (tmp_path / ".env").write_text("A=1\n")
    legacy = compose_for_1_29(document, tmp_path)
    assert legacy["services"]["a"]["env_file"] == [".env"]


def test_published_host_ports_can_be_moved_by_environment(
    services: dict[str, dict[str, Any]],
) -> None:
    """Every host port is `${AIRLINE_..._PORT:-default}`, so a test or a person can move it."""
    for name, service in services.items():
        for entry in service.get("ports", []):
            host_port = str(entry).rsplit(":", 1)[0]
            assert re.search(r"\$\{AIRLINE_\w+_PORT:-\d+\}$", host_port), f"{name}: {entry}"


def test_every_image_runs_here_or_is_grafana(services: dict[str, dict[str, Any]]) -> None:
    """Each pinned image has a stand-in for machines without a registry; Grafana has none."""
    images = {name: s["image"] for name, s in services.items() if "image" in s}
    missing = {name for name, image in images.items() if standin_for(image) is None}
    assert missing == {"grafana"}
    assert (COMPOSE_DIR / "standins" / "README.md").is_file()


def test_compose_references_resolve(compose: dict[str, Any]) -> None:
    services = compose["services"]
    declared_volumes = set(compose.get("volumes") or {})
    for name, service in services.items():
        assert "image" in service or "build" in service, name
        for dep in service.get("depends_on", {}):
            assert dep in services, f"{name} depends on unknown service {dep}"
        for entry in service.get("volumes", []):
            source = str(entry).split(":")[0]
            if not source.startswith((".", "/")):
                assert source in declared_volumes, f"{name}: undeclared volume {source}"


def test_build_contexts_and_dockerfiles_exist(services: dict[str, dict[str, Any]]) -> None:
    built = {name: s["build"] for name, s in services.items() if "build" in s}
    assert set(built) == set(SCALABLE)
    for name, build in built.items():
        context = (COMPOSE_DIR / build["context"]).resolve()
        assert context == ROOT, f"{name}: build from the workspace root (uv.lock lives there)"
        assert (context / build["dockerfile"]).is_file(), f"{name}: {build['dockerfile']}"


def test_bind_mounted_host_paths_exist(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        for host_path, _ in host_mounts(service):
            assert host_path.exists(), f"{name} mounts missing {host_path}"


def test_images_are_pinned_to_a_version(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        if "image" not in service:
            continue
        image = service["image"]
        repository, _, tag = image.rpartition(":")
        assert repository and "/" not in tag, f"{name}: {image} has no tag"
        assert tag != "latest" and re.match(r"v?\d", tag), f"{name}: {image} is not pinned"


def test_only_ingress_is_public_and_uis_are_local(services: dict[str, dict[str, Any]]) -> None:
    public, local = set(), set()
    for name, service in services.items():
        for host_ip, port in port_bindings(service):
            assert host_ip in ("", "127.0.0.1"), f"{name}:{port} bound to {host_ip}"
            (local if host_ip == "127.0.0.1" else public).add((name, port))
    assert public == PUBLIC_PORTS
    assert local == LOCAL_PORTS
    assert ("restate", 9070) in local  # the admin API can register code: never public


def test_scalable_services_have_no_fixed_names_or_ports(
    services: dict[str, dict[str, Any]],
) -> None:
    for name in [*SCALABLE, *(f"{s}-lb" for s in SCALABLE)]:
        assert "container_name" not in services[name], name
        assert "ports" not in services[name], name


def test_restate_server_settings(services: dict[str, dict[str, Any]]) -> None:
    restate = services["restate"]
    assert restate["image"] == "docker.restate.dev/restatedev/restate:1.7.12"
    settings = env(restate)
    assert settings["RESTATE_NODE_NAME"]  # data dir is <base>/<node name>: must not change
    assert settings["RESTATE_TRACING_ENDPOINT"] == "http://jaeger:4317"
    assert any(not str(v).startswith((".", "/")) for v in restate["volumes"])  # named volume
    assert "healthcheck" in restate


def test_restate_server_alone_gets_the_request_identity_private_key(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    """The key `make compose-up` generates, mounted read-only into restate-server only."""
    assert compose["secrets"] == {IDENTITY_SECRET: {"file": f"./.secrets/{IDENTITY_PEM}"}}
    holders = {name: s["secrets"] for name, s in services.items() if "secrets" in s}
    assert holders == {"restate": [IDENTITY_SECRET]}
    assert env(services["restate"])[SERVER_IDENTITY_ENV] == IDENTITY_TARGET
    for name, service in services.items():
        for host_path, _ in host_mounts(service):
            assert ".secrets" not in host_path.parts, f"{name} mounts {host_path}"
    # The services get the public key in their env_file (below), under the name they read.
    assert IDENTITY_KEYS_ENV == service_credentials.IDENTITY_KEYS_ENV


def test_restate_server_reads_the_identity_key_setting(
    services: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    """restate-server ignores unknown keys: its own config dump must show the setting."""
    done = subprocess.run(
        [str(find_binary()), "--dump-config"],
        env={"PATH": "/usr/bin:/bin", **env(services["restate"])},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    invoker = tomllib.loads(done.stdout)["worker"]["invoker"]
    assert invoker["request-identity-private-key-pem-file"] == IDENTITY_TARGET


def test_compose_secrets_hand_the_services_only_the_public_key(tmp_path: Path) -> None:
    """airline.env (every service's env_file) trusts the generated key and holds no private half."""
    directory = tmp_path / ".secrets"
    found = write_compose_env(directory)
    env_file = directory / COMPOSE_ENV_FILE
    text = env_file.read_text()
    values = dict(line.split("=", 1) for line in text.splitlines())
    public = public_identity_key(found.identity_pem_file.read_bytes())
    assert values[IDENTITY_KEYS_ENV] == public and public.startswith("publickeyv1_")
    assert "PRIVATE KEY" not in text
    for path in (env_file, found.identity_pem_file):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    # Written again (each `make compose-up`): the same key, not a new one.
    assert write_compose_env(directory).identity_public_key == public
    assert found.identity_pem_file.name == IDENTITY_PEM


def test_services_export_to_jaeger_and_serve_metrics(
    services: dict[str, dict[str, Any]],
) -> None:
    for name, metrics_port in METRICS_PORTS.items():
        settings = env(services[name])
        assert settings["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://jaeger:4317", name
        assert settings["METRICS_PORT"] == str(metrics_port), name
        assert settings["HOST"] == "0.0.0.0", name


def test_register_job_waits_for_healthy_load_balancers_and_registers_them(
    services: dict[str, dict[str, Any]],
) -> None:
    register = services["register"]
    load_balancers = {f"{name}-lb" for name in SCALABLE}
    assert healthy_deps(register) >= {"restate", *SCALABLE, *load_balancers}
    for dep in healthy_deps(register):
        assert has_healthcheck(dep, services[dep]), f"{dep} has no healthcheck to wait for"
    assert "sleep" not in json.dumps(register)
    deployments = env(register)["DEPLOYMENTS"].split(",")
    assert sorted(deployments) == sorted(f"http://{n}-lb:{p}" for n, p in SCALABLE.items())
    for host_path, _ in host_mounts(register):
        assert host_path == COMPOSE_DIR / "register.py"


def test_each_load_balancer_is_haproxy_with_one_h2c_config(
    services: dict[str, dict[str, Any]],
) -> None:
    config_path = COMPOSE_DIR / "haproxy" / "h2c-lb.cfg"
    config = config_path.read_text()
    for directive in (
        "nameserver dns 127.0.0.11:53",  # Docker's DNS, re-resolved: --scale is followed
        'bind ":${LISTEN_PORT}" proto h2',  # h2c towards Restate
        'server-template replica 10 "${UPSTREAM_HOST}:${UPSTREAM_PORT}" proto h2',
        "resolvers docker",
        "balance roundrobin",
        "path /healthz",
    ):
        assert directive in config, f"{config_path.name} lacks `{directive}`"
    for name, port in SCALABLE.items():
        lb = services[f"{name}-lb"]
        # The stand-in is Debian's HAProxy 2.6: the pinned image stays on the same branch.
        assert lb["image"].startswith("haproxy:2.6.") and lb["image"].endswith("-alpine")
        assert healthy_deps(lb) == {name}
        assert "8099/healthz" in json.dumps(lb["healthcheck"])
        assert host_mounts(lb) == [(config_path, "/usr/local/etc/haproxy/haproxy.cfg")]
        # Every variable the config reads is set for this load balancer and names its service.
        settings = env(lb)
        assert set(re.findall(r"\$\{(\w+)\}", config)) <= set(settings)
        assert settings["UPSTREAM_HOST"] == name
        assert settings["UPSTREAM_PORT"] == settings["LISTEN_PORT"] == str(port)


# --- Prometheus -------------------------------------------------------------------------------


def test_prometheus_scrapes_restate_and_every_replica_of_each_service(
    services: dict[str, dict[str, Any]],
) -> None:
    mounted = dict(host_mounts(services["prometheus"]))
    prometheus_yml = COMPOSE_DIR / "prometheus.yml"
    assert mounted[prometheus_yml] == "/etc/prometheus/prometheus.yml"
    config = load_yaml(prometheus_yml)
    targets: set[tuple[str, int]] = set()
    for job in config["scrape_configs"]:
        assert job.get("metrics_path", "/metrics") == "/metrics", job["job_name"]
        for static in job.get("static_configs", []):
            for target in static["targets"]:
                host, port = target.rsplit(":", 1)
                targets.add((host, int(port)))
        for dns in job.get("dns_sd_configs", []):
            assert dns["type"] == "A"  # one record per replica
            targets.update((host, int(dns["port"])) for host in dns["names"])
    for host, _ in targets:
        assert host in services, f"Prometheus scrapes {host}, not a compose service"
    assert targets == {("restate", 5122), *METRICS_PORTS.items()}


# --- Grafana ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def datasource_uids(services: dict[str, dict[str, Any]]) -> set[str]:
    provisioning = GRAFANA_DIR / "provisioning"
    mounts = dict(host_mounts(services["grafana"]))
    assert mounts[provisioning] == "/etc/grafana/provisioning"
    uids = {}
    for path in sorted((provisioning / "datasources").glob("*.yaml")):
        for source in load_yaml(path)["datasources"]:
            uids[source["uid"]] = source
    assert uids["prometheus"]["type"] == "prometheus"
    assert uids["prometheus"]["url"] == "http://prometheus:9090"
    assert uids["jaeger"]["type"] == "jaeger"
    assert uids["jaeger"]["url"] == "http://jaeger:16686"
    return set(uids)


def test_dashboard_provider_reads_the_mounted_dashboards(
    services: dict[str, dict[str, Any]],
) -> None:
    mounts = dict(host_mounts(services["grafana"]))
    providers = load_yaml(GRAFANA_DIR / "provisioning/dashboards/dashboards.yaml")["providers"]
    paths = {provider["options"]["path"] for provider in providers}
    assert paths == {mounts[GRAFANA_DIR / "dashboards"]}
    assert {path.stem for path in DASHBOARDS} >= {"airline-agent", "restate-overview"}


def walk_json(node: Any) -> Any:
    """Every dict in a JSON document, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk_json(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk_json(value)


def prometheus_exprs(dashboard: dict[str, Any]) -> list[str]:
    return [node["expr"] for node in walk_json(dashboard) if isinstance(node.get("expr"), str)]


def series_in(expr: str) -> set[str]:
    """The metric names an expression selects; raises ValueError if it is not valid PromQL."""
    for macro, duration in GRAFANA_MACROS.items():
        expr = expr.replace(macro, duration)
    names: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            names.add(node.name)

    promql_parser.walk(promql_parser.parse(expr), visit)
    return names


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_dashboard_is_valid_and_uses_provisioned_datasources(
    path: Path, datasource_uids: set[str]
) -> None:
    dashboard = json.loads(path.read_text())
    assert dashboard["uid"] and dashboard["title"] and dashboard["panels"]
    used = {
        node["datasource"]["uid"]
        for node in walk_json(dashboard)
        if isinstance(node.get("datasource"), dict)
    }
    assert used and used <= datasource_uids, used - datasource_uids
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_dashboard_queries_parse_and_use_known_metrics(path: Path) -> None:
    exprs = prometheus_exprs(json.loads(path.read_text()))
    assert exprs
    for expr in exprs:
        unknown = series_in(expr) - KNOWN_SERIES
        assert not unknown, f"{path.name}: {sorted(unknown)} in {expr}"


def test_agent_dashboard_covers_every_airline_metric() -> None:
    dashboard = json.loads((GRAFANA_DIR / "dashboards/airline-agent.json").read_text())
    used = set().union(*(series_in(e) for e in prometheus_exprs(dashboard)))
    bases = {re.sub(r"_(bucket|sum|count)$", "", name) for name in used}
    assert bases >= AIRLINE_COUNTERS | AIRLINE_HISTOGRAMS


def test_series_in_rejects_invalid_promql() -> None:
    assert series_in("sum by (le) (rate(x_bucket[$__rate_interval]))") == {"x_bucket"}
    with pytest.raises(ValueError):
        series_in("sum(rate(airline_turns_total[1m])")
