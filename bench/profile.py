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


# Where a sample's time goes, by the top-level package of its innermost frame.
AREAS = {
    "pydantic": "pydantic validation / dumps (journal results, state)",
    "pydantic_core": "pydantic validation / dumps (journal results, state)",
    "json": "json",
    "agents": "Agents SDK (the agent loop)",
    "openai": "Agents SDK (the agent loop)",
    "restate": "restate SDK",
    "hypercorn": "hypercorn + h2 (HTTP/2 to restate-server)",
    "h2": "hypercorn + h2 (HTTP/2 to restate-server)",
    "hpack": "hypercorn + h2 (HTTP/2 to restate-server)",
    "priority": "hypercorn + h2 (HTTP/2 to restate-server)",
    "asyncio": "event loop, sockets",
    "selectors.py": "event loop, sockets",
    "airline_agent": "our agent code (offline model included)",
    "seating": "our service code",
    "invoicing": "our service code",
    "telemetry": "telemetry",
    "prometheus_client": "telemetry",
    "opentelemetry": "telemetry",
}


def _area(stack: list[str]) -> str:
    """The area of the innermost frame whose module is known."""
    for frame in reversed(stack):
        path = frame.rpartition(" (")[2].split(":")[0]
        area = AREAS.get(path.split("/")[0])
        if area is not None:
            return area
    return "other"


def summary(raw: Path, top: int = 20) -> str:
    """Samples by area, then the `top` frames by inclusive and by self samples, in percent."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    areas: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        full = stack.split(";")
        frames = [_short(f) for f in full]
        total += int(count)
        own[frames[-1]] += int(count)
        areas[_area(full)] += int(count)
        for frame in set(frames):
            inclusive[frame] += int(count)
    if not total:
        return "no samples\n"
    # Frames on (nearly) every stack (the event loop, main) say nothing.
    telling = [(f, n) for f, n in inclusive.most_common() if n < 0.9 * total][:top]
    lines = [f"{total} samples (py-spy, non-idle)", "", "self time by area (innermost frame)"]
    lines += [f"{100 * n / total:6.1f}  {a}" for a, n in areas.most_common()]
    lines += ["", "inclusive %  frame"]
    lines += [f"{100 * n / total:10.1f}  {f}" for f, n in telling]
    lines += ["", "self %  frame"]
    lines += [f"{100 * n / total:6.1f}  {f}" for f, n in own.most_common(top)]
    return "\n".join(lines) + "\n"
