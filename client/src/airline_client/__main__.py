"""`client`: talk to the airline agent through the Restate ingress from the command line."""

import argparse
import shlex
import sys
import time
from collections.abc import Sequence

from . import approvals, escalations, render
from .api import (
    BACKOFF_ENV,
    DEFAULT_INGRESS_URL,
    INGRESS_ENV,
    TIMEOUT_ENV,
    AgentClient,
    new_idempotency_key,
)
from .approvals import ApprovalStatus
from .errors import ClientError, NoAnswer, RequestRejected
from .models import Booking, SessionStatus
from .sessions import load_tokens, save_default, save_token, saved_session, session_file
from .tracecontext import TraceParent

COMMANDS = (
    "say",
    "history",
    "status",
    "booking",
    "mails",
    "pay",
    "cancel",
    "session",
    "approvals",
    "approve",
    "reject",
    "escalations",
    "answer",
)
# Options that take a value: the word after them is not the command or the message.
VALUE_OPTIONS = frozenset({"--session", "--ingress", "--idempotency-key", "--reason"})
EXIT_ERROR = 1
# The agent's answer to a session token it did not sign or that expired.
STALE_TOKEN = 401
STALE_HINT = "the saved session {} is not this stack's (a fresh stack?)"
SESSION_COMMANDS = frozenset({"say", "history", "status", "cancel"})
EXIT_INTERRUPTED = 130


def _non_empty(value: str) -> str:
    if not value.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return value


