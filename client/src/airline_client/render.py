"""Human-readable text for the results; the commands print what these return."""

import json
from typing import Any, cast

from .approvals import ApprovalStatus
from .models import Booking, ChatReply, History, HistoryEntry, Inbox, SessionStatus

# Tool results can be whole JSON documents; the history view shows their start only.
RESULT_WIDTH = 200


def as_json(raw: dict[str, Any]) -> str:
    """A response body, pretty-printed."""
    return json.dumps(raw, indent=2, ensure_ascii=False)


def reply(answer: ChatReply) -> str:
    """`[agent] reply`."""
    return f"[{answer.agent}] {answer.reply}"


def _labelled(label: str, text: str) -> str:
    """`label text`, with continuation lines indented under the text."""
    pad = "\n" + " " * len(label)
    return label + pad.join(text.splitlines() or [""])


def _one_line(text: str, width: int = RESULT_WIDTH) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."


def tool_call(name: str | None, arguments: str) -> str:
    """`name(key="value", ...)` from the JSON arguments string of a tool call."""
    try:
        parsed: Any = json.loads(arguments) if arguments.strip() else {}
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        args = cast(dict[str, Any], parsed)
        inner = ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in args.items())
    else:
        inner = _one_line(arguments)
    return f"{name or '?'}({inner})"


def entry(item: HistoryEntry) -> str:
    """One conversation item: `you: ...`, `agent: ...`, `  -> tool(args)`, `  <- result`."""
    if item.kind == "user":
        return _labelled("you: ", item.text)
    if item.kind == "assistant":
        return _labelled("agent: ", item.text)
    if item.kind == "tool_call":
        return "  -> " + tool_call(item.name, item.text)
    if item.kind == "tool_result":
        return "  <- " + _one_line(item.text)
    return f"  ({_one_line(item.text)})"


def history(conversation: History) -> str:
    """The conversation, one item per line, oldest first."""
    if not conversation.entries:
        return f"session {conversation.session_id}: no messages yet"
    return "\n".join(entry(e) for e in conversation.entries)


def status(
    session: str,
    state: SessionStatus,
    bookings: dict[str, Booking | str] | None = None,
    pending: ApprovalStatus | str | None = None,
) -> str:
    """The session's state, one fact per line; `bookings` as seating holds them now (or why
    they could not be read), `pending` the latest seat request."""
    ctx = state.context
    known = {"passenger": ctx.passenger_name, "confirmation": ctx.confirmation_number}
    lines = [
        f"session:      {session}",
        f"active agent: {state.active_agent}",
        f"turns:        {state.turns} ({state.item_count} items in memory)",
        f"bookings:     {', '.join(state.bookings) or '-'}",
    ]
    lines += [f"{label + ':':<14}{value}" for label, value in known.items() if value]
    for number, found in (bookings or {}).items():
        now = found if isinstance(found, str) else f"seat {found.seat} on flight {found.flight}"
        lines.append(f"{'  ' + number + ':':<14}{now} (seating, now)")
    if isinstance(pending, str):
        lines.append(f"{'request:':<14}{pending}")
    elif pending is not None:
        r = pending.request
        where = "waiting for a supervisor" if pending.state == "pending" else pending.state
        lines.append(
            f"{'request:':<14}{r.request_id} seat {r.current_seat} -> {r.seat} "
            f"for booking {r.confirmation_number}: {where}"
        )
    if state.notices:
        lines.append(f"notices:      {len(state.notices)}, newest last")
        lines += [f"  - [{n.source}] {n.text}" for n in state.notices[-5:]]
    return "\n".join(lines)


def booking(found: Booking) -> str:
    """The booking, one field per line."""
    return "\n".join(
        [
            f"booking:   {found.confirmation_number}",
            f"passenger: {found.passenger_name} <{found.email}>",
            f"flight:    {found.flight}",
            f"seat:      {found.seat}",
            f"fare:      {found.fare_eur} EUR",
        ]
    )


def mails(inbox: Inbox) -> str:
    """How many mails arrived, then their subjects."""
    count = len(inbox.mails)
    head = f"{count} mail{'' if count == 1 else 's'} to {inbox.email}"
    if not count:
        return head
    return "\n".join([head + ":", *(f"  - {m.subject}" for m in inbox.mails)])
