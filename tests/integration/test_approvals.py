"""Premium and exit-row seats need a supervisor: approved, rejected or expired, across a restart.

Each test stops every process (restate-server included) between the request and the decision and
starts them again on the same data dir; the decision then still lands exactly once.
"""

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from devstack import Stack
from tests.conftest import stack_config
from tests.support.helpers import (
    chat,
    ingress_client,
    logged,
    mails,
    new_booking,
    post_alone,
    read,
    relay,
    seat_map,
    seat_of,
    session_id,
    wait_for,
)

DESK = "/ApprovalDesk/supervisors/pending"
REQUEST_ID = re.compile(r"APR-[0-9A-F]{8}")


def request_seat(ingress: httpx.Client, session: str, number: str, seat: str) -> str:
    """Ask the agent for a seat that needs approval; returns the request id it reported."""
    # "Passenger": the last name of every test booking, the ownership proof.
    answer = chat(ingress, session, f"please change my seat to {seat}, booking {number} Passenger")
    assert answer["agent"] == "seat_booking", answer
    assert "supervisor" in answer["reply"] and "submitted" in answer["reply"], answer
    found = REQUEST_ID.search(answer["reply"])
    assert found, answer
    return found.group(0)


def pending_ids(ingress: httpx.Client) -> set[str]:
    return {r["request_id"] for r in read(ingress, DESK)["requests"]}


def wait_pending(ingress: httpx.Client, *ids: str) -> None:
    wait_for(lambda: set(ids) <= pending_ids(ingress), timeout=30, message=f"{ids} on the desk")


AS_SUPERVISOR: dict[str, str] = {}  # the test client proves the credential itself


def decide(
    ingress: httpx.Client,
    request_id: str,
    verb: str,
    reason: str | None = None,
    headers: dict[str, str] = AS_SUPERVISOR,
):
    path = f"/SeatApproval/{request_id}/{verb}"
    body = {"json": {"reason": reason}} if reason else {}
    return ingress.post(path, headers=headers, **body)


def approved_changes(stack: Stack, number: str) -> int:
    """How often the approval workflow moved the booking (Booking/apply_approved calls)."""
    return len(
        stack.admin_query(
            "SELECT id FROM sys_invocation WHERE target_service_name = 'Booking' "
            f"AND target_service_key = '{number}' AND target_handler_name = 'apply_approved'"
        )
    )


def wait_mail(ingress: httpx.Client, email: str) -> list[dict[str, Any]]:
    return wait_for(lambda: mails(ingress, email), timeout=90, message=f"a mail to {email}")


@contextmanager
def running(config: Any) -> Iterator[tuple[Stack, httpx.Client]]:
    """A stack of our own (stopped at the end) and a client; its logs are shown on a failure."""
    with Stack(config) as stack, ingress_client(stack.ingress_url, timeout=60) as client:
        try:
            yield stack, client
        except BaseException:
            print(stack.log_report(), file=sys.stderr)
            raise


def told(ingress: httpx.Client, session: str, words: str) -> bool:
    entries = read(ingress, f"/AgentSession/{session}/history")["entries"]
    return any(e["kind"] == "assistant" and words in e["text"] for e in entries)


