"""Secrets and trust of a service, from the environment or a file (never from code or state).

`secret("X")` is $X when set, else the contents of the file $X_FILE names (a compose secret, the
file devstack generated), else "". `identity_keys()` are the public keys of the restate-servers
whose signed requests this service accepts ($RESTATE_IDENTITY_KEYS, comma-separated).
"""

import os
from pathlib import Path

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
