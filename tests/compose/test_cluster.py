"""The cluster variant in real containers: compose.yaml + cluster.yaml, one node SIGKILLed mid-turn.

Three restate-server containers (replication 2) behind the `restate` HAProxy, which keeps the
published ingress and admin ports of the single node. While two turns run, `docker kill` takes
restate-1 (the node that provisioned the cluster) away: both turns are answered (the client
re-sends a cut request with its idempotency key through the load balancer to a live node),
one mail for the invoice, the seat map consistent. Then restate-1 is started again on its
volume, the load balancer has all three nodes up, and the same session goes on through it.
Every node signs its requests to the services with the stack's one request-identity key.
"""

import csv
import io

from devstack import wait_for
from tests.compose.conftest import (
    IDENTITY_KEY,
    INVOCATION,
    RunningStack,
    can_read,
    docker,
    unsigned_status,
)
from tests.compose.customers import (
    HOPPER,
    TURING,
    client_for,
    two_turns_then_kill,
)

NODES = ("restate-1", "restate-2", "restate-3")


def nodes_up(running: RunningStack) -> dict[str, list[str]]:
    """The nodes the cluster's load balancer has UP, for the ingress and the admin API."""
    text = docker(
        "exec",
        running.container("restate"),
        "wget",
        "-q",
        "-O",
        "-",
        "http://127.0.0.1:8099/stats;csv",
    )
    up: dict[str, list[str]] = {"ingresses": [], "admins": []}
    for row in csv.DictReader(io.StringIO(text.lstrip("# "))):
        if row["pxname"] in up and row["svname"] in NODES and row["status"] == "UP":
            up[row["pxname"]].append(row["svname"])
    return up


def test_the_cluster_is_three_healthy_nodes_behind_one_address(cluster_stack: RunningStack) -> None:
    states = cluster_stack.stack.health()
    print(f"\ncontainers: {states}")
    assert set(states.values()) == {"healthy"}, states
    for node in NODES:
        assert len(cluster_stack.containers(node)) == 1, f"{node} is not running"
    (register,) = cluster_stack.containers("register", running=False)
    state = cluster_stack.project.inspect(register)["State"]
    assert (state["Status"], state["ExitCode"]) == ("exited", 0)
    assert nodes_up(cluster_stack) == {"ingresses": list(NODES), "admins": list(NODES)}


def test_every_node_signs_with_the_key_and_unsigned_requests_are_refused(
    cluster_stack: RunningStack,
) -> None:
    """Each node reads the one private key; the load balancer, which carries the main file's
    mount, cannot (user haproxy); a request no node signed, from a node's container, gets 401."""
    for node in NODES:
        assert can_read(cluster_stack.container(node), IDENTITY_KEY), node
    assert not can_read(cluster_stack.container("restate"), IDENTITY_KEY)
    node = cluster_stack.container("restate-2")
    url = "http://seating-lb:9081/invoke/SeatingAdmin/seed"
    assert unsigned_status(node, "POST", url, [INVOCATION]) == 401


def test_sigkill_of_a_restate_node_mid_turn(cluster_stack: RunningStack) -> None:
    turns, node = two_turns_then_kill(cluster_stack, "restate-1", TURING, HOPPER, "11A")
    turns.check(cluster_stack)

    # Back on its volume: the load balancer sends to it again, the session goes on.
    cluster_stack.start(node)
    wait_for(
        lambda: nodes_up(cluster_stack) == {"ingresses": list(NODES), "admins": list(NODES)},
        timeout=300,
        interval=1,
        message="every node up behind the load balancer",
    )
    with client_for(cluster_stack) as client:
        again = client.chat(turns.seat.session, "how much baggage can I bring?")
        assert "bag" in again.reply.lower(), again.reply
        said = [e.text for e in client.history(turns.seat.session).entries if e.kind == "user"]
    assert len(said) == 2