def test_approve_and_reject_survive_a_full_restart(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    config = stack_config(Path(tmp_path_factory.mktemp("approvals")))
    s1, s2 = session_id(), session_id()
    with running(config) as (first, ingress):
        granted = new_booking(ingress, seat="5B")
        refused = new_booking(ingress, seat="5B")
        id1 = request_seat(ingress, s1, granted.confirmation_number, "2a")
        id2 = request_seat(ingress, s2, refused.confirmation_number, "18C")  # an exit row
        wait_pending(ingress, id1, id2)
        # The session stays responsive while the request waits.
        answer = chat(ingress, s1, "what's the status?")
        assert id1 in answer["reply"] and "still waiting" in answer["reply"], answer
        assert seat_of(ingress, granted.confirmation_number) == "5B"
        assert approved_changes(first, granted.confirmation_number) == 0

    with running(config) as (second, ingress):
        assert {id1, id2} <= pending_ids(ingress)  # still on the desk after the restart
        answer = chat(ingress, s2, "is my seat request approved yet?")
        assert id2 in answer["reply"] and "still waiting" in answer["reply"], answer

        # Only a supervisor decides: no token or a wrong one is refused, and nothing changes.
        for headers, code in (({}, 401), ({"x-supervisor-token": "guess"}, 403)):
            refused_call = httpx.post(
                f"{second.ingress_url}/SeatApproval/{id1}/approve", headers=headers
            )
            assert refused_call.status_code == code, refused_call.text
            assert "Only a supervisor may decide" in refused_call.json()["message"]
        assert {id1, id2} <= pending_ids(ingress)

        approved = decide(ingress, id1, "approve")
        assert approved.status_code == 200, approved.text
        assert approved.json()["state"] == "approved"
        rejected = decide(ingress, id2, "reject", reason="the exit row is reserved for crew")
        assert rejected.status_code == 200, rejected.text

        wait_for(
            lambda: seat_of(ingress, granted.confirmation_number) == "2A",
            timeout=90,
            message="the approved seat",
        )
        assert seat_map(ingress, granted.flight) == {"2A": granted.confirmation_number}
        (mail,) = wait_mail(ingress, granted.email)
        assert "approved" in mail["subject"] and "2A" in mail["body"]
        wait_for(lambda: told(ingress, s1, f"{id1} for seat 2A on flight"), message="notice 1")

        (mail,) = wait_mail(ingress, refused.email)
        assert "not approved" in mail["subject"]
        assert "the exit row is reserved for crew" in mail["body"]
        wait_for(lambda: told(ingress, s2, "reserved for crew"), message="notice 2")
        assert seat_of(ingress, refused.confirmation_number) == "5B"
        assert seat_map(ingress, refused.flight) == {"5B": refused.confirmation_number}

        answer = chat(ingress, s1, "what's the status?")
        assert "approved" in answer["reply"] and "2A" in answer["reply"], answer

        # Deciding again changes nothing and says why.
        for request_id, verb in ((id1, "approve"), (id1, "reject"), (id2, "approve")):
            reason = "changed my mind" if verb == "reject" else None
            again = decide(ingress, request_id, verb, reason=reason)
            assert again.status_code == 412, again.text
            assert "already" in again.json()["message"]
        assert relay(ingress, "SeatApproval", "status", id2)["state"] == "rejected"
        assert not {id1, id2} & pending_ids(ingress)
        assert len(mails(ingress, granted.email)) == 1
        assert len(mails(ingress, refused.email)) == 1
        assert approved_changes(second, granted.confirmation_number) == 1
        assert approved_changes(second, refused.confirmation_number) == 0

        unknown = decide(ingress, "APR-00000000", "approve")
        assert unknown.status_code == 404
        assert "No approval request APR-00000000" in unknown.json()["message"]

    # The workflows waited across the restart and were replayed: each event is logged once.
    number = granted.confirmation_number
    assert logged(second, "seating", f"approval {id1}: booking {number} asks for") == 1
    assert logged(second, "seating", f"approval {id2}: booking ") == 1
    assert logged(second, "seating", f"approval {id1}: approved") == 1
    assert logged(second, "seating", f"approval {id2}: rejected") == 1
    assert logged(second, "seating", f"booking {number}: seat 5B -> 2A on flight") == 1


def test_an_undecided_request_expires_after_a_full_restart(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    config = stack_config(
        Path(tmp_path_factory.mktemp("expiry")), service_env={"APPROVAL_TIMEOUT_S": "8"}
    )
    session = session_id()
    with running(config) as (_, ingress):
        booking = new_booking(ingress, seat="7D")
        request_id = request_seat(ingress, session, booking.confirmation_number, "1C")
        wait_pending(ingress, request_id)

    with running(config) as (second, ingress):
        (mail,) = wait_mail(ingress, booking.email)
        assert "expired" in mail["subject"] and "8 seconds" in mail["body"]
        wait_for(lambda: told(ingress, session, f"{request_id} for seat 1C"), message="notice")
        assert seat_of(ingress, booking.confirmation_number) == "7D"
        assert request_id not in pending_ids(ingress)
        late = decide(ingress, request_id, "approve")
        assert late.status_code == 412 and "expired" in late.json()["message"], late.text
        answer = chat(ingress, session, "what's the status?")
        assert "expired" in answer["reply"], answer
        assert approved_changes(second, booking.confirmation_number) == 0


def test_seating_submits_a_premium_seat_for_approval_and_never_moves_it_at_once(
    ingress: httpx.Client,
) -> None:
    booking = new_booking(ingress, seat="5B")

    def direct(last_name: str) -> httpx.Response:
        body = {"new_seat": "3A", "last_name": last_name}
        relay = {"service": "Booking", "handler": "change_seat", "body": body}
        return ingress.post(
            "/TestSupport/relay", json={**relay, "key": booking.confirmation_number}
        )

    wrong = direct("Nobody")
    assert wrong.status_code == 403, wrong.text
    submitted = direct("Passenger")
    assert submitted.status_code == 200, submitted.text
    outcome = submitted.json()["result"]
    assert outcome["status"] == "pending_approval", outcome
    assert outcome["reason"] == "3A is in a premium row (rows 1-4)"
    request_id = outcome["approval"]["request_id"]
    wait_pending(ingress, request_id)
    assert seat_of(ingress, booking.confirmation_number) == "5B"
    assert seat_map(ingress, booking.flight) == {"5B": booking.confirmation_number}
    # An ordinary seat needs nothing: "change my seat to 12C" is not premium.
    answer = chat(ingress, session_id(), f"change my seat to 12C, booking {booking.proof}")
    assert "Seat changed from 5B to 12C" in answer["reply"], answer


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/Booking/5666/apply_approved", {"request_id": "APR-0000AAAA", "seat": "1A"}),
        ("/SeatApproval/APR-0000AAAA/run", {}),
        ("/ApprovalDesk/supervisors/add", {}),
        ("/ApprovalDesk/supervisors/remove", "APR-0000AAAA"),
    ],
)
def test_only_the_decisions_are_public(ingress: httpx.Client, path: str, body: Any) -> None:
    response = post_alone(ingress, path, json=body)
    assert response.status_code == 400, response.text
    assert "not public" in response.json()["message"], response.text
