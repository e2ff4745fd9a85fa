"""The stack's secrets, generated once per data dir and kept there with 0600 permissions.

- the request identity: an Ed25519 key pair; restate-server signs every request to a service
  with the private key (`[worker.invoker] request-identity-private-key-pem-file`), each service
  accepts only requests signed by it (`restate.app(..., identity_keys=["publickeyv1_..."])`);
- the session-signing key: the agent signs the customers' session tokens with it;
- the payment webhook secret: the payment provider (here: `client pay`) signs `Invoice/pay`;
- the supervisor token: the operator credential (approvals, mailbox, seeding, reminders), unless
  SUPERVISOR_TOKEN is set in the environment.

Services get file paths (`*_FILE`), never the values, in their environment; the client reads the
same files (AIRLINE_SECRETS_DIR, default: the `make up` data dir's).
"""

import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

IDENTITY_PEM = "request-identity.pem"
IDENTITY_PUBLIC = "request-identity.pub"
SESSION_KEY = "session-signing.key"
WEBHOOK_SECRET = "payment-webhook.secret"
SUPERVISOR_TOKEN = "supervisor.token"

# restate-server's setting (env form) naming the private key it signs requests with.
SERVER_IDENTITY_ENV = "RESTATE_WORKER__INVOKER__REQUEST_IDENTITY_PRIVATE_KEY_PEM_FILE"
# The services' settings (read by telemetry.identity_keys and each service's config).
IDENTITY_KEYS_ENV = "RESTATE_IDENTITY_KEYS"
SESSION_KEY_FILE_ENV = "SESSION_SIGNING_KEY_FILE"
WEBHOOK_SECRET_FILE_ENV = "PAYMENT_WEBHOOK_SECRET_FILE"
SUPERVISOR_FILE_ENV = "SUPERVISOR_TOKEN_FILE"
SUPERVISOR_HEADER = "x-supervisor-token"
OPERATOR_AUDIENCE = "airline-operator"


def operator_token(secret: str, ttl_s: int = 60) -> str:
    """A short-lived proof of the supervisor credential (HS256 JWT), what operators send."""
    now = int(time.time())
    claims = {"aud": OPERATOR_AUDIENCE, "iat": now, "exp": now + ttl_s}
    return jwt.encode(claims, secret, algorithm="HS256")


_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def base58(data: bytes) -> str:
    """Bitcoin-alphabet base58, the encoding of Restate's `publickeyv1_` identity keys."""
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, digit = divmod(number, 58)
        out = _B58[digit] + out
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + out


def public_identity_key(private_pem: bytes) -> str:
    """The `publickeyv1_...` form of an Ed25519 private key's public half."""
    key = serialization.load_pem_private_key(private_pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the request identity key must be an Ed25519 key")
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "publickeyv1_" + base58(raw)


def _write_private(path: Path, data: bytes) -> None:
    """Create path with 0600 from the start (never readable by others, not even briefly)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)


def _ensure(path: Path, make: "bytes | None" = None) -> bytes:
    if not path.exists():
        _write_private(path, make if make is not None else secrets.token_urlsafe(32).encode())
    os.chmod(path, 0o600)
    return path.read_bytes()


@dataclass(frozen=True)
class StackSecrets:
    """The secrets of one stack, in `directory` (0700, each file 0600)."""

    directory: Path

    @classmethod
    def ensure(cls, directory: Path) -> "StackSecrets":
        """Use the secrets in directory, generating the missing ones."""
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(directory, 0o700)
        pem = directory / IDENTITY_PEM
        if not pem.exists():
            key = Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            _write_private(pem, key)
        os.chmod(pem, 0o600)
        public = directory / IDENTITY_PUBLIC
        expected = public_identity_key(pem.read_bytes())
        if not public.exists() or public.read_text().strip() != expected:
            public.unlink(missing_ok=True)
            _write_private(public, expected.encode() + b"\n")
        for name in (SESSION_KEY, WEBHOOK_SECRET, SUPERVISOR_TOKEN):
            _ensure(directory / name)
        return cls(directory)

    def _read(self, name: str) -> str:
        return (self.directory / name).read_text(encoding="utf-8").strip()

    @property
    def identity_pem_file(self) -> Path:
        return self.directory / IDENTITY_PEM

    @property
    def identity_public_key(self) -> str:
        return self._read(IDENTITY_PUBLIC)

    @property
    def session_key(self) -> str:
        return self._read(SESSION_KEY)

    @property
    def webhook_secret(self) -> str:
        return self._read(WEBHOOK_SECRET)

    @property
    def supervisor_token(self) -> str:
        """$SUPERVISOR_TOKEN when set (it wins everywhere), else the generated one."""
        return os.environ.get("SUPERVISOR_TOKEN") or self._read(SUPERVISOR_TOKEN)

    def values(self) -> dict[str, str]:
        """Every secret value by name (for tests that grep for leaks)."""
        return {
            "request identity private key": self.identity_pem_file.read_text(),
            "session-signing key": self.session_key,
            "payment webhook secret": self.webhook_secret,
            "supervisor token": self.supervisor_token,
        }

    def server_env(self) -> dict[str, str]:
        """restate-server's environment: sign every request to a service."""
        return {SERVER_IDENTITY_ENV: str(self.identity_pem_file)}

    def service_env(self) -> dict[str, str]:
        """Every service's environment: whom to trust, where each secret is."""
        return {
            IDENTITY_KEYS_ENV: self.identity_public_key,
            SESSION_KEY_FILE_ENV: str(self.directory / SESSION_KEY),
            WEBHOOK_SECRET_FILE_ENV: str(self.directory / WEBHOOK_SECRET),
            SUPERVISOR_FILE_ENV: str(self.directory / SUPERVISOR_TOKEN),
        }


COMPOSE_ENV_FILE = "airline.env"


def write_compose_env(directory: Path) -> StackSecrets:
    """The compose stack's secrets in directory, and `airline.env` (0600) for its env_file.

    airline.env holds what the services need: the identity's public key, never its private
    half, which compose mounts into restate-server alone (compose.yaml's `secrets`).
    """
    found = StackSecrets.ensure(directory)
    lines = [
        f"{IDENTITY_KEYS_ENV}={found.identity_public_key}",
        f"SESSION_SIGNING_KEY={found.session_key}",
        f"PAYMENT_WEBHOOK_SECRET={found.webhook_secret}",
        f"SUPERVISOR_TOKEN={found.supervisor_token}",
    ]
    path = directory / COMPOSE_ENV_FILE
    path.unlink(missing_ok=True)
    _write_private(path, ("\n".join(lines) + "\n").encode())
    return found
