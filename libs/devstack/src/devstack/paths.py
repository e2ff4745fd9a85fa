"""Where the repository and the npm-installed restate-server binary are."""

import os
import platform
from pathlib import Path

from .errors import StackError

# Overrides the binary lookup, e.g. to try another restate-server build.
BINARY_ENV = "DEVSTACK_RESTATE_SERVER"

_NPM_SCOPE = Path("node_modules") / "@restatedev"


def repo_root() -> Path:
    """The repository root: the nearest ancestor with package.json, from cwd or this file."""
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for candidate in (start, *start.parents):
            if (candidate / "package.json").is_file() and (candidate / "libs").is_dir():
                return candidate
    raise StackError("cannot find the repository root (a directory with package.json and libs/)")


def _platform_package(tool: str = "restate-server") -> str:
    """The npm package with tool's binary for this machine, e.g. restate-server-linux-x64."""
    system = platform.system().lower()
    machine = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64"}.get(
        platform.machine().lower(), platform.machine().lower()
    )
    return f"{tool}-{system}-{machine}"


def find_binary(root: Path | None = None) -> Path:
    """The restate-server binary itself (not the node wrapper, whose child would outlive it)."""
    override = os.environ.get(BINARY_ENV)
    if override:
        path = Path(override)
        if not path.is_file():
            raise StackError(f"{BINARY_ENV}={override} does not point to a file")
        return path
    root = repo_root() if root is None else root
    return _npm_binary("restate-server", root)


def find_restatectl(root: Path | None = None) -> Path:
    """restatectl, the cluster administration tool (npm @restatedev/restatectl)."""
    return _npm_binary("restatectl", repo_root() if root is None else root)


def _npm_binary(tool: str, root: Path) -> Path:
    """The platform binary of an npm-installed Restate tool, or a StackError saying what to do."""
    path = root / _NPM_SCOPE / _platform_package(tool) / "bin" / tool
    if not path.is_file():
        raise StackError(f"{tool} not found at {path}; run `npm ci` in {root} first")
    return path
