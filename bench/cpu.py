"""CPU seconds of processes, from /proc/<pid>/stat (user + system, children's included)."""

import os
from collections.abc import Iterable

_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as file:
            raw = file.read()
    except OSError:
        return None
    # The command name (field 2) may hold spaces; the fields after it are plain.
    return raw[raw.rindex(")") + 2 :].split()


def _children(pid: int) -> list[int]:
    """Direct and indirect children of pid (hypercorn workers, the npm wrapper's child)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat(int(entry))) is not None:
            parents.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def cpu_seconds(pids: Iterable[int | None]) -> float:
    """utime + stime of each pid and every live descendant, in seconds."""
    ticks = 0
    for pid in pids:
        if pid is None:
            continue
        for member in [pid, *_children(pid)]:
            fields = _stat(member)
            if fields is not None:
                # utime, stime are fields 14 and 15 of stat (11 and 12 after the name).
                ticks += int(fields[11]) + int(fields[12])
    return ticks / _TICKS
