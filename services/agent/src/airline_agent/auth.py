"""Customer sessions: `Sessions/open` issues an id and a signed token; AgentSession checks it.

The token is an HS256 JWT (PyJWT) signed with SESSION_SIGNING_KEY (env, `.env`, or the file
SESSION_SIGNING_KEY_FILE names): subject = the session id, audience "airline-session", an
expiry. `chat`, `history`, `status` and `cancel` of a session answer only a request carrying
`authorization: Bearer <token>` for exactly that session: a missing, malformed, tampered or
expired token is a 401, another session's token a 403, before anything is read or stored.
"""

import secrets
import time

import jwt
import restate
from restate import Context, ObjectContext, ObjectSharedContext, TerminalError

from airline_contracts.errors import FORBIDDEN, UNAUTHORIZED
from airline_contracts.sessions import SESSION_TOKEN_AUDIENCE, OpenedSession
from telemetry import replaying

from . import config

ALGORITHM = "HS256"
sessions = restate.Service("Sessions")


def _key() -> str:
    if not config.SESSION_SIGNING_KEY:
        raise TerminalError(
            "Sessions are not available: the agent has no SESSION_SIGNING_KEY "
            "(or SESSION_SIGNING_KEY_FILE) configured.",
            status_code=503,
        )
    return config.SESSION_SIGNING_KEY


def sign(session_id: str, issued_at: int) -> OpenedSession:
    """The token of a session opened at issued_at (deterministic: same input, same token)."""
    expires = issued_at + config.SESSION_TOKEN_TTL_S
    claims = {"sub": session_id, "aud": SESSION_TOKEN_AUDIENCE, "iat": issued_at, "exp": expires}
    token = jwt.encode(claims, _key(), algorithm=ALGORITHM)
    return OpenedSession(session_id=session_id, token=token, expires_at=expires)


@sessions.handler()
async def open(ctx: Context) -> OpenedSession:
    """Open a conversation: a fresh id of 128 random bits and its token."""

    def fresh() -> str:
        return f"s-{secrets.token_hex(16)} {int(time.time())}"

    # Journaled: a retry of this invocation returns the same session (and the same token).
    session_id, issued_at = (await ctx.run_typed("new session", fresh)).split()
    return sign(session_id, int(issued_at))


def authorize(ctx: ObjectContext | ObjectSharedContext) -> None:
    """Refuse the request unless it carries this session's valid token (401 / 403)."""
    header = ctx.request().headers.get("authorization", "")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TerminalError(
            "This session needs its token: send `authorization: Bearer <token>` "
            "(Sessions/open returns it with the session id).",
            status_code=UNAUTHORIZED,
        )
    try:
        claims = jwt.decode(
            token.strip(),
            _key(),
            algorithms=[ALGORITHM],
            audience=SESSION_TOKEN_AUDIENCE,
            # A retry of a turn replays it with the same headers: the expiry was checked on the
            # first attempt, and a turn must not fail halfway because the clock moved on.
            options={"require": ["sub", "exp", "iat"], "verify_exp": not replaying()},
        )
    except jwt.ExpiredSignatureError:
        raise TerminalError(
            "The session token has expired: open a new session.", status_code=UNAUTHORIZED
        ) from None
    except jwt.InvalidTokenError:
        raise TerminalError(
            "The session token is not valid (malformed, altered or not issued here).",
            status_code=UNAUTHORIZED,
        ) from None
    if claims.get("sub") != ctx.key():
        raise TerminalError(
            "This token belongs to another session; it cannot be used for this one.",
            status_code=FORBIDDEN,
        )
