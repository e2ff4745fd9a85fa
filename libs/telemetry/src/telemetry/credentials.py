"""Secrets and trust of a service, from the environment or a file (never from code or state).

`secret("X")` is $X when set, else the contents of the file $X_FILE names (a compose secret, the
file devstack generated), else "". `identity_keys()` are the public keys of the restate-servers
whose signed requests this service accepts ($RESTATE_IDENTITY_KEYS, comma-separated).
"""

import os
from pathlib import Path

import jwt
from restate import Context, TerminalError

from durable_agents import replaying

IDENTITY_KEYS_ENV = "RESTATE_IDENTITY_KEYS"


def secret(name: str) -> str:
    """$name, else the contents of the file $name_FILE, stripped; "" when neither is set."""
    value = os.environ.get(name, "")
    if value:
        return value.strip()
    path = os.environ.get(f"{name}_FILE", "")
    if not path:
        return ""
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError as error:
        raise RuntimeError(f"{name}_FILE={path}: cannot read it ({error.strerror})") from None


def identity_keys() -> list[str]:
    """Restate request-identity keys (publickeyv1_...) to verify requests with; [] trusts all."""
    raw = os.environ.get(IDENTITY_KEYS_ENV, "")
    return [key.strip() for key in raw.split(",") if key.strip()]


SUPERVISOR_HEADER = "x-supervisor-token"
OPERATOR_AUDIENCE = "airline-operator"
# How long an operator's signed request may live: it is kept in Restate's journal with the
# request, so it must be worthless soon; the credential itself never leaves the operator.
OPERATOR_TOKEN_MAX_S = 300


def require_supervisor(ctx: Context, expected: str, what: str) -> None:
    """Refuse the request unless it proves the supervisor credential (401 none, 403 wrong).

    `ctx` is the handler's: its request's header holds a short-lived HS256 JWT (PyJWT) signed
    with the credential, audience "airline-operator", never the credential itself:
    restate-server keeps each request's headers in its journal. `expected` empty (no
    SUPERVISOR_TOKEN configured) refuses everyone: operator actions are never open.
    """
    headers = {name.lower(): value for name, value in ctx.request().headers.items()}
    given = headers.get(SUPERVISOR_HEADER, "").strip()
    if not expected:
        raise TerminalError(
            f"Only a supervisor may {what}, and no supervisor credential is configured "
            "(set SUPERVISOR_TOKEN or SUPERVISOR_TOKEN_FILE for the service).",
            status_code=403,
        )
    if not given:
        raise TerminalError(
            f"Only a supervisor may {what}: send the supervisor token in the "
            f"{SUPERVISOR_HEADER} header (the client sends it).",
            status_code=401,
        )
    try:
        claims = jwt.decode(
            given,
            expected,
            algorithms=["HS256"],
            audience=OPERATOR_AUDIENCE,
            # A retry replays the request as it came: its freshness was checked the first time.
            options={"require": ["exp", "iat"], "verify_exp": not replaying()},
        )
    except jwt.InvalidTokenError as error:
        raise TerminalError(
            f"Only a supervisor may {what}: the {SUPERVISOR_HEADER} header is not signed with "
            f"the supervisor credential, or has expired ({type(error).__name__}).",
            status_code=403,
        ) from None
    if int(claims["exp"]) - int(claims["iat"]) > OPERATOR_TOKEN_MAX_S:
        raise TerminalError(
            f"Only a supervisor may {what}: an operator token may live "
            f"{OPERATOR_TOKEN_MAX_S} s at most.",
            status_code=403,
        )
