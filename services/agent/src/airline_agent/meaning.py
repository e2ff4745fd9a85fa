"""What a customer's message means: the requests in it, each with its own bookings and seats.

Rules over meaning, not over sentences. A message is cut into clauses (at "and", commas, "then",
full stops...). A clause that names an action (change a seat, send an invoice, look at the
booking) starts a request; the clauses after it add their details (confirmation numbers, last
names, seats) to that request until the next one starts. Details before the first action are
shared by every request that names none of its own. So "change seat for 5666 Hopper to 6A and
send the invoice for AB4568 Lovelace" is two requests with one booking each, and "move 5666 to
6A and AB4568 to 7C" is one seat request with two (booking, seat) pairs.
"""

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from airline_contracts.formats import InvalidSeat, normalize_seat

from .models import Topic

Kind = Literal["seat", "invoice", "lookup"]

# A seat as people write it: "12C", "12 c"; also codes that do not exist ("99Z", "0C", "10G"),
# so the customer hears why instead of a vague question. A spaced form needs a letter A-F.
_SEAT = re.compile(r"\b(\d{1,3})([A-Za-z])\b|\b(\d{1,2})\s([A-Fa-f])\b")
# A confirmation number: 4-8 letters/digits with a digit, e.g. AB4568 or 5666.
_CONFIRMATION = re.compile(r"\b(?=[A-Za-z]*\d)[A-Za-z0-9]{4,8}\b")
# "AB 4568", "ab-4568": letters and digits of one number written apart.
# Two letters in any case ("ab 4568"), or up to four capitals ("ABC 123").
_SPACED_CODE = re.compile(r"\b([A-Za-z]{2}|[A-Z]{1,4})[\s-](\d{2,6})\b")
# Short words that stand before a number without being part of it ("to 4568", "is 5666").
_NOT_PREFIX = frozenset(
    {
        *("a", "am", "an", "and", "are", "as", "at", "be", "by", "do", "for", "go", "i", "if"),
        *("in", "is", "it", "me", "my", "no", "nr", "of", "on", "or", "our", "so", "the", "to"),
        *("up", "us", "was", "we", "you", "its", "his", "her", "row", "bkg", "ref", "num", "not"),
        *("seat", "gate", "hi", "hey", "yes", "ok", "pls", "plz", "now", "thx", "conf", "from"),
        *("into", "with", "nope", "than", "but", "all", "both", "each", "also", "then", "plus"),
        *("he", "oh", "ah", "eh", "re", "vs", "pm", "id", "ok", "nr"),
    }
)
_CLAUSE_BREAK = re.compile(r"[;!?]|[.,](?=\s|$)|\s(?:and|also|then|plus|as well as|&)\s", re.I)
_SEAT_WORD = re.compile(r"\bseats?\b", re.I)
_CHANGE_VERB = re.compile(
    r"\b(change|changing|switch|move|moving|swap|update|upgrade|put|reseat|assign|want|get|"
    r"pick|book|prefer|need)\b",
    re.I,
)
_INVOICE = re.compile(r"\b(invoice|invoices|receipt|receipts|bill)\b", re.I)
# "what's my seat?", "which seat am I in", "where do I sit": the booking as seating holds it.
_LOOKUP = re.compile(
    r"\b(what|which|where|tell|show|check|confirm)\b[^.?!]*"
    r"\b(my\s+(current\s+)?seat|seat\s+(am\s+i|do\s+i\s+have|i\s+have|i'?m)|i\s+sit(ting)?|am\s+i\s+sitting)\b"
    r"|\bmy\s+(current\s+)?seat\s*(number)?\s*\?",
    re.I,
)
_NAME = r"[A-Za-z][A-Za-z'\-]+\b"
_NAME_PHRASE = re.compile(
    rf"\b(?:last\s*name|surname|family\s*name|my\s+name)\b(?:\s+is|\s*[:=]|'s)?\s*"
    rf"((?:{_NAME}\s*){{1,3}})",
    re.I,
)
_NAME_AFTER_NUMBER = re.compile(
    r"\b((?=[A-Za-z]*\d)[A-Za-z0-9]{4,8})\b[,:]?\s+(?:for\s+|name\s+)?([A-Z][A-Za-z'\-]+)\b(?![\d'\-])"
)
_BARE_NAME = re.compile(rf"^\s*({_NAME})(?:\s+({_NAME}))?\s*[.!]?\s*$")
# Words that are never a last name, though they may stand where one could.
NOT_NAMES = frozenset(
    {
        *("a", "an", "and", "also", "again", "as", "at", "booking", "but", "bye", "to", "too"),
        *("confirmation", "flight", "for", "hello", "hey", "hi", "in", "invoice", "invoices"),
        *("is", "it", "my", "no", "now", "number", "of", "ok", "okay", "on", "or", "please"),
        *("seat", "so", "thank", "thanks", "the", "then", "with", "yes", "send", "change"),
        *("good", "morning", "afternoon", "evening", "great", "sure", "fine", "cheers", "help"),
        *("move", "switch", "seats", "receipt", "bill", "from", "into", "row", "window", "aisle"),
        *("me", "us", "him", "her", "them", "what", "which", "where", "when", "how", "why"),
    }
)


