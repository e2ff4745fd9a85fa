"""The default session id, kept per user in a state file so consecutive commands continue it."""

import os
import secrets
from pathlib import Path

APP_DIR = "airline-client"


def state_dir() -> Path:
    """$XDG_STATE_HOME/airline-client, or ~/.local/state/airline-client."""
    base = os.environ.get("XDG_STATE_HOME")
    # The XDG spec says to ignore a relative path: it would depend on the working directory.
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".local" / "state"
    return root / APP_DIR


def session_file() -> Path:
    """Where the default session id is kept."""
    return state_dir() / "session"


def new_session_id() -> str:
    """A fresh session id, e.g. s-1a2b3c4d."""
    return f"s-{secrets.token_hex(4)}"


def default_session(*, new: bool = False) -> str:
    """The default session id; created on first use, or replaced when `new`."""
    path = session_file()
    if not new:
        try:
            saved = path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            saved = ""
        if saved:
            return saved
    session = new_session_id()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(session + "\n", encoding="utf-8")
    return session
