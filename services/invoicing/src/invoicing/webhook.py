"""The payment provider's webhook signature, checked before `Invoice/pay` changes anything.

As real providers do (Stripe's `Stripe-Signature`, for one): the header
`x-signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + body>` with the shared secret
PAYMENT_WEBHOOK_SECRET. The body names the invoice (`{"invoice_id": "INV-..."}`), so a signature
pays only that invoice; the timestamp must be within PAYMENT_WEBHOOK_TOLERANCE_S of now, so an
old webhook captured on the way cannot be replayed later (a replay within the window finds the
invoice paid and changes nothing). Compared in constant time.
"""

import hashlib
import hmac
import json
import time
from collections.abc import Mapping

from restate import TerminalError

from airline_contracts.errors import BAD_REQUEST, UNAUTHORIZED

SIGNATURE_HEADER = "x-signature"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The v1 signature of body sent at timestamp."""
    payload = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def _refuse(why: str) -> TerminalError:
    return TerminalError(
        f"Payment refused: {why}; only the payment provider's signed webhook can pay an invoice.",
        status_code=UNAUTHORIZED,
    )


def _parts(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            timestamp = int(value)
        elif name == "v1" and value:
            signatures.append(value)
    if timestamp is None or not signatures:
        raise _refuse(f"the {SIGNATURE_HEADER} header is malformed (t=...,v1=...)")
    return timestamp, signatures


def verify(
    headers: Mapping[str, str],
    body: bytes,
    secret: str,
    tolerance_s: int,
    *,
    check_time: bool = True,
) -> int:
    """The signed timestamp if the webhook is authentic and fresh; a 401 otherwise."""
    if not secret:
        raise _refuse("no PAYMENT_WEBHOOK_SECRET is configured")
    header = headers.get(SIGNATURE_HEADER, "")
    if not header:
        raise _refuse(f"the {SIGNATURE_HEADER} header is missing")
    timestamp, given = _parts(header)
    expected = signature(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in given):
        raise _refuse("the signature does not match the body")
    if check_time and abs(time.time() - timestamp) > tolerance_s:
        raise _refuse(f"the signature's timestamp is more than {tolerance_s} s away from now")
    return timestamp


def invoice_of(body: bytes, key: str) -> None:
    """A 400 unless the (authentic) body names the invoice it was sent to."""
    try:
        named = json.loads(body).get("invoice_id")
    except (ValueError, AttributeError):
        named = None
    if named != key:
        raise TerminalError(
            f"The webhook pays invoice {named!r}, not {key}; nothing changed.",
            status_code=BAD_REQUEST,
        )
