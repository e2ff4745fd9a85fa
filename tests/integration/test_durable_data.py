"""Stop every process, start them again on the same data dir: nothing the customer did is lost."""

from pathlib import Path

import pytest

from devstack import Stack
from tests.conftest import stack_config
from tests.support.auth import ingress_client
from tests.support.helpers import chat, mails, new_booking, read, seat_of, session_id


def test_sessions_bookings_and_mails_survive_a_full_restart(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    root: Path = tmp_path_factory.mktemp("durable")
    config = stack_config(root)
    session = session_id()
    with Stack(config) as first, ingress_client(first.ingress_url, timeout=60) as ingress:
        invoiced, booking = new_booking(ingress), new_booking(ingress, seat="5B")
        chat(ingress, session, f"send me the invoice for {invoiced.proof}")
        # A booking not proven yet: the seat agent asks for its last name.
        chat(
            ingress,
            session,
            f"can you change my seat to 10b for booking {booking.confirmation_number}?",
        )
        before = read(ingress, f"/AgentSession/{session}/history")

    with Stack(config) as second, ingress_client(second.ingress_url, timeout=60) as ingress:
        assert read(ingress, f"/AgentSession/{session}/history") == before
        assert len(mails(ingress, invoiced.email)) == 1
        assert seat_of(ingress, booking.confirmation_number) == "5B"
        # The conversation goes on where it stopped: the seat agent asked for the last name.
        answer = chat(ingress, session, booking.last_name)
        assert answer["agent"] == "seat_booking"
        assert seat_of(ingress, booking.confirmation_number) == "10B"
        assert read(ingress, f"/AgentSession/{session}/status")["turns"] == 3
