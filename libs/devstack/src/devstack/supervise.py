"""`make up` keeps the services up: a crashed one is started again, with backoff, and says so."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

FIRST_DELAY_S = 1.0
MAX_DELAY_S = 30.0
# Running this long after a restart counts as recovered: the next crash starts from FIRST_DELAY_S.
STABLE_S = 60.0


class Child(Protocol):
    """What the supervisor needs of a process it watches."""

    @property
    def running(self) -> bool: ...

    def start(self) -> None: ...


@dataclass
class _Watch:
    delay_s: float = FIRST_DELAY_S
    down_since: float | None = None
    restarted_at: float | None = None
    restarts: int = 0


@dataclass
class Supervisor:
    """Restarts children that exited; `check()` once in a while, it reports through `say`."""

    children: dict[str, Child]
    say: Callable[[str], None]
    clock: Callable[[], float] = time.monotonic
    _watches: dict[str, _Watch] = field(default_factory=dict)

    def check(self) -> None:
        """Start again each child that is down and whose backoff has passed."""
        now = self.clock()
        for name, child in self.children.items():
            watch = self._watches.setdefault(name, _Watch())
            if child.running:
                stable = watch.restarted_at is not None and now - watch.restarted_at >= STABLE_S
                if stable:
                    watch.delay_s, watch.restarted_at = FIRST_DELAY_S, None
                watch.down_since = None
                continue
            if watch.down_since is None:
                watch.down_since = now
                self.say(f"devstack: {name} exited; starting it again in {watch.delay_s:g} s")
                continue
            if now - watch.down_since < watch.delay_s:
                continue
            watch.restarts += 1
            watch.down_since, watch.restarted_at = None, now
            watch.delay_s = min(MAX_DELAY_S, watch.delay_s * 2)
            try:
                child.start()
            except OSError as error:
                self.say(f"devstack: {name} could not be started: {error}")
                continue
            self.say(f"devstack: {name} started again (restart {watch.restarts})")
