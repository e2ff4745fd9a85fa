"""The architecture as rules (pyproject's [tool.importlinter]), and proof that they bite.

Services share wire contracts (libs/contracts), never code; the runtime library (libs/
durable_agents) imports nothing of the airline; no package has an import cycle.
"""

import ast
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


# What the runtime library's own tests and examples may import besides the library, the SDKs
# and the standard library: devstack runs their restate-server, nothing airline.
AIRLINE = {"airline_agent", "airline_client", "airline_contracts", "invoicing", "seating"}
NOT_IN_LIBRARY_TESTS = AIRLINE | {"telemetry", "tests"}


def imported_roots(path: Path) -> set[str]:
    """The top-level packages a Python file imports (absolute imports only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_the_library_tests_and_examples_import_nothing_of_the_airline() -> None:
    library = ROOT / "libs" / "durable_agents"
    files = sorted([*(library / "tests").rglob("*.py"), *(library / "examples").rglob("*.py")])
    assert any(f.name == "weather_service.py" for f in files), files
    found = {str(f.relative_to(ROOT)): imported_roots(f) & NOT_IN_LIBRARY_TESTS for f in files}
    assert {name: roots for name, roots in found.items() if roots} == {}


def test_the_import_check_sees_an_airline_import(tmp_path: Path) -> None:
    module = tmp_path / "service.py"
    module.write_text("import os\nfrom seating.booking import create\nfrom . import local\n")
    assert imported_roots(module) == {"os", "seating"}
