"""Which model errors the journaled step retries, after how long, and what cancellation is."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx2
import pytest
from agents import UserError
from openai import APIConnectionError, APIStatusError, APITimeoutError
from restate import TerminalError
from restate.exceptions import RetryableError

from durable_agents import classify, is_cancellation, openai_client, turn_cancelled

LONGEST = timedelta(seconds=10)
REQUEST = httpx2.Request("POST", "http://llm.invalid/v1/responses")


def _status_error(status: int, headers: dict[str, str] | None = None) -> APIStatusError:
    response = httpx2.Response(status, headers=headers or {}, request=REQUEST)
    return APIStatusError("injected", response=response, body=None)


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504, 529])
def test_statuses_a_retry_can_fix_are_retried(status: int) -> None:
    assert isinstance(classify(_status_error(status), LONGEST), RetryableError)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413, 422])
def test_every_other_status_ends_the_call_at_once(status: int) -> None:
    final = classify(_status_error(status), LONGEST)
    assert isinstance(final, TerminalError)
    assert f"({status})" in final.message


def test_the_server_may_say_otherwise_with_x_should_retry() -> None:
    assert isinstance(
        classify(_status_error(400, {"x-should-retry": "true"}), LONGEST), RetryableError
    )
    assert isinstance(
        classify(_status_error(503, {"x-should-retry": "false"}), LONGEST), TerminalError
    )


def test_connection_errors_and_timeouts_are_retried() -> None:
    assert isinstance(classify(APIConnectionError(request=REQUEST), LONGEST), RetryableError)
    assert isinstance(classify(APITimeoutError(request=REQUEST), LONGEST), RetryableError)


def test_the_next_attempt_waits_as_long_as_the_server_asked_within_bounds() -> None:
    def delay(headers: dict[str, str]) -> timedelta | None:
        error = classify(_status_error(429, headers), LONGEST)
        assert isinstance(error, RetryableError)
        return error.retry_after

    assert delay({"retry-after": "3"}) == timedelta(seconds=3)
    assert delay({"retry-after-ms": "250", "retry-after": "3"}) == timedelta(milliseconds=250)
    assert delay({"retry-after": "3600"}) == LONGEST
    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=5), usegmt=True)
    found = delay({"retry-after": soon})
    assert found is not None and timedelta(seconds=3) < found <= timedelta(seconds=5)
    assert delay({"retry-after": "soon"}) is None
    assert delay({}) is None


def test_other_providers_errors_pass_unchanged() -> None:
    error = ValueError("a provider's own error")
    assert classify(error, LONGEST) is error


def test_the_openai_client_for_durable_runs_never_retries_by_itself() -> None:
    assert openai_client(api_key="k", max_retries=5).max_retries == 0


def test_status_409_is_cancellation_whatever_it_says_and_nothing_else_is() -> None:
    assert is_cancellation(TerminalError("cancelled", 409))
    assert is_cancellation(TerminalError("anything", 409))
    assert not is_cancellation(TerminalError("Seat 10B is already taken.", 412))
    assert not is_cancellation(TerminalError("cancelled", 500))
    assert not is_cancellation(ValueError("cancelled"))


def test_a_cancellation_wrapped_by_the_agents_sdk_is_still_one() -> None:
    # What the SDK raises when a tool's call in flight is cancelled.
    try:
        try:
            raise TerminalError("cancelled", 409)
        except TerminalError as error:
            raise UserError("Error running tool send_invoice: cancelled") from error
    except UserError as wrapped:
        assert turn_cancelled(wrapped)
    assert not turn_cancelled(UserError("Error running tool send_invoice: boom"))
    assert not turn_cancelled(TerminalError("Seat 10B is already taken.", 412))
