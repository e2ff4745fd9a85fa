"""Customers of the compose stack: the real client on the published ingress, and what it reads."""

import json
import threading
from dataclasses import dataclass

from airline_client import AgentClient, ClientError
from devstack import wait_for
from tests.compose.conftest import HTTP_TIMEOUT_S, RunningStack

# Seed bookings (services/seating/src/seating/seed.json): number, last name, mail, flight.
LOVELACE = ("AB4568", "Lovelace", "ada.lovelace@example.com", "FLT123")
HOPPER = ("5666", "Hopper", "grace.hopper@example.com", "FLT123")
TURING = ("XY7890", "Turing", "alan.turing@example.com", "FLT456")
JOHNSON = ("LM1234", "Johnson", "katherine.johnson@example.com", "FLT456")
DIJKSTRA = ("QR2468", "Dijkstra", "edsger.dijkstra@example.com", "FLT789")
RUNNING = (
    "SELECT count(*) AS n FROM sys_invocation WHERE target_service_name = '{service}' "
    "AND target_handler_name = '{handler}' AND target_service_key = '{key}' "
    "AND status = 'running'"
)


# Session id -> token, of every session the tests opened (one client per call shares them).
TOKENS: dict[str, str] = {}


def client_for(running: RunningStack) -> AgentClient:
    """The real client on the published ingress, holding the stack's credentials as an operator
    and the payment provider would, and the tokens of the sessions the tests opened; patient,
    since containers get killed."""
    return AgentClient(
        running.ingress_url,
        timeout_s=HTTP_TIMEOUT_S,
        attempts=8,
        backoff_s=1.0,
        supervisor_token=running.secrets.supervisor_token,
        webhook_secret=running.secrets.webhook_secret,
        session_tokens=TOKENS,
    )


class Turn(threading.Thread):
    """One customer message sent by the real client in the background."""

    def __init__(self, running: RunningStack, session: str, message: str) -> None:
        super().__init__(daemon=True)
        self.running, self.session, self.message = running, session, message
        self.reply: str | None = None
        self.error: str | None = None

    def run(self) -> None:
        with client_for(self.running) as client:
            try:
                self.reply = client.chat(self.session, self.message).reply
            except ClientError as error:
                self.error = f"{type(error).__name__}: {error}"

    def answer(self) -> str:
        self.join(timeout=600)
        assert not self.is_alive(), f"no answer to {self.message!r}"
        assert self.reply is not None, self.error
        return self.reply


def new_session(running: RunningStack) -> str:
    """A session opened as a customer opens one (Sessions/open): its id; the token is kept."""
    with client_for(running) as client:
        opened = client.open_session()
    TOKENS[opened.session_id] = opened.token
    return opened.session_id


def mail_count(running: RunningStack, email: str) -> int:
    with client_for(running) as client:
        inbox = client.mails(email)
    assert len({m.mail_id for m in inbox.mails}) == len(inbox.mails), "a mail id repeats"
    return len(inbox.mails)


def seat_map(running: RunningStack, flight: str) -> dict[str, str]:
    """The flight's occupied seats, from its state in restate-server (Flight/seat_map is
    private: only services call it), read through the admin API on 127.0.0.1."""
    rows = running.admin_query(
        "SELECT value_utf8 FROM state WHERE service_name = 'Flight' "
        f"AND service_key = '{flight}' AND key = 'occupied'"
    )
    return dict(json.loads(rows[0]["value_utf8"])) if rows else {}


def seat_of(running: RunningStack, customer: "Customer") -> str:
    """The customer's seat, read as its owner does (confirmation number and last name)."""
    number, last_name, _, _ = customer
    with client_for(running) as client:
        return client.booking(number, last_name).seat


def is_running(running: RunningStack, service: str, handler: str, key: str) -> bool:
    """Whether restate-server has that invocation running (on a service replica) now."""
    sql = RUNNING.format(service=service, handler=handler, key=key)
    return int(running.admin_query(sql)[0]["n"]) > 0


def running_chat(running: RunningStack, session: str) -> bool:
    return is_running(running, "AgentSession", "chat", session)


def invocations_of(running: RunningStack, service: str, handler: str, key: str) -> int:
    rows = running.admin_query(
        f"SELECT id FROM sys_invocation WHERE target_service_name = '{service}' "
        f"AND target_handler_name = '{handler}' AND target_service_key = '{key}'"
    )
    return len(rows)


Customer = tuple[str, str, str, str]


@dataclass
class TwoTurns:
    """An invoice request and a seat change, running at the same time (see two_turns_running)."""

    invoice_customer: Customer
    seat_customer: Customer
    new_seat: str
    invoice: Turn
    seat: Turn
    mails_before: int
    old_seat: str

    def check(self, running: RunningStack) -> None:
        """Both answered; one mail, one `Booking/change_seat`, booking and seat map agreeing."""
        invoice_number, _, email, _ = self.invoice_customer
        seat_number, _, _, flight = self.seat_customer
        invoice_reply, seat_reply = self.invoice.answer(), self.seat.answer()
        assert f"Invoice INV-{invoice_number}-" in invoice_reply, invoice_reply
        assert f"Seat changed from {self.old_seat} to {self.new_seat}" in seat_reply, seat_reply
        assert mail_count(running, email) == self.mails_before + 1
        assert invocations_of(running, "Booking", "change_seat", seat_number) == 1
        assert seat_of(running, self.seat_customer) == self.new_seat
        occupied = seat_map(running, flight)
        assert occupied.get(self.new_seat) == seat_number, occupied
        assert self.old_seat not in occupied, occupied


def two_turns_running(
    running: RunningStack, invoice_customer: Customer, seat_customer: Customer, new_seat: str
) -> TwoTurns:
    """Start an invoice request and a seat change; return once restate-server runs both."""
    invoice_number, invoice_last, email, _ = invoice_customer
    seat_number, seat_last, _, _ = seat_customer
    turns = TwoTurns(
        invoice_customer,
        seat_customer,
        new_seat,
        invoice=Turn(
            running,
            new_session(running),
            f"send me the invoice for booking {invoice_number}, last name {invoice_last}",
        ),
        seat=Turn(
            running,
            new_session(running),
            f"change my seat to {new_seat}, booking {seat_number} {seat_last}",
        ),
        mails_before=mail_count(running, email),
        old_seat=seat_of(running, seat_customer),
    )
    turns.invoice.start()
    turns.seat.start()
    wait_for(
        lambda: (
            running_chat(running, turns.invoice.session)
            and running_chat(running, turns.seat.session)
        ),
        timeout=300,
        interval=0.2,
        message="both turns running",
    )
    return turns


def two_turns_then_kill(
    running: RunningStack,
    service: str,
    invoice_customer: Customer,
    seat_customer: Customer,
    new_seat: str,
) -> tuple[TwoTurns, str]:
    """Two turns running (two_turns_running), then SIGKILL the service's one container; both."""
    turns = two_turns_running(running, invoice_customer, seat_customer, new_seat)
    container = running.container(service)
    running.kill(container)
    print(f"\nkilled {service} with two turns running")
    return turns, container
