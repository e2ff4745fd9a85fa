"""Pumps each child's output, line by line, to an echo stream and/or one file per process."""

import logging
import threading
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TextIO

logger = logging.getLogger(__name__)

# Wide enough for "[invoicing]", so the echoed lines of all children line up.
_PREFIX_WIDTH = 12


@dataclass
class LogSink:
    """Where children's output goes: an optional shared echo stream and/or a file per process."""

    echo: TextIO | None = None
    directory: Path | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def ansi(self) -> bool:
        """Whether children may colour their output: only when it goes to a terminal alone."""
        return self.directory is None and self.echo is not None and self.echo.isatty()

    def path_for(self, name: str) -> Path | None:
        """The file that collects the output of the process called name, if files are kept."""
        return None if self.directory is None else self.directory / f"{name}.log"

    def attach(self, name: str, stream: IO[bytes], header: str = "") -> threading.Thread:
        """Start a daemon thread copying stream to this sink until EOF (the child exited)."""
        if self.directory is not None:
            self.directory.mkdir(parents=True, exist_ok=True)
        thread = threading.Thread(
            target=self._pump, args=(name, stream, header), name=f"devstack-log-{name}", daemon=True
        )
        thread.start()
        return thread

    def note(self, name: str, text: str) -> None:
        """Add a line of devstack's own (e.g. that the process was killed) to name's output."""
        path = self.path_for(name)
        file = path.open("a", encoding="utf-8") if path is not None else None
        try:
            self._write(file, f"[{name}]".ljust(_PREFIX_WIDTH), text)
        finally:
            if file is not None:
                file.close()

    def tail(self, name: str, lines: int = 40) -> list[str]:
        """The last lines of the file of the process called name (empty without files)."""
        path = self.path_for(name)
        if path is None or not path.exists():
            return []
        with path.open(encoding="utf-8", errors="replace") as file:
            return [line.rstrip("\n") for line in deque(file, maxlen=lines)]

    def _pump(self, name: str, stream: IO[bytes], header: str) -> None:
        """Copy lines from stream until EOF, the child's exit."""
        path = self.path_for(name)
        # Append, so that restarts of the same process keep adding to one file.
        file = path.open("a", encoding="utf-8") if path is not None else None
        prefix = f"[{name}]".ljust(_PREFIX_WIDTH)
        try:
            if header:
                self._write(file, prefix, header)
            # Keep reading even when nothing is written anymore: a child blocked on a
            # full pipe would hang.
            for raw in iter(stream.readline, b""):
                self._write(file, prefix, raw.decode("utf-8", errors="replace").rstrip("\r\n"))
        finally:
            stream.close()
            if file is not None:
                file.close()

    def _write(self, file: IO[str] | None, prefix: str, line: str) -> None:
        """Write one line to the file (as is) and to the echo stream (prefixed)."""
        if file is not None:
            file.write(line + "\n")
            # Flushed per line so a test failure report sees everything up to now.
            file.flush()
        echo = self.echo
        if echo is None:
            return
        with self._lock:
            try:
                echo.write(prefix + line + "\n")
                echo.flush()
            except (OSError, ValueError):
                # A closed pipe (`devstack up | head`) or a closed stream at interpreter
                # exit: stop echoing, the children must still be drained.
                logger.debug("echo stream failed; no longer echoing", exc_info=True)
                self.echo = None