@dataclass
class Seat:
    """A seat the customer named: its canonical code, or why it does not exist."""

    code: str
    at: int
    error: str | None = None


@dataclass
class Request:
    """One thing the customer asked for, with the details that belong to it."""

    kind: Kind
    numbers: list[str] = field(default_factory=list)
    seats: list[Seat] = field(default_factory=list)


@dataclass
class Message:
    """Everything one message says: its requests, and the details of each booking named."""

    requests: list[Request]
    numbers: list[str]  # every booking named, in order
    seats: list[Seat]
    names: dict[str, str]  # confirmation number -> last name given for it
    name: str | None  # a last name given on its own ("my last name is Hopper", "Hopper")
    shared: list[str]  # numbers named before the first request: they apply to every request


def seats_in(text: str) -> list[Seat]:
    """Every seat code in the text, in order; codes that do not exist carry the reason."""
    found: list[Seat] = []
    for match in _SEAT.finditer(text):
        row, letter = (match.group(1), match.group(2)) if match.group(1) else match.group(3, 4)
        code = f"{int(row)}{letter.upper()}"
        try:
            found.append(Seat(normalize_seat(code), match.start()))
        except InvalidSeat as error:
            found.append(Seat(code, match.start(), str(error)))
    return found


def joined(text: str) -> str:
    """The text with spaced confirmation numbers written as one ("AB 4568" -> "AB4568")."""

    def join(match: re.Match[str]) -> str:
        prefix, body = match.group(1), match.group(2)
        if prefix.lower() in _NOT_PREFIX or not 4 <= len(prefix) + len(body) <= 8:
            return match.group(0)
        return prefix + body

    return _SPACED_CODE.sub(join, text)


def _numbers_at(text: str) -> list[tuple[str, int]]:
    found: dict[str, int] = {}
    for match in _CONFIRMATION.finditer(text):
        if not _SEAT.fullmatch(match.group()):
            found.setdefault(match.group().upper(), match.start())
    return list(found.items())


def numbers_in(text: str) -> list[str]:
    """Every confirmation number in the text, canonical ("ab 4568" -> "AB4568"), no repeats."""
    return [number for number, _ in _numbers_at(joined(text))]


def is_name(word: str) -> bool:
    """Whether the word could be a last name."""
    return word.lower() not in NOT_NAMES


def names_by_number(text: str) -> dict[str, str]:
    """Last names given right after a confirmation number: "AB4568 Lovelace and 5666 Hopper"."""
    return {
        number.upper(): name
        for number, name in _NAME_AFTER_NUMBER.findall(joined(text))
        if is_name(name) and not _SEAT.fullmatch(number)
    }


def last_name_in(text: str, bare_allowed: bool = True) -> str | None:
    """A last name given on its own: "my last name is Hopper", "5666 Hopper" or just "Hopper"."""
    phrase = _NAME_PHRASE.search(text)
    if phrase:
        words = phrase.group(1).split()
        kept = words[: next((i for i, w in enumerate(words) if not is_name(w)), len(words))]
        if kept:
            return kept[-1]
    after = list(names_by_number(text).values())
    if after:
        return after[-1]
    bare = _BARE_NAME.match(text)
    if bare and bare_allowed:
        words = [w for w in bare.groups() if w]
        if all(is_name(w) for w in words):
            return words[-1]
    return None


def _clauses(text: str) -> list[tuple[int, str]]:
    """The clauses of a message with where each starts."""
    pieces: list[tuple[int, str]] = []
    start = 0
    for cut in _CLAUSE_BREAK.finditer(text):
        pieces.append((start, text[start : cut.start()]))
        start = cut.end()
    pieces.append((start, text[start:]))
    return [(at, piece) for at, piece in pieces if piece.strip()]


def kind_of(clause: str) -> Kind | None:
    """The action a clause names, if it names one."""
    if _LOOKUP.search(clause) and not seats_in(clause):
        return "lookup"
    has_seat = bool(seats_in(clause))
    if _SEAT_WORD.search(clause) and (_CHANGE_VERB.search(clause) or has_seat):
        return "seat"
    if has_seat and _CHANGE_VERB.search(clause):
        return "seat"
    if _INVOICE.search(clause):
        return "invoice"
    if re.search(r"\bseat\b.*\bto\b", clause, re.I):
        return "seat"
    return None


