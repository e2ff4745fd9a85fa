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
