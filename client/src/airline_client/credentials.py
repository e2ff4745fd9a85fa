"""The operator's and the payment provider's secrets, as this client finds them.

$SUPERVISOR_TOKEN and $PAYMENT_WEBHOOK_SECRET win; else the files devstack generated for the
stack: $AIRLINE_SECRETS_DIR, or the `.stack/restate/secrets` of the repository the client runs
in (`make up`'s). Read only when a command needs them.
"""

import hashlib
import hmac
import os
import time
from pathlib import Path

import jwt

SECRETS_DIR_ENV = "AIRLINE_SECRETS_DIR"
SUPERVISOR_ENV = "SUPERVISOR_TOKEN"
WEBHOOK_ENV = "PAYMENT_WEBHOOK_SECRET"
SUPERVISOR_FILE = "supervisor.token"
WEBHOOK_FILE = "payment-webhook.secret"
DEFAULT_DIR = Path(".stack") / "restate" / "secrets"


def secrets_dir() -> Path | None:
    """$AIRLINE_SECRETS_DIR, else the nearest `.stack/restate/secrets` from the cwd upwards."""
    configured = os.environ.get(SECRETS_DIR_ENV, "").strip()
    if configured:
        return Path(configured)
    for directory in (Path.cwd(), *Path.cwd().parents):
        if (directory / DEFAULT_DIR).is_dir():
            return directory / DEFAULT_DIR
    return None


def _secret(env: str, name: str) -> str:
    value = os.environ.get(env, "").strip()
    if value:
        return value
    directory = secrets_dir()
    if directory is None:
        return ""
    try:
        return (directory / name).read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def supervisor_token() -> str:
    """The operator credential, "" when none is found."""
    return _secret(SUPERVISOR_ENV, SUPERVISOR_FILE)


def webhook_secret() -> str:
    """The payment provider's webhook secret, "" when none is found."""
    return _secret(WEBHOOK_ENV, WEBHOOK_FILE)


def sign_webhook(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The `x-signature` header a payment provider sends: t=<unix>,v1=<HMAC-SHA256 hex>."""
    stamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


OPERATOR_AUDIENCE = "airline-operator"
OPERATOR_TOKEN_TTL_S = 60


def operator_token(secret: str) -> str:
    """A short-lived proof of the supervisor credential (an HS256 JWT signed with it).

    Sent instead of the credential, which never leaves this machine: Restate keeps request
    headers in its journal, where a minute-old proof is worthless.
    """
    now = int(time.time())
    claims = {"aud": OPERATOR_AUDIENCE, "iat": now, "exp": now + OPERATOR_TOKEN_TTL_S}
    return jwt.encode(claims, secret, algorithm="HS256")
