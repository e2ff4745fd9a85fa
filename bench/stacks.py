"""The stacks the durable variants run on: a real restate-server and services as processes."""

from pathlib import Path

from devstack import (
    AGENT,
    INVOICING,
    SEATING,
    TEST_SERVER_ENV,
    LogSink,
    ServiceSpec,
    Stack,
    StackConfig,
    repo_root,
)

from .cpu import cpu_seconds

# Creates isolated bookings through seating's private handler (the integration tests' service).
SUPPORT = ServiceSpec("testsupport", "airline_testsupport", 0)
REFERENCE = ServiceSpec("reference", "bench.reference", 0)

# Both durable variants run on the same server settings: the tests' small footprint, and a
# retry interval capped at 250 ms (the default backs off to a minute), so that a restarted
# process is retried within a quarter second instead of after a growing back-off; with enough
# attempts (2000 x 250 ms, ~8 min) that a slow restart on a busy machine does not pause the turn.
SERVER_ENV = {
    **TEST_SERVER_ENV,
    "RESTATE_DEFAULT_RETRY_POLICY__INITIAL_INTERVAL": "50ms",
    "RESTATE_DEFAULT_RETRY_POLICY__MAX_INTERVAL": "250ms",
    "RESTATE_DEFAULT_RETRY_POLICY__MAX_ATTEMPTS": "2000",
}

# Path of each durable design's chat handler ({key} = session id) and its service process.
CHAT_PATHS = {"ours": "/AgentSession/{key}/chat", "reference": "/ReferenceSession/{key}/chat"}
SERVICE_OF = {"ours": "agent", "reference": "reference"}
# The durable variants: which design each runs, on how many restate-server nodes ("baseline":
# ours at an earlier commit, see baseline.py).
DESIGN_OF = {"ours": "ours", "reference": "reference", "cluster": "ours", "baseline": "ours"}
NODES_OF = {"ours": 1, "reference": 1, "cluster": 3, "baseline": 1}


def variant_stack(
    variant: str,
    root: Path,
    latency_ms: int = 0,
    env: dict[str, str] | None = None,
    code: str | None = None,
) -> Stack:
    """A stack (not started) for "ours", "reference", "cluster" (ours on three nodes) or
    "baseline" (ours, its processes' PYTHONPATH `code`: an earlier commit's sources); the model
    takes latency_ms per call."""
    services = (
        (AGENT, SEATING, INVOICING, SUPPORT)
        if DESIGN_OF[variant] == "ours"
        else (REFERENCE, SEATING, SUPPORT)
    )
    repo = str(repo_root())
    support = str(Path(repo) / "tests" / "support")
    # Only the baseline runs the earlier commit's code; the others run this checkout's.
    baseline = {"PYTHONPATH": code} if code and variant == "baseline" else {}
    config = StackConfig.on_free_ports(
        root / "restate",
        services=services,
        nodes=NODES_OF[variant],
        server_env=SERVER_ENV,
        service_env={"OFFLINE_MODEL_LATENCY_MS": str(latency_ms), **(env or {})},
        per_service_env={
            "agent": baseline,
            "seating": baseline,
            "invoicing": baseline,
            "testsupport": baseline or {"PYTHONPATH": support},
            "reference": {"PYTHONPATH": repo},
        },
        logs=LogSink(directory=root / "logs"),
    )
    return Stack(config)


def cpu_split(stack: Stack) -> dict[str, float]:
    """CPU seconds so far of restate-server (every node), of all service processes and of each."""
    each = {name: cpu_seconds([s.pid]) for name, s in stack.services.items()}
    restate = cpu_seconds([node.pid for node in stack.nodes])
    return {"restate": restate, "services": sum(each.values()), **each}
