"""Request decoding that answers bad input with a 400 instead of a retried 500."""

from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError
from restate import TerminalError
from restate.serde import PydanticJsonSerde

M = TypeVar("M", bound=BaseModel)


class Rejected:
    """A request body that did not validate, carrying the reason for the caller."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _describe(error: ValidationError) -> str:
    parts = []
    for detail in error.errors(include_url=False):
        where = ".".join(str(p) for p in detail["loc"]) or "body"
        parts.append(f"{where}: {detail['msg']}")
    return "; ".join(parts)


class CheckedSerde(PydanticJsonSerde, Generic[M]):
    """The SDK wraps any decoding error in a TerminalError 500; we keep the reason for a 400."""

    def deserialize(self, buf: bytes) -> M | Rejected | None:  # type: ignore[override]
        if not buf:
            return Rejected('the request body is empty; send JSON such as {"message": "hi"}')
        try:
            return self.model.model_validate_json(buf)
        except ValidationError as error:
            return Rejected(f"invalid request: {_describe(error)}")


def accept(request: M | Rejected | None) -> M:
    """The validated request, or a TerminalError 400 that says what was wrong."""
    if isinstance(request, Rejected):
        raise TerminalError(request.reason, status_code=400)
    if request is None:
        raise TerminalError("the request body is empty", status_code=400)
    return request
