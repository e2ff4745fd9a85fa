"""The soak in a small size (normal mode; `make soak` runs a larger one)."""

from pathlib import Path

from tests.soak.soak import SoakConfig, run_soak


def test_small_soak_under_chaos_loses_nothing_and_doubles_nothing(tmp_path: Path) -> None:
    config = SoakConfig(sessions=6, turns=4, concurrency=6, max_kills=4, kill_every=(1.0, 4.0))

    report = run_soak(config, tmp_path)

    print(report.text())
    assert sum(report.kills.values()) >= 1, "the sessions ended before the first kill"
    assert report.answered == report.messages == 24
    assert report.ok, report.text()


def test_small_soak_on_a_cluster_losing_one_node_at_a_time(tmp_path: Path) -> None:
    # Seed 1 draws agent, restate, restate, seating: two node kills (n1, then n2).
    config = SoakConfig(
        sessions=6, turns=5, concurrency=6, max_kills=4, kill_every=(1.0, 3.0), nodes=3
    )

    report = run_soak(config, tmp_path)

    print(report.text())
    nodes_killed = [name for name in report.kills if name.startswith("restate n")]
    assert nodes_killed, f"the sessions ended before a node was killed: {report.text()}"
    assert report.answered == report.messages == 30
    assert report.ok, report.text()
