"""The architecture as rules (pyproject's [tool.importlinter]), and proof that they bite.

Services share wire contracts (libs/contracts), never code; the runtime library (libs/
durable_agents) imports nothing of the airline; no package has an import cycle.
"""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": str(LINT_IMPORTS.parent), "PYTHONPATH": str(pythonpath or "")}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def test_the_tree_keeps_every_rule() -> None:
    result = _lint()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _copy_with(tmp_path: Path, package: str, module: str, line: str) -> Path:
    """Copies of every checked package, `line` added to `package/module`, to shadow the real."""
    for source in (ROOT / "services").glob("*/src/*"):
        shutil.copytree(source, tmp_path / source.name)
    for source in [*(ROOT / "libs").glob("*/src/*"), *(ROOT / "client" / "src").glob("*")]:
        if source.is_dir():
            shutil.copytree(source, tmp_path / source.name)
    target = tmp_path / package / module
    target.write_text(target.read_text() + f"\n{line}\n")
    return tmp_path


def test_an_agent_importing_seating_breaks_the_rule(tmp_path: Path) -> None:
    copies = _copy_with(tmp_path, "airline_agent", "tools.py", "import seating.booking")
    result = _lint(copies)
    assert result.returncode != 0
    assert "Services share wire contracts, never code BROKEN" in result.stdout, result.stdout


def test_the_runtime_importing_the_airline_or_a_cycle_breaks_the_rules(tmp_path: Path) -> None:
    copies = _copy_with(tmp_path, "durable_agents", "batch.py", "import durable_agents.tools")
    (copies / "durable_agents" / "session.py").write_text(
        (copies / "durable_agents" / "session.py").read_text() + "\nimport telemetry\n"
    )
    result = _lint(copies)
    assert "The runtime library knows nothing of the airline BROKEN" in result.stdout
    assert "No import cycles inside a package BROKEN" in result.stdout, result.stdout