def _request_id(value: str) -> str:
    return _non_empty(value).strip().upper()


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; the command always comes first (see `normalize`)."""
    parser = argparse.ArgumentParser(
        prog="client",
        description="Talk to the durable airline agent through the Restate ingress.",
        epilog='`client "MESSAGE"` is short for `client say "MESSAGE"`. '
        f"Environment: {INGRESS_ENV} (default {DEFAULT_INGRESS_URL}), "
        f"{TIMEOUT_ENV} (seconds per attempt, default 120), {BACKOFF_ENV}.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ingress = argparse.ArgumentParser(add_help=False)
    ingress.add_argument(
        "--ingress",
        metavar="URL",
        help=f"Restate ingress URL, or several comma-separated (a cluster's nodes, tried in "
        f"turn); default: ${INGRESS_ENV} or {DEFAULT_INGRESS_URL}",
    )
    output = argparse.ArgumentParser(add_help=False)
    output.add_argument("--json", action="store_true", help="print the raw JSON response")
    session = argparse.ArgumentParser(add_help=False)
    session.add_argument(
        "--session", metavar="ID", type=_non_empty, help="session id (default: the saved one)"
    )
    # Scripts pass --session to every command (`client --session S booking X`): accept it quietly.
    any_session = argparse.ArgumentParser(add_help=False)
    any_session.add_argument("--session", type=_non_empty, help=argparse.SUPPRESS)
    fresh = argparse.ArgumentParser(add_help=False)
    fresh.add_argument(
        "--new-session", action="store_true", help="start a fresh default session first"
    )

    say = commands.add_parser(
        "say", parents=[ingress, session, fresh, output], help="send a message, print the reply"
    )
    say.add_argument("message", help="what to tell the agent")
    say.add_argument(
        "--idempotency-key",
        metavar="KEY",
        type=_non_empty,
        help="key of this message (default: a fresh uuid4); reuse it to re-attach to a turn",
    )
    say.add_argument(
        "--trace",
        action="store_true",
        help="print the message's trace id on stderr (to look it up in Jaeger)",
    )
    commands.add_parser(
        "history", parents=[ingress, session, output], help="show the conversation so far"
    )
    commands.add_parser(
        "status", parents=[ingress, session, output], help="show the session's agent and state"
    )
    booking = commands.add_parser(
        "booking", parents=[ingress, any_session, output], help="show a booking as seating holds it"
    )
    booking.add_argument("confirmation_number", metavar="CONFIRMATION", type=_non_empty)
    booking.add_argument(
        "last_name", metavar="LAST_NAME", type=_non_empty, help="the passenger's last name"
    )
    mails = commands.add_parser(
        "mails", parents=[ingress, any_session, output], help="list the mails received"
    )
    mails.add_argument("email", metavar="EMAIL", type=_non_empty)
    pay = commands.add_parser(
        "pay",
        parents=[ingress, any_session, output],
        help="pay an invoice (cancels its payment reminder)",
    )
    pay.add_argument(
        "invoice_id", metavar="INVOICE", type=_non_empty, help="e.g. INV-AB4568-1F0C2A9B"
    )
    commands.add_parser(
        "cancel", parents=[ingress, session, output], help="cancel the turn running in the session"
    )
    commands.add_parser(
        "approvals",
        parents=[ingress, any_session, output],
        help="list the seat requests waiting for a supervisor",
    )
    approve = commands.add_parser(
        "approve", parents=[ingress, any_session, output], help="approve a seat request"
    )
    approve.add_argument("request_id", metavar="ID", type=_request_id, help="e.g. APR-1A2B3C4D")
    reject = commands.add_parser(
        "reject", parents=[ingress, any_session, output], help="reject a seat request"
    )
    reject.add_argument("request_id", metavar="ID", type=_request_id, help="e.g. APR-1A2B3C4D")
    reject.add_argument(
        "--reason", required=True, type=_non_empty, help="why, in words the customer will read"
    )
    commands.add_parser(
        "escalations",
        parents=[ingress, any_session, output],
        help="list the customers' requests waiting for a person",
    )
    answer = commands.add_parser(
        "answer",
        parents=[ingress, any_session, output],
        help="answer an escalation: posted into the customer's conversation and mailed",
    )
    answer.add_argument("escalation_id", metavar="ID", type=_request_id, help="e.g. ESC-1A2B3C4D")
    answer.add_argument("text", metavar="TEXT", type=_non_empty, help="what the customer reads")
    commands.add_parser(
        "session",
        parents=[ingress, any_session, fresh],
        help=f"print the default session id (kept in {session_file()})",
    )
    return parser


def normalize(argv: Sequence[str]) -> list[str]:
    """Move the command to the front, or prepend `say` when the first word is a message."""
    args = list(argv)
    i = 0
    while i < len(args):
        word = args[i]
        if word == "--":
            break
        if word in ("-h", "--help"):
            return ["--help"]
        if word.startswith("-") and word != "-":
            i += 2 if word in VALUE_OPTIONS else 1
            continue
        if word in COMMANDS:
            return [word, *args[:i], *args[i + 1 :]]
        break
    return ["say", *args]


def _reattach_hint(session: str, key: str, message: str) -> str:
    command = ["client", "say", "--session", session, "--idempotency-key", key, message]
    return "re-attach to it with: " + shlex.join(command)


def _session(
    client: AgentClient, args: argparse.Namespace, *, start: bool = True, fresh: bool = False
) -> str:
    """The session to talk to: --session, else the default one (opened on first use; fresh:
    a new one).

    The tokens of the sessions this user opened are loaded into the client, which sends the
    right one with each request to its session.
    """
    client.session_tokens.update(load_tokens())
    if args.session:
        return str(args.session)
    saved = "" if fresh or getattr(args, "new_session", False) else saved_session()
    if saved and saved in client.session_tokens:
        return saved
    if not start:
        raise ClientError('no conversation yet: send a message first (`client "hello"`)')
    opened = client.open_session()
    save_token(opened.session_id, opened.token)
    save_default(opened.session_id)
    return opened.session_id


def _say(client: AgentClient, args: argparse.Namespace) -> int:
    session = _session(client, args)
    key = args.idempotency_key or new_idempotency_key()
    trace = TraceParent.new()
    if args.trace:
        print(f"trace: {trace.trace_id}", file=sys.stderr, flush=True)
    client.on_wait = lambda line: print(line, file=sys.stderr, flush=True)
    try:
        try:
            answer = client.chat(session, args.message, idempotency_key=key, trace=trace)
        except RequestRejected as error:
            if error.status != STALE_TOKEN or args.session:
                raise
            # The saved session's token is not this stack's (a fresh data dir signs with a new
            # key, or it expired): the turn was refused unread, so a new session takes it.
            stale, session = session, _session(client, args, fresh=True)
            print(
                f"note: {STALE_HINT.format(stale)}: {error} The message goes to a new "
                f"session, {session}.",
                file=sys.stderr,
            )
            answer = client.chat(session, args.message, idempotency_key=key, trace=trace)
    except NoAnswer as error:
        # Restate keeps running the turn; the same key fetches its reply later.
        hint = _reattach_hint(session, key, args.message)
        print(f"error: {error}; the turn may still finish - {hint}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        hint = _reattach_hint(session, key, args.message)
        print(f"interrupted; the turn goes on without you - {hint}", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(render.as_json(answer.raw) if args.json else render.reply(answer))
    return 0


def _live(
    client: AgentClient, state: SessionStatus
) -> tuple[dict[str, Booking | str], ApprovalStatus | str | None]:
    """The session's bookings as seating holds them now, and its latest seat request."""
    bookings: dict[str, Booking | str] = {}
    # A booking is read with its passenger's last name (the proof of ownership): the one its
    # owner proved in this session, else the name the session knows for the booking it is about.
    name = (state.context.passenger_name or "").split()
    for number in state.bookings[-5:]:
        last_name = state.context.proven.get(number) or (
            name[-1] if name and number == state.context.confirmation_number else ""
        )
        if not last_name:
            bookings[number] = "the passenger's last name is not known to this session"
            continue
        try:
            bookings[number] = client.booking(number, last_name)
        except RequestRejected as error:
            bookings[number] = str(error)
    # Where the request stands is for the agent to tell (SeatApproval/status is private).
    request = state.context.approval_request
    pending: ApprovalStatus | str | None = (
        f'{request} (ask the agent: "what\'s the status?")' if request else None
    )
    return bookings, pending


