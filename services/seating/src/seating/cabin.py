"""The cabin layout that matters for approvals: premium rows and exit rows, read from cabin.json.

Which rows need a supervisor is data, not code: edit cabin.json to change them.
"""

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from airline_contracts.formats import normalize_seat

SeatClass = Literal["premium", "exit"]


@dataclass(frozen=True)
class Cabin:
    """Rows whose seats need approval."""

    premium_rows: frozenset[int]
    exit_rows: frozenset[int]

    def seat_class(self, seat: str) -> SeatClass | None:
        """ "premium" or "exit" for a seat that needs approval, None for any other seat."""
        row = int(normalize_seat(seat)[:-1])
        if row in self.premium_rows:
            return "premium"
        if row in self.exit_rows:
            return "exit"
        return None

    def describe(self, seat: str) -> str:
        """Why a seat needs approval, for the customer ("2A is in a premium row (rows 1-4)")."""
        kind = self.seat_class(seat)
        if kind is None:
            return f"{normalize_seat(seat)} needs no approval"
        rows = self.premium_rows if kind == "premium" else self.exit_rows
        where = "a premium row" if kind == "premium" else "an exit row"
        return f"{normalize_seat(seat)} is in {where} (rows {_ranges(rows)})"


def _ranges(rows: frozenset[int]) -> str:
    """`1-4, 18-19` for {1, 2, 3, 4, 18, 19}."""
    spans: list[list[int]] = []
    for row in sorted(rows):
        if spans and row == spans[-1][1] + 1:
            spans[-1][1] = row
        else:
            spans.append([row, row])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


@cache
def cabin() -> Cabin:
    """The layout shipped with the service (cabin.json)."""
    raw = json.loads(resources.files("seating").joinpath("cabin.json").read_text())
    return Cabin(frozenset(raw["premium_rows"]), frozenset(raw["exit_rows"]))


def needs_approval(seat: str) -> bool:
    """Whether moving into `seat` needs a supervisor's approval; InvalidSeat for bad codes."""
    return cabin().seat_class(seat) is not None
