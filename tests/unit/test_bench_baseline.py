"""`make bench --baseline REV`: an earlier commit's code runs side by side with today's."""

import os
import subprocess
import sys
from pathlib import Path

from bench import baseline, report
from bench.stacks import variant_stack


def test_the_baseline_processes_import_the_commits_code() -> None:
    # The commit before the restructure: its agent still had ordering.py, gone since.
    with baseline.checkout("a1101a9") as (commit, tree):
        assert commit == "a1101a9"
        env = {**os.environ, "PYTHONPATH": baseline.pythonpath(tree)}
        found = subprocess.run(
            [sys.executable, "-c", "import airline_agent.ordering as m; print(m.__file__)"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert found.returncode == 0, found.stderr
        assert Path(found.stdout.strip()).is_relative_to(tree)
    assert not tree.exists()  # the worktree is removed afterwards


def test_only_the_baseline_variant_runs_the_commits_code(tmp_path: Path) -> None:
    # One run builds every variant's stack with the baseline's sources at hand; "ours" next to
    # it must still run this checkout's code, or the two columns compare a commit with itself.
    code = "/tmp/baseline-tree/services/agent/src"
    for name in ("ours", "cluster", "baseline"):
        envs = variant_stack(name, tmp_path / name, code=code).config.per_service_env
        paths = {env.get("PYTHONPATH") for env in envs.values()}
        assert (code in paths) == (name == "baseline"), name


def test_the_table_shows_the_baseline_next_to_this_project() -> None:
    figures = {"cpu_agent_ms_per_turn": 17.5}
    results: report.Results = {"throughput": {"ours": figures, "baseline": {**figures}}}
    header, *rows = report.table(results, "a1101a9")

    assert header[1] == "this project" and header[-2] == "this project at a1101a9"
    (agent,) = [row for row in rows if row[0].strip() == "of which the agent process"]
    assert agent[1] == agent[-2] == "17.50"
    assert "this project at a1101a9" not in report.table(results)[0]
