"""One child process in its own session, signalled only by its own pid."""

import logging
import os
import signal
import subprocess
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from .errors import StackError
from .logs import LogSink
from .waiting import wait_for

logger = logging.getLogger(__name__)


class Child:
    """A restartable child process whose stdout and stderr go to a LogSink."""

    def __init__(self, name: str, logs: LogSink) -> None:
        self.name = name
        self.logs = logs
        self._proc: subprocess.Popen[bytes] | None = None
        self._pump: threading.Thread | None = None

    @property
    def pid(self) -> int | None:
        """The pid of the current (or last) process, None if never started."""
        return None if self._proc is None else self._proc.pid

    @property
    def running(self) -> bool:
        """Whether the process has been started and has not exited."""
        return self._proc is not None and self._proc.poll() is None

    @property
    def returncode(self) -> int | None:
        """The exit status once the process has exited (negative: killed by that signal)."""
        return None if self._proc is None else self._proc.poll()

    def spawn(self, argv: Sequence[str], env: Mapping[str, str], cwd: Path | None = None) -> None:
        """Start the process; refuse if the previous one is still running."""
        if self.running:
            raise StackError(f"{self.name} is already running (pid {self.pid})")
        # A new session keeps Ctrl-C in the terminal away from the children, so the
        # parent decides the shutdown order; it also keeps a pytest run from signalling them.
        proc = subprocess.Popen(
            list(argv),
            env=dict(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        assert proc.stdout is not None
        self._proc = proc
        self._pump = self.logs.attach(self.name, proc.stdout, f"--- started pid {proc.pid} ---")
        logger.info("started %s (pid %d)", self.name, proc.pid)

    def _sigkill(self, proc: "subprocess.Popen[bytes]", group: bool) -> None:
        """SIGKILL the process, or its whole process group (its session: it and its children)."""
        # Popen.send_signal polls first, so an already reaped pid (maybe reused) is never hit;
        # an unreaped process keeps its pid, which is also its process group's id.
        if group and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.send_signal(signal.SIGKILL)

    def kill(self, group: bool = False) -> None:
        """SIGKILL the process (a crash, as far as it can tell) and reap it.

        group: its children too (all of its process group), e.g. hypercorn's workers,
        which would otherwise keep serving after their parent died.
        """
        proc = self._proc
        if proc is None or proc.poll() is not None:
            self._reap_exited()
            return
        self._sigkill(proc, group)
        proc.wait()
        self._drain()
        self.logs.note(self.name, f"--- killed pid {proc.pid} (SIGKILL) ---")
        logger.info("killed %s (pid %d)", self.name, proc.pid)

    def stop(
        self, timeout: float, signum: signal.Signals = signal.SIGTERM, group: bool = False
    ) -> None:
        """Send signum (SIGTERM), wait up to timeout seconds, then SIGKILL the process.

        group: SIGKILL its whole process group, as kill(group=True) does.
        """
        proc = self._proc
        if proc is None or proc.poll() is not None:
            self._reap_exited()
            return
        proc.send_signal(signum)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            logger.warning(
                "%s (pid %d) ignored %s for %.0fs; killing it",
                self.name,
                proc.pid,
                signum.name,
                timeout,
            )
            self._sigkill(proc, group)
            proc.wait()
        self._drain()
        self.logs.note(self.name, f"--- stopped pid {proc.pid}, exit status {proc.returncode} ---")
        logger.info("stopped %s (pid %d, exit %s)", self.name, proc.pid, proc.returncode)

    def _reap_exited(self) -> None:
        """Record, once, that the process had already exited on its own (or by another hand)."""
        if self._proc is not None and self._pump is not None:
            self._drain()
            status = self._proc.returncode
            self.logs.note(self.name, f"--- pid {self._proc.pid} had exited, status {status} ---")

    def _drain(self) -> None:
        """Let the log pump copy the last lines before anyone reads the log file."""
        if self._pump is not None:
            self._pump.join(timeout=5)
            self._pump = None


class StackProcess(ABC):
    """A process of the stack (restate-server, a service) run as a Child: pid, state, restart.

    For dataclasses with `name` and `logs` fields; the Child is made after their __init__.
    """

    name: str
    logs: LogSink
    _child: Child

    def __post_init__(self) -> None:
        self._child = Child(self.name, self.logs)

    @property
    def pid(self) -> int | None:
        """Pid of the current (or last) process."""
        return self._child.pid

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self._child.running

    @property
    @abstractmethod
    def title(self) -> str:
        """What the process is, for messages ("restate-server", "service agent (...)")."""

    @abstractmethod
    def start(self) -> None:
        """Spawn the process; returns at once, see wait_ready."""

    @abstractmethod
    def wait_ready(self, timeout: float) -> None:
        """Block until the process serves; fail early if it died."""

    @abstractmethod
    def stop(self) -> None:
        """Ask the process to stop, SIGKILL it if it does not in time."""

    @abstractmethod
    def kill(self) -> None:
        """SIGKILL the process, as a crash would."""

    def restart(self, *, graceful: bool = True, timeout: float = 60.0) -> None:
        """Stop (or kill) and start again on the same ports and data, then wait until it serves."""
        if graceful:
            self.stop()
        else:
            self.kill()
        self.start()
        self.wait_ready(timeout)

    def _wait_serving(
        self, serving: Callable[[], bool], timeout: float, interval: float, what: str
    ) -> None:
        """Block until serving(); raise StackError, with the exit status, if the process died."""

        def serving_or_dead() -> bool:
            if not self._child.running:
                where = self.logs.path_for(self.name)
                hint = f"; see {where}" if where is not None else ""
                status = self._child.returncode
                raise StackError(f"{self.title} exited with status {status}{hint}")
            return serving()

        wait_for(serving_or_dead, timeout, interval, what)
