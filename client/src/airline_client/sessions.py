"""The default session and the tokens of the sessions this user opened, kept in state files.

A session is opened by the agent (`Sessions/open`): it returns the id and the token that alone
may use it. The default session's id is kept in `session`, every opened session's token in
`tokens.json` (0600), so consecutive commands continue the conversation.
"""

import json
import os
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


def tokens_file() -> Path:
    """Where the tokens of the opened sessions are kept (only this user may read it)."""
    return state_dir() / "tokens.json"


def saved_session() -> str:
    """The default session id, "" when there is none yet."""
    try:
        return session_file().read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return ""


def save_default(session: str) -> None:
    """Make session the default one."""
    path = session_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(session + "\n", encoding="utf-8")


def load_tokens() -> dict[str, str]:
    """Session id -> token of every session this user opened."""
    try:
        raw = json.loads(tokens_file().read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}
    return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}


def save_token(session: str, token: str) -> None:
    """Keep a session's token beside its id, in a file only this user may read."""
    tokens = {**load_tokens(), session: token}
    path = tokens_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump(tokens, file)
    os.replace(path.with_suffix(".tmp"), path)
