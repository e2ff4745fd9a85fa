"""One cluster, one memory: a conversation held through any node's ingress reads the same
through every other node."""

from devstack import Stack
from tests.support.helpers import (
    chat,
    ingress_client,
    new_booking,
    read,
    seat_map,
    seat_of,
    session_id,
)


def test_a_session_held_through_one_node_reads_the_same_through_every_other(
    cluster: Stack,
) -> None:
    ingresses = [ingress_client(url, timeout=60.0) for url in cluster.ingress_urls]
    try:
        held = []
        for through in ingresses:
            booking = new_booking(through)
            session = session_id()
            chat(through, session, "can you change my seat to 10b?")
            answer = chat(through, session, booking.proof)
            assert "Seat changed from 5B to 10B" in answer["reply"]
            chat(through, session, "how much baggage can I bring?")
            held.append((session, booking))

        for session, booking in held:
            histories = [read(i, f"/AgentSession/{session}/history") for i in ingresses]
            statuses = [read(i, f"/AgentSession/{session}/status") for i in ingresses]
            users = [e["text"] for e in histories[0]["entries"] if e["kind"] == "user"]
            assert users == [
                "can you change my seat to 10b?",
                booking.proof,
                "how much baggage can I bring?",
            ]
            assert all(h == histories[0] for h in histories[1:])
            assert all(s == statuses[0] for s in statuses[1:])
            assert statuses[0]["turns"] == 3
            assert statuses[0]["bookings"] == [booking.confirmation_number]
            for ingress in ingresses:
                assert seat_of(ingress, booking.confirmation_number) == "10B"
                assert seat_map(ingress, booking.flight) == {"10B": booking.confirmation_number}
    finally:
        for ingress in ingresses:
            ingress.close()


def test_the_cluster_replicates_everything_twice_and_every_node_leads(cluster: Stack) -> None:
    status = cluster.cluster_status()

    assert status.ready, status.describe()
    assert set(status.nodes) == {"n1", "n2", "n3"}
    # The log's segments are written to two of the three log servers.
    logs = cluster.cluster_sql("SELECT DISTINCT replication FROM logs")
    assert logs == [{"replication": "{node: 2}"}]
    # Every partition has a leader and a follower, on two different nodes.
    replicas = cluster.cluster_sql("SELECT partition_id, plain_node_id FROM partition_state")
    per_partition: dict[int, set[str]] = {}
    for row in replicas:
        per_partition.setdefault(int(row["partition_id"]), set()).add(row["plain_node_id"])
    assert set(per_partition) == set(status.leaders)
    assert all(len(nodes) == 2 for nodes in per_partition.values()), per_partition
