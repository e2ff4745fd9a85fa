"""From what the customer asked to tool calls: each call carries its own booking, name and seat.

A request (meaning.py) gathers its details over the message that made it and the answers that
followed. It becomes calls only when every detail is known and belongs to one booking; otherwise
the customer gets one precise question and nothing is done. Never a guess, never a cross-over:
a detail given for one booking is never used for another.
"""

from dataclasses import dataclass, field
from typing import Any

from airline_contracts.formats import ROWS

from .meaning import Kind, Message, Request, read

TOOLS = {"seat": "update_seat", "invoice": "send_invoice", "lookup": "booking_details"}
WHICH_SEAT = f"Which seat would you like? Seats look like 12C (rows 1-{ROWS}, seats A-F)."


@dataclass
class Plan:
    """The calls to make, in the customer's order, or the question to ask instead."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    question: str | None = None


@dataclass
class _Details:
    """What the request's messages said, merged: the latest word wins."""

    requests: list[Request]
    numbers: list[str]
    names: dict[str, str]
    name: str | None


def _merge(first: Message, answers: list[str]) -> _Details:
    details = _Details(list(first.requests), list(first.numbers), dict(first.names), first.name)
    for text in answers:
        answer = read(text)
        details.names |= answer.names
        details.name = answer.name or details.name
        details.numbers += [n for n in answer.numbers if n not in details.numbers]
        _fill(details.requests, answer.numbers, "numbers")
        _fill([r for r in details.requests if r.kind == "seat"], answer.seats, "seats")
    return details


def _fill(requests: list[Request], values: list[Any], field: str) -> None:
    """Give an answer's numbers (or seats) to the requests that lack them: one value to all,
    as many values as requests one each; with none lacking, the one request takes them."""
    if not values:
        return
    lacking = [r for r in requests if not getattr(r, field)]
    if len(lacking) > 1 and len(values) == len(lacking):
        for request, value in zip(lacking, values, strict=True):
            setattr(request, field, [value])
    elif lacking:
        for request in lacking:
            setattr(request, field, list(values))
    elif len(requests) == 1:
        setattr(requests[0], field, list(values))  # the customer corrected it


def _and(items: list[str], word: str = "and") -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {word} " + items[-1]


def _what(request: Request) -> str:
    if request.kind == "seat":
        seats = [s.code for s in request.seats]
        return f"change the seat to {_and(seats)}" if seats else "change your seat"
    return "send the invoice" if request.kind == "invoice" else "tell you your seat"


def plan(
    first: str,
    answers: list[str],
    proven: dict[str, str],
    kinds: set[str] | None = None,
    default: Kind | None = None,
) -> Plan:
    """The calls for the request made in `first` and completed by `answers`, or a question.

    `proven`: bookings whose owner the customer proved earlier (number -> last name); a request
    that names no booking uses the only one of them, and a proven booking needs no name again.
    `default`: what a message that names no action asks for (the specialist's own kind).
    """
    message = read(first)
    if default and not any(kinds is None or r.kind in kinds for r in message.requests):
        seats = message.seats if default == "seat" else []
        message.requests = [Request(default, list(message.numbers), list(seats))]
    details = _merge(message, answers)
    requests = [r for r in details.requests if kinds is None or r.kind in kinds]
    if not requests:
        return Plan()
    invalid = [s.error for r in requests for s in r.seats if s.error]
    if invalid:
        return Plan(question=" ".join(dict.fromkeys(invalid)) + " Which seat would you like?")
    named = list(dict.fromkeys(details.numbers))
    for request in requests:
        if not request.numbers:
            if len(named) == 1:
                request.numbers = list(named)
            elif not named and len(proven) == 1:
                request.numbers = list(proven)
    unnamed = [r for r in requests if not r.numbers]
    if unnamed:
        return Plan(question=_ask_booking(unnamed, named or list(proven)))
    for request in requests:
        if request.kind == "seat":
            problem = _seat_problem(request)
            if problem:
                return Plan(question=problem)
    numbers = list(dict.fromkeys(n for r in requests for n in r.numbers))
    names = _names(numbers, details, proven)
    missing = [n for n in numbers if n not in names]
    if missing:
        whats = _and(
            list(dict.fromkeys(_what(r) for r in requests if set(r.numbers) & set(missing)))
        )
        return Plan(question=ask_last_name(whats, missing))
    return Plan(calls=[call for r in requests for call in _calls(r, names)])


def _names(numbers: list[str], details: _Details, proven: dict[str, str]) -> dict[str, str]:
    names = {n: details.names[n] for n in numbers if n in details.names}
    unbound = [n for n in numbers if n not in names]
    if details.name and len(unbound) == 1:
        names[unbound[0]] = details.name  # "my last name is Hopper", said for the one booking
    for number in numbers:
        if number not in names and number in proven:
            names[number] = proven[number]
    return names


def _ask_booking(requests: list[Request], candidates: list[str]) -> str:
    whats = _and(list(dict.fromkeys(_what(r) for r in requests)))
    if candidates:
        return (
            f"Which booking should I {whats} for: {_and(candidates, 'or')}? "
            "Please name the confirmation number for each request."
        )
    return (
        f"To {whats}, I'll need your confirmation number and the passenger's last name. "
        "Could you please provide them?"
    )


def _seat_problem(request: Request) -> str | None:
    seats = list(dict.fromkeys(s.code for s in request.seats))
    numbers = request.numbers
    if not seats:
        return WHICH_SEAT
    if len(numbers) == len(seats):
        return None
    if len(numbers) == 1:
        return (
            f"A booking holds one seat: which one do you want for booking {numbers[0]}, "
            f"{_and(seats, 'or')}?"
        )
    if len(seats) == 1:
        return (
            f"A seat holds one passenger: which booking should move to {seats[0]}, "
            f"{_and(numbers, 'or')}?"
        )
    return (
        f"I see {len(numbers)} bookings and {len(seats)} seats. Please pair each booking with "
        f"its seat, for example '{numbers[0]} to {seats[0]}'."
    )


def _calls(request: Request, names: dict[str, str]) -> list[tuple[str, dict[str, Any]]]:
    tool = TOOLS[request.kind]
    if request.kind != "seat":
        return [(tool, {"confirmation_number": n, "last_name": names[n]}) for n in request.numbers]
    seats = list(dict.fromkeys(s.code for s in request.seats))
    # By position: "5666 to 6A and AB4568 to 7C", "6A for 5666 and 7C for AB4568".
    return [
        (tool, {"confirmation_number": n, "last_name": names[n], "new_seat": seat})
        for n, seat in zip(request.numbers, seats, strict=True)
    ]


def ask_last_name(what: str, numbers: list[str]) -> str:
    """Ask for the passenger's last name of each booking, the proof that it is theirs."""
    if len(numbers) == 1:
        return (
            f"To {what} for booking {numbers[0]}, I need the passenger's last name as proof "
            "that the booking is yours. What is it?"
        )
    return (
        f"To {what} for bookings {_and(numbers)}, I need the passenger's last name on each "
        f"booking as proof that they are yours, for example '{numbers[0]} Smith'."
    )
