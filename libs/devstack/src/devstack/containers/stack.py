"""The compose stack brought up for real: engine, images, `up`, the register job, health."""

import logging
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from ..errors import StackError
from ..paths import repo_root
from .engine import Engine, daemon_answers, ensure_compose, ensure_engine
from .project import ComposeProject
from .standins import ImageReport, ensure_images, images_of

logger = logging.getLogger(__name__)

DEFAULT_FILE = Path("compose") / "compose.yaml"
DEFAULT_PROJECT = "durable-airline"
REGISTER_JOB = "register"
UP_TIMEOUT_S = 1800.0  # a cold build of every image included
READY_TIMEOUT_S = 600.0  # generous: a loaded host starts containers slowly


def dockerfiles(compose_files: Sequence[Path]) -> list[Path]:
    """The Dockerfiles the compose files build from."""
    found = []
    for path in compose_files:
        document = yaml.safe_load(path.read_text()) or {}
        for service in (document.get("services") or {}).values():
            build = service.get("build")
            if isinstance(build, dict):
                context = (path.parent / build.get("context", ".")).resolve()
                dockerfile = context / build.get("dockerfile", "Dockerfile")
                if dockerfile not in found:
                    found.append(dockerfile)
    return found


class ContainerStack:
    """A compose project on a Docker engine that this object makes sure is there."""

    def __init__(
        self,
        files: Sequence[Path] | None = None,
        name: str = DEFAULT_PROJECT,
        env: Mapping[str, str] | None = None,
        work_dir: Path | None = None,
    ) -> None:
        self.root = repo_root()
        self.files = [Path(f).resolve() for f in files or [self.root / DEFAULT_FILE]]
        self.name = name
        self.env = dict(env or {})
        self.work_dir = work_dir or self.root / ".stack" / "containers"
        self.engine: Engine | None = None
        self.project: ComposeProject | None = None
        self.images: ImageReport | None = None
        self.skipped: list[str] = []  # services whose image is not available here

    def attach(self) -> ComposeProject | None:
        """The project on an engine that already runs (to stop it), None if none answers."""
        if not daemon_answers():
            return None
        self.project = ComposeProject(ensure_compose(), self.files, self.name, self.env)
        return self.project

    def prepare(self) -> ComposeProject:
        """Engine running, compose installed, every image available or its service skipped."""
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.engine = ensure_engine(self.work_dir / "dockerd.log")
        command = ensure_compose()
        self.images = ensure_images(
            images_of(self.files, dockerfiles(self.files)), self.root, self.work_dir
        )
        logger.info("images:\n%s", self.images.summary())
        self.project = ComposeProject(command, self.files, self.name, self.env)
        document: dict[str, Any] = {}
        for path in self.files:  # later files override earlier ones, as in compose
            for name, service in (yaml.safe_load(path.read_text()).get("services") or {}).items():
                document.setdefault(name, {}).update(service)
        self.skipped = [
            name
            for name, service in document.items()
            if service.get("image") in self.images.unavailable and "build" not in service
        ]
        return self.project

    @property
    def services(self) -> list[str]:
        """The services that run here (all but those without an image)."""
        return [s for s in self._project.services() if s not in self.skipped]

    @property
    def _project(self) -> ComposeProject:
        if self.project is None:
            raise StackError("call prepare() first")
        return self.project

    def up(self, scale: Mapping[str, int] | None = None, build: bool = True) -> None:
        """`up -d` every runnable service (scaled), then wait until the register job is done."""
        args = ["up", "-d", *(["--build"] if build else [])]
        for service, count in (scale or {}).items():
            args += ["--scale", f"{service}={count}"]
        self._project.run(*args, *self.services, timeout=UP_TIMEOUT_S)
        self.wait_registered()
        self.wait_healthy()

    def wait_registered(self, timeout: float = READY_TIMEOUT_S) -> None:
        """Wait for the one-shot register job to exit; StackError with its log unless it is 0."""
        if REGISTER_JOB not in self.services:
            return
        deadline = time.monotonic() + timeout
        while True:
            states = [self._project.inspect(c)["State"] for c in self.containers(REGISTER_JOB)]
            if states and all(s["Status"] == "exited" for s in states):
                codes = [s["ExitCode"] for s in states]
                if any(codes):
                    log = self._project.run("logs", "--no-color", REGISTER_JOB, check=False)
                    raise StackError(f"the register job exited {codes}:\n{log[-3000:]}")
                return
            if time.monotonic() > deadline:
                raise StackError(f"the register job did not finish within {timeout:.0f}s")
            time.sleep(1)

    def containers(self, service: str | None = None) -> list[str]:
        """Container ids of the project, of one service if given."""
        return self._project.containers(service)

    def health(self) -> dict[str, str]:
        """Each long-running container's name and state: healthy, running (no check), ..."""
        states = {}
        for container in self.containers():
            info = self._project.inspect(container)
            service = info["Config"]["Labels"].get("com.docker.compose.service", "")
            if service == REGISTER_JOB:
                continue
            state = info["State"]
            health = state.get("Health", {}).get("Status")
            states[info["Name"].lstrip("/")] = health or state["Status"]
        return states

    def wait_healthy(self, timeout: float = READY_TIMEOUT_S) -> dict[str, str]:
        """Wait until every container is healthy (or running, where it has no healthcheck)."""
        deadline = time.monotonic() + timeout
        while True:
            states = self.health()
            if states and all(s in ("healthy", "running") for s in states.values()):
                return states
            if time.monotonic() > deadline:
                raise StackError(f"not every container became healthy: {states}")
            time.sleep(1)

    def down(self, volumes: bool = False) -> None:
        """`down` (with `-v`: the volumes too); the engine stays up (see stop_engine)."""
        if self.project is None:
            return
        self.project.run("down", "--remove-orphans", *(["-v"] if volumes else []), timeout=300)

    def stop_engine(self) -> None:
        """Stop dockerd if prepare() started it."""
        if self.engine is not None:
            self.engine.stop()
        if self.project is not None:
            self.project.close()
