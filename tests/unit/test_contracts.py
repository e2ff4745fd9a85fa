"""Every contract stub is served by its service under the same name, kind and types.

A caller that uses `airline_contracts` gets exactly the handler the service runs; a renamed
handler or a changed type on either side fails here, not in production.
"""

import inspect
from typing import Any

import pytest
from restate.handler import Handler, handler_from_callable

from airline_agent.session import agent_session
from airline_contracts import invoicing as invoicing_contract
from airline_contracts import seating as seating_contract
from airline_contracts import sessions as sessions_contract
from airline_contracts.formats import confirmation_number
from invoicing.invoicing import invoicing
from invoicing.mailbox import mailbox
from seating.approval import seat_approval
from seating.booking import booking
from seating.cabin import cabin_service
from tests.support.rules import RULE_CASE, Rule, rule_cases

SERVED: dict[str, Any] = {
    service.service_tag.name: service
    for service in (booking, cabin_service, seat_approval, invoicing, mailbox, agent_session)
}


def _stubs() -> list[Handler[Any, Any]]:
    found: list[Handler[Any, Any]] = []
    for module in (seating_contract, invoicing_contract, sessions_contract):
        for _, function in inspect.getmembers(module, callable):
            try:
                found.append(handler_from_callable(function))
            except ValueError:
                continue  # not a handler stub
    return found


STUBS = _stubs()


def test_the_contracts_cover_every_cross_service_call() -> None:
    assert {f"{h.service_tag.name}/{h.name}" for h in STUBS} == {
        "Booking/get",
        "Booking/verify_owner",
        "Booking/change_seat",
        "Booking/apply_approved",
        "SeatApproval/status",
        "Cabin/layout",
        "Invoicing/invoice_booking",
        "Mailbox/deliver",
        "AgentSession/notify",
    }


def _annotation(hint: Any) -> Any:
    return None if hint is None or hint.is_void else hint.annotation


@pytest.mark.parametrize("stub", STUBS, ids=lambda h: f"{h.service_tag.name}/{h.name}")
def test_the_service_serves_the_stub_as_declared(stub: Handler[Any, Any]) -> None:
    service = SERVED[stub.service_tag.name]
    assert service.service_tag.kind == stub.service_tag.kind
    served = service.handlers.get(stub.name)
    assert served is not None, f"{stub.service_tag.name} serves no handler {stub.name}"
    assert served.kind == stub.kind
    assert _annotation(served.handler_io.input_type) is _annotation(stub.handler_io.input_type)
    assert _annotation(served.handler_io.output_type) is _annotation(stub.handler_io.output_type)


@pytest.mark.parametrize(
    RULE_CASE,
    rule_cases(
        {
            confirmation_number: [
                ("AB4568", "AB4568"),
                ("ab4568", "AB4568"),
                (" AB 4568 ", "AB4568"),
                ("5666", "5666"),
                ("\tab\n4568", "AB4568"),
                ("12345678", "12345678"),
                ("123", None),
                ("123456789", None),
                ("AB-4568", None),
                ("AB4568!", None),
                ("", None),
                ("   ", None),
                ("ÄB4568", None),
            ]
        }
    ),
)
def test_a_confirmation_number_is_read_one_way_everywhere(
    rule: Rule, text: str, expected: str | None
) -> None:
    assert rule(text) == expected
