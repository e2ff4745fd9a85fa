"""Which model errors a retry can fix. The journaled step owns every retry of a model call.

The openai client retries on its own (twice by default) inside each durable attempt, so six
attempts could send eighteen requests and hide the budget. Build it with `openai_client()`
(no retries of its own); the journaled step then classifies each failure once, as Temporal's
OpenAI integration does: connection errors, timeouts, 408, 409, 429 and 5xx are retried (after
the server's `retry-after-ms` / `retry-after`, when it sends one; `x-should-retry` overrides the
status), everything else ends the call at once.
"""

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from openai import APIConnectionError, APIStatusError, AsyncOpenAI
from restate import TerminalError
from restate.exceptions import RetryableError

RETRYABLE_STATUS = frozenset({408, 409, 429})


def openai_client(**options: Any) -> AsyncOpenAI:
    """An AsyncOpenAI client for durable runs: it never retries by itself."""
    return AsyncOpenAI(**{**options, "max_retries": 0})


def retryable_status(status: int, should_retry: str | None = None) -> bool:
    """Whether a response with this status may succeed when asked again."""
    if should_retry in ("true", "false"):
        return should_retry == "true"
    return status in RETRYABLE_STATUS or status >= 500


def retry_after(headers: Any, longest: timedelta) -> timedelta | None:
    """The delay the server asked for (retry-after-ms, or retry-after in seconds or as a date)."""
    try:
        millis = headers.get("retry-after-ms")
        if millis:
            return _bounded(timedelta(milliseconds=float(millis)), longest)
        value = headers.get("retry-after")
        if not value:
            return None
        try:
            return _bounded(timedelta(seconds=float(value)), longest)
        except ValueError:
            return _bounded(parsedate_to_datetime(value) - datetime.now(UTC), longest)
    except (TypeError, ValueError):
        return None


def _bounded(delay: timedelta, longest: timedelta) -> timedelta:
    return min(max(delay, timedelta(0)), longest)


def classify(error: Exception, longest_delay: timedelta) -> Exception:
    """The error as the journaled step raises it: retried (with the server's delay) or final.

    Errors of other providers pass unchanged: Restate retries them with the step's backoff.
    """
    if isinstance(error, APIConnectionError):  # also APITimeoutError
        return RetryableError(f"the model could not be reached ({type(error).__name__})")
    if not isinstance(error, APIStatusError):
        return error
    status = error.status_code
    if retryable_status(status, error.response.headers.get("x-should-retry")):
        return RetryableError(
            f"the model answered {status}",
            retry_after=retry_after(error.response.headers, longest_delay),
        )
    return TerminalError(f"the model refused the request ({status})", status_code=502)