def read(text: str) -> Message:
    """The requests of one message and the details that belong to each."""
    text = joined(text)
    numbers = _numbers_at(text)
    seats = seats_in(text)
    requests: list[Request] = []
    shared: list[str] = []
    clauses = _clauses(text)
    for index, (start, clause) in enumerate(clauses):
        end = clauses[index + 1][0] if index + 1 < len(clauses) else len(text)
        kind = kind_of(clause)
        if kind is not None and not (
            requests and requests[-1].kind == kind and kind != "seat" and not _own(requests[-1])
        ):
            requests.append(Request(kind))
        mine_numbers = [n for n, at in numbers if start <= at < end]
        mine_seats = [s for s in seats if start <= s.at < end]
        if not requests:
            shared += mine_numbers
            continue
        target = requests[-1]
        if target.kind == "invoice" and mine_seats and kind is None:
            # "send the invoice and move me to 6A": a seat without its verb still means a move.
            seat_request = next((r for r in reversed(requests) if r.kind == "seat"), None)
            if seat_request is None:
                seat_request = Request("seat")
                requests.append(seat_request)
            target = seat_request
        target.numbers += [n for n in mine_numbers if n not in target.numbers]
        if target.kind == "seat":
            target.seats += mine_seats
    if not requests and seats and _CHANGE_VERB.search(text):
        # "move 5666, AB4568 and XY7890 to 6A and 7C": the verb and the seats in other clauses.
        requests, shared = [Request("seat", [n for n, _ in numbers], seats)], []
    for request in requests:
        if not request.numbers:
            request.numbers = list(dict.fromkeys(shared))
    return Message(
        requests=requests,
        numbers=list(dict.fromkeys(n for n, _ in numbers)),
        seats=seats,
        names=names_by_number(text),
        name=_lone_name(text, bool(requests)),
        shared=list(dict.fromkeys(shared)),
    )


@lru_cache(maxsize=1024)
def kinds_in(text: str) -> frozenset[Kind]:
    """The kinds of the requests a message makes.

    Kept per text: the rules ask it of every message in view on each model call, and a
    message means the same each time.
    """
    return frozenset(request.kind for request in read(text).requests)


def _own(request: Request) -> bool:
    return bool(request.numbers or request.seats)


def _lone_name(text: str, has_requests: bool) -> str | None:
    phrase = _NAME_PHRASE.search(text)
    if phrase:
        return last_name_in(text)
    named = names_by_number(text)
    if named:
        return None
    if has_requests or numbers_in(text) or seats_in(text):
        return None
    return last_name_in(text)


# --------------------------------------------------------------------------------------------
# What needs a person: the customer asks for one, complains, wants money back or a booking
# cancelled (only staff can do those). Each is a rule over what is meant, never one sentence.
# --------------------------------------------------------------------------------------------


_PERSON = (
    r"(human(\s+being)?|person|someone|somebody|representative|rep|operator|manager|staff|"
    r"supervisor|employee|agent|people|customer\s+(service|support|care)|call\s+cent(er|re))"
)
_KIND_OF = r"((a|an|the|your|some|one\s+of\s+your)\s+)?((real|live|actual|human)\s+)?"
# "speak to an agent", "put me through to customer service", "connect me with someone".
_REACH = re.compile(
    r"\b(talk|speak|chat|connect|transfer|escalate|hand\s+me\s+over|put\s+me\s+through)\b"
    rf"(\s+\w+){{0,3}}?\s+{_KIND_OF}{_PERSON}\b",
    re.I,
)
# "get me a real person", "I want a human", "I need an agent", "give me someone".
_WANT = re.compile(
    rf"\b(want|need|get\s+me|give\s+me|find\s+me|let\s+me\s+have|request)\s+{_KIND_OF}{_PERSON}\b",
    re.I,
)
# The message is only the wish: "human!", "agent please", "a real person".
_ALONE = re.compile(rf"^\W*{_KIND_OF}{_PERSON}(\s+please)?\W*$", re.I)
_REFUND = re.compile(r"\b(refund\w*|money\s+back|reimburs\w*|compensat\w*|chargeback)\b", re.I)
_COMPLAINT = re.compile(r"\b(complain\w*|grievance|unacceptable|outrageous)\b", re.I)
_CANCEL = re.compile(r"\b(cancel\w*|call\s+off)\b", re.I)
# What a cancellation must be of to be a booking's; words on the way that make it something else.
_BOOKED = frozenset({"booking", "bookings", "flight", "flights", "reservation", "ticket", "trip"})
_NOT_BOOKED = frozenset({"seat", "invoice", "reminder", "request", "change", "turn", "message"})
_NEGATION = re.compile(
    r"\b(don'?t|do\s+not|doesn'?t|not|never|no\s+need\s+to)\s+(\w+\s+){0,3}$", re.I
)


def _said(pattern: re.Pattern[str], text: str) -> bool:
    """Whether the text says it, not merely denies it ("I don't want a refund")."""
    return any(not _NEGATION.search(text[: m.start()]) for m in pattern.finditer(text))


def _cancels_booking(text: str) -> bool:
    """A booking cancelled: "cancel my booking", "I need to cancel the flight to Rome"."""
    for match in _CANCEL.finditer(text):
        if _NEGATION.search(text[: match.start()]):
            continue
        for word in re.findall(r"[a-z]+", text[match.end() :].lower())[:4]:
            if word in _NOT_BOOKED:
                break
            if word in _BOOKED:
                return True
    return False


def needs_person(text: str) -> Topic | None:
    """Why the message needs a person, if it does: the most specific reason first."""
    if _cancels_booking(text):
        return "cancellation"
    if _said(_REFUND, text):
        return "refund"
    if _said(_COMPLAINT, text):
        return "complaint"
    if _said(_REACH, text) or _said(_WANT, text) or _ALONE.match(text):
        return "human"
    return None
