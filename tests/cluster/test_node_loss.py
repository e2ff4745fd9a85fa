"""SIGKILL one restate-server node of three while turns run: the customers see a short wait.

Each case kills another node (node 1, the one that provisioned the cluster, first) of the same
cluster, which by then has survived the previous losses. Customers talk through the real client
with every node's address, each starting at another node, so some of them are connected to the
node that dies. After the node is started again on its data dir, everything is checked from
outside: every message answered, one mail per invoice request, one `Booking/change_seat` per
seat request, bookings and seat maps agreeing, and the cluster reporting every node alive and
every partition led.
"""

import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx
import pytest

from airline_client import AgentClient, ClientError
from devstack import Stack, wait_for
from tests.support.auth import session_token
from tests.support.helpers import TestBooking as Booked
from tests.support.helpers import ingress_client, mails, new_booking, read, seat_map, seat_of
from tests.support.helpers import session_id as new_session_id
from tests.support.turns import invocations

CUSTOMERS = 6
# (kind, seat): each customer's turns, one after the other.
SCRIPT = (("seat", "10B"), ("invoice", None), ("seat", "11C"))
IN_FLIGHT = (
    "SELECT count(*) AS n FROM sys_invocation WHERE target_service_name = 'AgentSession' "
    "AND target_handler_name = 'chat' AND target_service_key IN ({keys}) "
    "AND status IN ('running', 'backing-off', 'suspended', 'ready')"
)


@dataclass(eq=False)
class Customer(threading.Thread):
    """One customer's conversation, sent through the client with every node's address."""

    urls: list[str]
    booking: Booked
    session: str = field(default_factory=new_session_id)
    replies: list[str] = field(default_factory=list)
    error: str | None = None
    retries: int = 0
    failovers: int = 0

    def __post_init__(self) -> None:
        super().__init__(daemon=True)

    def message(self, kind: str, seat: str | None) -> str:
        if kind == "seat":
            return f"change my seat to {seat}, booking {self.booking.proof}"
        return f"send me the invoice for booking {self.booking.proof}"

    def run(self) -> None:
        # Enough rounds over the three addresses to outlast a node's loss and restart.
        tokens = {self.session: session_token(self.session)}
        with AgentClient(self.urls, attempts=10, backoff_s=0.5, session_tokens=tokens) as client:
            try:
                for kind, seat in SCRIPT:
                    self.replies.append(client.chat(self.session, self.message(kind, seat)).reply)
            except ClientError as error:
                self.error = f"{type(error).__name__}: {error}"
            self.retries, self.failovers = client.retries, client.failovers


def start_customers(cluster: Stack, ingress: httpx.Client) -> list[Customer]:
    """Customers with fresh bookings, customer i starting at node i % 3 + 1."""
    urls = cluster.ingress_urls
    customers = [
        Customer(urls[i % len(urls) :] + urls[: i % len(urls)], new_booking(ingress))
        for i in range(CUSTOMERS)
    ]
    for customer in customers:
        customer.start()
    return customers


def turns_in_flight(cluster: Stack, customers: list[Customer]) -> int:
    keys = ", ".join(f"'{c.session}'" for c in customers)
    return int(cluster.admin_query(IN_FLIGHT.format(keys=keys))[0]["n"])


@pytest.mark.parametrize("number", [1, 2, 3])
def test_sigkill_of_one_node_while_turns_run_loses_and_doubles_nothing(
    cluster: Stack, number: int
) -> None:
    survivor = cluster.node(number % 3 + 1)
    with ingress_client(survivor.ingress_url, timeout=60.0) as ingress:
        customers = start_customers(cluster, ingress)
        in_flight = wait_for(
            lambda: (n := turns_in_flight(cluster, customers)) >= CUSTOMERS // 2 and n,
            timeout=60,
            message="turns running on the cluster",
        )
        before = [len(c.replies) for c in customers]

        cluster.kill_node(number)
        killed = time.monotonic()
        # The survivors answer every customer while the node is down: partitions it led have
        # new leaders, connections it held were re-sent elsewhere.
        wait_for(
            lambda: all(
                len(c.replies) > n or not c.is_alive()
                for c, n in zip(customers, before, strict=True)
            ),
            timeout=120,
            message=f"every customer answered with node {number} down",
        )
        down_s = time.monotonic() - killed
        cluster.restart_node(number)
        whole_s = time.monotonic() - killed
        for customer in customers:
            customer.join(timeout=240)
        print(
            f"node {number}: killed with {in_flight} turns in flight; down {down_s:.1f} s, "
            f"cluster whole again {whole_s:.1f} s after the kill; client retries "
            f"{[c.retries for c in customers]}, failovers {[c.failovers for c in customers]}"
        )

        problems = [f"{c.session}: {c.error}" for c in customers if c.error or c.is_alive()]
        assert not problems, problems
        # The kill cut connections of customers talking through that node: they failed over.
        assert sum(c.failovers for c in customers) >= 1, [c.retries for c in customers]
        for customer in customers:
            check_outcome(cluster, ingress, customer)

    status = cluster.cluster_status()
    assert status.ready, status.describe()
    assert set(status.nodes) == {"n1", "n2", "n3"}


def check_outcome(cluster: Stack, ingress: httpx.Client, customer: Customer) -> None:
    """What the outside world saw for one customer: answers, mails, seats, history."""
    number = customer.booking.confirmation_number
    kinds = Counter(kind for kind, _ in SCRIPT)
    seat_reply, invoice_reply, last_reply = customer.replies
    assert "Seat changed from 5B to 10B" in seat_reply
    assert "Invoice INV-" in invoice_reply
    assert "Seat changed from 10B to 11C" in last_reply

    delivered = mails(ingress, customer.booking.email)
    assert len(delivered) == kinds["invoice"]
    assert len({m["mail_id"] for m in delivered}) == len(delivered)
    assert invocations(cluster, "Booking", "change_seat", number) == kinds["seat"]
    assert seat_of(ingress, number) == "11C"
    assert seat_map(ingress, customer.booking.flight) == {"11C": number}

    # The same history through every node.
    for url in cluster.ingress_urls:
        with ingress_client(url, timeout=60.0) as node:
            history = read(node, f"/AgentSession/{customer.session}/history")
        said = [e["text"] for e in history["entries"] if e["kind"] == "user"]
        assert said == [customer.message(kind, seat) for kind, seat in SCRIPT]
