"""Approval rules that need no server: which seats need one, what the customer reads."""

import pytest
from pydantic import ValidationError

from airline_agent.tools import describe_status
from airline_contracts.formats import InvalidSeat
from airline_contracts.seating import ApprovalRequest, ApprovalStatus
from seating.approval import outcome_text
from seating.cabin import cabin, needs_approval
from seating.models import Decision, Rejection


def request(**changes: object) -> ApprovalRequest:
    fields: dict[str, object] = {
        "request_id": "APR-1A2B3C4D",
        "confirmation_number": "AB4568",
        "passenger_name": "Ada Lovelace",
        "email": "ada@example.com",
        "flight": "FLT123",
        "current_seat": "14C",
        "seat": "2A",
        "seat_class": "premium",
        "session_id": "s1",
        "requested_at": 1_800_000_000.0,
        "timeout_s": 86400.0,
    }
    return ApprovalRequest.model_validate({**fields, **changes})


@pytest.mark.parametrize(
    ("seat", "kind"),
    [("1A", "premium"), ("4f", "premium"), ("2 c", "premium"), ("18C", "exit"), ("19A", "exit")],
)
def test_premium_and_exit_rows_need_approval(seat: str, kind: str) -> None:
    assert cabin().seat_class(seat) == kind
    assert needs_approval(seat)


@pytest.mark.parametrize("seat", ["12C", "5B", "10B", "14C", "5A", "17F", "20A", "30F"])
def test_other_rows_do_not(seat: str) -> None:
    # 12C is the example of an ordinary seat change; 10B and 14C are the demo's.
    assert not needs_approval(seat)


def test_bad_seat_codes_are_not_guessed() -> None:
    with pytest.raises(InvalidSeat):
        needs_approval("0A")


def test_describe_names_the_rows() -> None:
    assert cabin().describe("3a") == "3A is in a premium row (rows 1-4)"
    assert cabin().describe("18C") == "18C is in an exit row (rows 18-19)"


@pytest.mark.parametrize(
    ("decision", "failure", "says"),
    [
        (
            Decision(verdict="approved"),
            None,
            "Good news: your request APR-1A2B3C4D for seat 2A on flight FLT123 was approved. "
            "Booking AB4568 now has seat 2A (it had 14C).",
        ),
        (
            Decision(verdict="approved"),
            "Seat 2A on flight FLT123 is already taken.",
            "Your request APR-1A2B3C4D for seat 2A on flight FLT123 was approved, but the seat "
            "could not be assigned: Seat 2A on flight FLT123 is already taken.",
        ),
        (
            Decision(verdict="rejected", reason="the premium cabin is full"),
            None,
            "Sorry, your request APR-1A2B3C4D for seat 2A on flight FLT123 was not approved: "
            "the premium cabin is full. Your seat was not changed.",
        ),
        (
            Decision(verdict="expired"),
            None,
            "Your request APR-1A2B3C4D for seat 2A on flight FLT123 expired: no supervisor "
            "decided it within 24 hours. Your seat was not changed; ask again if you still "
            "want it.",
        ),
    ],
)
def test_outcome_texts(decision: Decision, failure: str | None, says: str) -> None:
    assert outcome_text(request(), decision, failure) == says


def test_short_timeouts_are_said_in_seconds() -> None:
    text = outcome_text(request(timeout_s=8.0), Decision(verdict="expired"), None)
    assert "within 8 seconds" in text


def test_a_rejection_needs_a_reason() -> None:
    assert Rejection(reason="  full  ").reason == "full"
    with pytest.raises(ValidationError):
        Rejection(reason="   ")
    with pytest.raises(ValidationError):
        Rejection.model_validate({})


@pytest.mark.parametrize("bad", ["APR-1a2b3c4d", "APR-123", "1A2B3C4D", "APR-1A2B3C4DX"])
def test_request_ids_have_one_shape(bad: str) -> None:
    with pytest.raises(ValidationError):
        request(request_id=bad)


def test_status_for_the_customer() -> None:
    pending = ApprovalStatus(request=request(), state="pending")
    assert describe_status(pending) == (
        "Request APR-1A2B3C4D for seat 2A on flight FLT123 is still waiting for a "
        "supervisor's decision."
    )
    applying = ApprovalStatus(request=request(), state="approved")
    assert "was approved; the change is being carried out" in describe_status(applying)
    done = ApprovalStatus(request=request(), state="rejected", outcome="Sorry, no.")
    assert describe_status(done) == "Sorry, no."