def _run(client: AgentClient, args: argparse.Namespace) -> int:
    if args.command == "say":
        return _say(client, args)
    if args.command == "history":
        found = client.history(_session(client, args, start=False))
        print(render.as_json(found.raw) if args.json else render.history(found))
    elif args.command == "status":
        session = _session(client, args, start=False)
        state = client.status(session)
        if args.json:
            print(render.as_json(state.raw))
        else:
            print(render.status(session, state, *_live(client, state)))
    elif args.command == "booking":
        booking = client.booking(args.confirmation_number, args.last_name)
        print(render.as_json(booking.raw) if args.json else render.booking(booking))
    elif args.command == "mails":
        inbox = client.mails(args.email)
        print(render.as_json(inbox.raw) if args.json else render.mails(inbox))
    elif args.command == "pay":
        payment = client.pay(args.invoice_id)
        print(render.as_json(payment.raw) if args.json else payment.message)
    elif args.command == "cancel":
        cancelled = client.cancel(_session(client, args, start=False))
        print(render.as_json(cancelled.raw) if args.json else cancelled.message)
    elif args.command == "approvals":
        waiting = client.approvals()
        print(render.as_json(waiting.raw) if args.json else approvals.pending(waiting, time.time()))
    elif args.command == "escalations":
        waiting = client.escalations()
        print(
            render.as_json(waiting.raw) if args.json else escalations.pending(waiting, time.time())
        )
    elif args.command == "answer":
        done = client.answer(args.escalation_id, args.text)
        print(render.as_json(done.raw) if args.json else escalations.answered(done))
    elif args.command == "session":
        print(_session(client, args))
    elif args.command in ("approve", "reject"):
        if args.command == "approve":
            status = client.approve(args.request_id)
        else:
            status = client.reject(args.request_id, args.reason)
        print(render.as_json(status.raw) if args.json else approvals.decided(status))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit code (0 ok, 1 failed, 2 usage)."""
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not words:
        parser.print_help(sys.stderr)
        return 2
    args = parser.parse_args(normalize(words))
    if getattr(args, "session", None) and getattr(args, "new_session", False):
        parser.error("--session and --new-session exclude each other")
    try:
        with AgentClient.from_env(args.ingress) as client:
            return _run(client, args)
    except RequestRejected as error:
        stale = error.status == STALE_TOKEN and args.command in SESSION_COMMANDS
        stale = stale and not getattr(args, "session", None)
        saved = STALE_HINT.format(saved_session())
        hint = f'; {saved}: `client "hello"` starts a new one' if stale else ""
        print(f"error: {error}{hint}", file=sys.stderr)
        return EXIT_ERROR
    except ClientError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
