"""py-spy on a service process while a scenario runs, summarised to the functions that cost.

`py-spy record --format raw` writes collapsed stacks ("frame;frame;frame count"); the summary
lists the frames with the most samples, inclusive (on the stack) and self (at the top).
"""

import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

PY_SPY = Path(sys.executable).parent / "py-spy"


class Profiler:
    """A py-spy record of one pid, until stop()."""

    def __init__(self, pid: int, raw: Path, rate: int = 250) -> None:
        self.raw = raw
        raw.parent.mkdir(parents=True, exist_ok=True)
        self._proc = subprocess.Popen(
            [
                str(PY_SPY),
                "record",
                "--pid",
                str(pid),
                "--rate",
                str(rate),
                "--format",
                "raw",
                "--output",
                str(raw),
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        """Make py-spy write its file and exit."""
        self._proc.send_signal(signal.SIGINT)
        try:
            self._proc.wait(30)
        except subprocess.TimeoutExpired:
            self._proc.kill()


def _short(frame: str) -> str:
    # "func (path/to/module.py:12)" -> "func (module.py:12)"
    name, _, where = frame.partition(" (")
    return f"{name} ({where.rsplit('/', 1)[-1]}" if where else name


def summary(raw: Path, top: int = 25) -> str:
    """The `top` frames by inclusive and by self samples, in percent of all samples."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [_short(f) for f in stack.split(";")]
        total += int(count)
        own[frames[-1]] += int(count)
        for frame in set(frames):
            inclusive[frame] += int(count)
    if not total:
        return "no samples\n"
    lines = [f"{total} samples", "", "inclusive %  frame"]
    lines += [f"{100 * n / total:10.1f}  {f}" for f, n in inclusive.most_common(top)]
    lines += ["", "self %  frame"]
    lines += [f"{100 * n / total:6.1f}  {f}" for f, n in own.most_common(top)]
    return "\n".join(lines) + "\n"
