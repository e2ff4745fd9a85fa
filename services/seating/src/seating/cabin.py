"""The cabin layout: premium rows and exit rows, read from cabin.json, and the `Cabin` service.

Which rows need a supervisor is data, not code: edit cabin.json to change them. Approvals read
it here; everyone else (the agent's FAQ) asks `Cabin/layout`, so each fact has one source.
"""

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

import restate
from restate import Context

from airline_contracts.formats import LETTERS, ROWS, normalize_seat, row_ranges
from airline_contracts.seating import CabinLayout

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
        return f"{normalize_seat(seat)} is in {where} (rows {row_ranges(rows)})"


@cache
def cabin() -> Cabin:
    """The layout shipped with the service (cabin.json)."""
    raw = json.loads(resources.files("seating").joinpath("cabin.json").read_text())
    return Cabin(frozenset(raw["premium_rows"]), frozenset(raw["exit_rows"]))


def needs_approval(seat: str) -> bool:
    """Whether moving into `seat` needs a supervisor's approval; InvalidSeat for bad codes."""
    return cabin().seat_class(seat) is not None


cabin_service = restate.Service("Cabin")


@cabin_service.handler()
async def layout(ctx: Context) -> CabinLayout:
    """The cabin layout: seat codes, premium rows and exit rows (the one source of them)."""
    found = cabin()
    return CabinLayout(
        rows=ROWS,
        letters=LETTERS,
        premium_rows=sorted(found.premium_rows),
        exit_rows=sorted(found.exit_rows),
    )
