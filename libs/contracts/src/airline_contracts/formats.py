"""Identifiers as they travel between services: confirmation numbers, seat codes, request ids."""

import re
from collections.abc import Iterable

CONFIRMATION = re.compile(r"^[A-Z0-9]{4,8}$")
APPROVAL_ID = re.compile(r"^APR-[0-9A-F]{8}$")
# Every flight in the seed fleet is a narrow-body jet: rows 1-30, seats A-F.
ROWS = 30
LETTERS = "ABCDEF"
_SEAT = re.compile(r"^\s*(\d{1,2})\s*([A-Za-z])\s*$")


def confirmation_number(raw: str) -> str | None:
    """The confirmation number in canonical form ("ab 4568" -> "AB4568"), or None."""
    number = "".join(raw.split()).upper()
    return number if CONFIRMATION.match(number) else None


def not_a_confirmation(raw: str) -> str:
    """Why `raw` is no confirmation number, for the customer."""
    shown = raw if len(raw) <= 20 else raw[:20] + "..."
    return (
        f"'{shown}' is not a confirmation number: they are 4-8 letters and digits, "
        "like AB4568. Ask the customer for the number on their ticket."
    )


class InvalidSeat(ValueError):
    """A seat code that does not exist on the aircraft."""


def normalize_seat(code: str) -> str:
    """Return the canonical seat code ("10b" -> "10B") or raise InvalidSeat with the reason."""
    match = _SEAT.match(code)
    if match is None:
        raise InvalidSeat(f"'{code}' is not a seat code; seats look like 12C (row 1-{ROWS}, A-F).")
    row, letter = int(match.group(1)), match.group(2).upper()
    if not 1 <= row <= ROWS or letter not in LETTERS:
        raise InvalidSeat(f"Seat {row}{letter} does not exist: rows are 1-{ROWS}, seats A-F.")
    return f"{row}{letter}"


def row_ranges(rows: Iterable[int]) -> str:
    """Rows as people write them: `1-4, 18-19` for {1, 2, 3, 4, 18, 19}."""
    spans: list[list[int]] = []
    for row in sorted(set(rows)):
        if spans and row == spans[-1][1] + 1:
            spans[-1][1] = row
        else:
            spans.append([row, row])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)
