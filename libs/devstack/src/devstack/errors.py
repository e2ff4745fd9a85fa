"""Errors raised by devstack, with messages meant for a human at a terminal."""


class StackError(RuntimeError):
    """Something in the local stack could not be started, reached or configured."""


class PortInUseError(StackError):
    """A port the stack wants to bind is already taken (often: another stack is running)."""

    def __init__(self, port: int, role: str) -> None:
        super().__init__(
            f"port {port} ({role}) is already in use on 127.0.0.1 - is another stack running?"
        )
        self.port = port
        self.role = role
