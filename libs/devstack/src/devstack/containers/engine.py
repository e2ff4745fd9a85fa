"""The Docker engine: installed from Debian's packages and started when missing, stopped by us
only when we started it.

The machines this project runs on have no Docker daemon running and no compose v2 plugin;
Debian bookworm has `docker.io` (dockerd 20.10) and `docker-compose` (1.29). Where a daemon
already answers (a developer's Docker Desktop, a CI runner with Docker), it is used as it is.
"""

import logging
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import StackError

logger = logging.getLogger(__name__)

# The Debian packages that bring the daemon (with containerd, runc) and compose 1.29.
ENGINE_PACKAGES = ("docker.io",)
COMPOSE_PACKAGES = ("docker-compose",)
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0


def run(argv: list[str], timeout: float = 120.0, check: bool = True) -> str:
    """Run a command, return its stdout; StackError with its stderr when it fails."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except FileNotFoundError:
        raise StackError(f"{argv[0]} is not installed") from None
    except subprocess.TimeoutExpired:
        raise StackError(f"`{' '.join(argv)}` did not finish within {timeout:.0f}s") from None
    if check and done.returncode != 0:
        raise StackError(f"`{' '.join(argv)}` failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


def daemon_answers() -> bool:
    """Whether a Docker daemon answers the CLI."""
    if shutil.which("docker") is None:
        return False
    done = subprocess.run(
        ["docker", "version", "--format", "{{.Server.Version}}"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return done.returncode == 0 and bool(done.stdout.strip())


def apt_install(packages: tuple[str, ...]) -> None:
    """Install Debian packages (needs root, as on CI and the project's machines)."""
    if shutil.which("apt-get") is None:
        raise StackError(f"install {' '.join(packages)} (no apt-get here to do it)")
    if os.geteuid() != 0:
        raise StackError(f"install {' '.join(packages)} as root: apt-get install ...")
    logger.info("installing %s (apt-get)", " ".join(packages))
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for argv in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
    ):
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            raise StackError(f"`{' '.join(argv)}` failed: {done.stderr.strip()[-2000:]}")


@dataclass
class Engine:
    """A Docker daemon that answers; `pid` is set when this process started it."""

    pid: int | None = None
    log_path: Path | None = None

    @property
    def started_here(self) -> bool:
        """Whether stop() will stop the daemon (we started it)."""
        return self.pid is not None

    def stop(self) -> None:
        """Stop the daemon if we started it (SIGTERM, then wait); otherwise leave it alone."""
        if self.pid is None:
            return
        pid, self.pid = self.pid, None
        logger.info("stopping dockerd (pid %d), which this run started", pid)
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while time.monotonic() < deadline:
            if not _alive(pid):
                return
            time.sleep(0.2)
        logger.warning(
            "dockerd (pid %d) did not stop within %.0fs; killing it", pid, STOP_TIMEOUT_S
        )
        os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    """Whether pid is a live process (a zombie child counts as gone once reaped)."""
    try:
        reaped, _ = os.waitpid(pid, os.WNOHANG)
        if reaped == pid:
            return False
    except ChildProcessError:
        pass  # not our child: fall back to the signal probe
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def ensure_engine(log_path: Path) -> Engine:
    """A Docker daemon that answers: the running one, or dockerd installed and started now.

    A daemon started here runs in its own session (so Ctrl-C in a terminal does not reach it)
    and logs to log_path; Engine.stop() stops it again.
    """
    if daemon_answers():
        return Engine()
    if shutil.which("dockerd") is None:
        apt_install(ENGINE_PACKAGES)
    if daemon_answers():  # the package's own start-up, where there is an init system
        return Engine()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            ["dockerd"],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    engine = Engine(pid=proc.pid, log_path=log_path)
    deadline = time.monotonic() + START_TIMEOUT_S
    while not daemon_answers():
        if proc.poll() is not None or time.monotonic() > deadline:
            engine.stop()
            tail = log_path.read_text(errors="replace")[-2000:]
            raise StackError(f"dockerd did not start (log {log_path}):\n{tail}")
        time.sleep(0.5)
    logger.info("started dockerd (pid %d), log %s", proc.pid, log_path)
    return engine


def ensure_compose() -> list[str]:
    """The compose command: `docker compose` (v2) if the plugin is there, else docker-compose."""
    done = subprocess.run(
        ["docker", "compose", "version"], capture_output=True, text=True, timeout=30, check=False
    )
    if done.returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose") is None:
        apt_install(COMPOSE_PACKAGES)
    return ["docker-compose"]
