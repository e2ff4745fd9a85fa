"""What the supervisors' desks (seat approvals, escalations) have in common on screen."""

from collections.abc import Callable, Sequence
from typing import TypeVar

Item = TypeVar("Item")


def age(seconds: float) -> str:
    """`45s`, `12m`, `3h 05m`, `2d 4h`: how long something has waited."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"
    return f"{seconds // 86400}d {seconds % 86400 // 3600}h"


def listing(items: Sequence[Item], noun: str, waiting: str, line: Callable[[Item], str]) -> str:
    """`no <noun>s waiting <waiting>`, or a count line and `line(item)` for each, oldest first."""
    count = len(items)
    if not count:
        return f"no {noun}s waiting {waiting}"
    lines = [f"{count} {noun}{'' if count == 1 else 's'} waiting {waiting}:"]
    lines.extend(line(item) for item in items)
    return "\n".join(lines)
