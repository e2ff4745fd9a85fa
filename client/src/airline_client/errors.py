"""What can go wrong when talking to the ingress, as exceptions with a one-line message."""


class ClientError(Exception):
    """Any failure of a request; `str(error)` is the one line to show the user."""


class IngressUnreachable(ClientError):
    """Nothing answers at the ingress address (connection refused, unknown host)."""

    def __init__(self, url: str) -> None:
        super().__init__(
            f"cannot reach the agent at {url} - is the stack running? (start it with: make up)"
        )
        self.url = url


class RequestRejected(ClientError):
    """The ingress answered 4xx: a bad request, an unknown booking, ..."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class NoAnswer(ClientError):
    """Every attempt failed with a 5xx, a timeout or a dropped connection."""

    def __init__(self, message: str, idempotency_key: str | None = None) -> None:
        super().__init__(message)
        # With the key the caller can re-attach to the invocation, which may still finish.
        self.idempotency_key = idempotency_key


class BadResponse(ClientError):
    """The ingress answered 2xx with a body that is not what the handler returns."""
