"""A compose project: the files, a project name, the compose command that runs them.

The compose files are written for Docker Compose v2 (the compose spec). Where only Debian's
docker-compose 1.29 exists, each file is handed to it as a rendered copy without the two newer
keys it rejects: the top-level `name` (the project name is passed with `-p` instead) and
`env_file` entries in the long form `{path, required: false}` (kept as a plain path when the
file exists, dropped when it does not, which is what `required: false` means).
"""

import json
import logging
import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from ..errors import StackError

logger = logging.getLogger(__name__)


def compose_for_1_29(compose: dict[str, Any], project_dir: Path) -> dict[str, Any]:
    """The compose document without the keys docker-compose 1.29 does not know."""
    legacy = {key: value for key, value in compose.items() if key != "name"}
    services = {}
    for name, service in (compose.get("services") or {}).items():
        service = dict(service)
        env_files = service.pop("env_file", None)
        if env_files is not None:
            kept = []
            for entry in env_files if isinstance(env_files, list) else [env_files]:
                path = entry["path"] if isinstance(entry, dict) else entry
                optional = isinstance(entry, dict) and entry.get("required") is False
                if not optional or (project_dir / path).is_file():
                    kept.append(path)
            if kept:
                service["env_file"] = kept
        services[name] = service
    if services:
        legacy["services"] = services
    return legacy


def _is_v1(command: Sequence[str]) -> bool:
    """Whether the compose command is docker-compose 1.x (python), which needs the rendering."""
    if list(command) == ["docker", "compose"]:
        return False
    done = subprocess.run(
        [*command, "version", "--short"], capture_output=True, text=True, timeout=30, check=False
    )
    return done.stdout.strip().startswith("1.")


class ComposeProject:
    """One project (name + files) driven by the compose CLI; every call is bounded in time."""

    def __init__(
        self,
        command: Sequence[str],
        files: Sequence[Path],
        name: str,
        env: Mapping[str, str] | None = None,
    ) -> None:
        if not files:
            raise StackError("a compose project needs at least one compose file")
        self.command = list(command)
        self.files = [Path(f).resolve() for f in files]
        self.name = name
        # Interpolation variables (ports, ...) on top of this process's environment.
        self.env = {**os.environ, **(env or {})}
        # Relative paths in the files are relative to the first file's folder, as in compose v2.
        self.project_dir = self.files[0].parent
        self._rendered: tempfile.TemporaryDirectory[str] | None = None
        self._argv_files = self._files_for(self.command)

    def _files_for(self, command: Sequence[str]) -> list[str]:
        if not _is_v1(command):
            return [str(f) for f in self.files]
        self._rendered = tempfile.TemporaryDirectory(prefix=f"compose-{self.name}-")
        rendered = []
        for i, path in enumerate(self.files):
            document = yaml.safe_load(path.read_text()) or {}
            copy = Path(self._rendered.name) / f"{i}-{path.name}"
            copy.write_text(yaml.safe_dump(compose_for_1_29(document, self.project_dir)))
            rendered.append(str(copy))
        return rendered

    def argv(self, *args: str) -> list[str]:
        """The full command line for a compose subcommand of this project."""
        files = [arg for f in self._argv_files for arg in ("-f", f)]
        return [
            *self.command,
            "--project-directory",
            str(self.project_dir),
            "-p",
            self.name,
            *files,
            *args,
        ]

    def run(self, *args: str, timeout: float = 600.0, check: bool = True) -> str:
        """Run a compose subcommand; returns stdout, StackError (with stderr) if it fails."""
        logger.info("compose %s", " ".join(args))
        try:
            done = subprocess.run(
                self.argv(*args),
                env=self.env,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise StackError(f"compose {' '.join(args)} took over {timeout:.0f}s") from None
        if check and done.returncode != 0:
            raise StackError(f"compose {' '.join(args)} failed:\n{done.stderr.strip()[-4000:]}")
        return done.stdout

    def services(self) -> list[str]:
        """The services the files declare."""
        return self.run("config", "--services").split()

    def containers(self, service: str | None = None, all_states: bool = True) -> list[str]:
        """Container ids of the project (of one service), running or not."""
        filters = [f"label=com.docker.compose.project={self.name}"]
        if service:
            filters.append(f"label=com.docker.compose.service={service}")
        argv = ["docker", "ps", "-q", *(["-a"] if all_states else [])]
        for f in filters:
            argv += ["--filter", f]
        return _docker(argv).split()

    def inspect(self, container: str) -> dict[str, Any]:
        """`docker inspect` of one container."""
        return json.loads(_docker(["docker", "inspect", container]))[0]

    def close(self) -> None:
        """Remove the rendered copies."""
        if self._rendered is not None:
            self._rendered.cleanup()
            self._rendered = None


def _docker(argv: list[str], timeout: float = 60.0) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise StackError(f"`{' '.join(argv)}` failed: {done.stderr.strip()}")
    return done.stdout
