"""`--baseline REV`: the same scenarios against the code of an earlier commit, in the same run.

The commit is checked out into a temporary git worktree; its services, libraries and test
support come first on the PYTHONPATH of its stack's processes, so they run that commit's code
with this checkout's interpreter and third-party packages (the same versions; a baseline whose
dependencies differ is refused, since its figures would not compare code alone).
"""

import logging
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from devstack import repo_root

logger = logging.getLogger("bench")

# Where a tree keeps the packages its processes import.
SOURCE_DIRS = ("services/*/src", "libs/*/src", "client/src", "tests/support")


def _git(*args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo_root()), *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def _locked(rev: str, package: str) -> str:
    """The version uv.lock pins for a package at rev ("" if it pins none)."""
    lock = _git("show", f"{rev}:uv.lock").splitlines()
    for number, line in enumerate(lock):
        if line == f'name = "{package}"' and number + 1 < len(lock):
            return lock[number + 1]
    return ""


# What the agent's figures depend on besides its own code.
PINNED = ("openai-agents", "restate-sdk", "openai", "pydantic", "hypercorn", "prometheus-client")


@contextmanager
def checkout(rev: str) -> Iterator[tuple[str, Path]]:
    """The commit's short id and a worktree of it, removed afterwards."""
    commit = _git("rev-parse", "--short", f"{rev}^{{commit}}")
    differ = [p for p in PINNED if _locked(commit, p) != _locked("HEAD", p)]
    if differ:
        raise SystemExit(f"baseline {commit} pins other versions of {', '.join(differ)}")
    with tempfile.TemporaryDirectory(prefix=f"bench-baseline-{commit}-") as parent:
        tree = Path(parent) / "tree"
        _git("worktree", "add", "--detach", str(tree), commit)
        logger.info("baseline %s checked out in %s", commit, tree)
        try:
            yield commit, tree
        finally:
            _git("worktree", "remove", "--force", str(tree))


def pythonpath(tree: Path) -> str:
    """The tree's source directories, for PYTHONPATH (ahead of this checkout's packages)."""
    found = sorted(str(d) for pattern in SOURCE_DIRS for d in tree.glob(pattern) if d.is_dir())
    return ":".join(found)
