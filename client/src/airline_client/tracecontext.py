"""A W3C trace context for each message, so its whole journey is one trace.

restate-server continues a sampled `traceparent` it receives on the ingress: the agent, seating
and invoicing spans of the turn then share the client's trace id (paste it into Jaeger).
"""

import secrets
from dataclasses import dataclass


@dataclass(frozen=True)
class TraceParent:
    """The ids of the client's (unrecorded) root span of one message."""

    trace_id: str
    span_id: str

    @classmethod
    def new(cls) -> "TraceParent":
        """Fresh random ids (never all zeros, which W3C reserves as invalid)."""
        trace_id = span_id = ""
        while int(trace_id or "0", 16) == 0:
            trace_id = secrets.token_hex(16)
        while int(span_id or "0", 16) == 0:
            span_id = secrets.token_hex(8)
        return cls(trace_id, span_id)

    @property
    def header(self) -> str:
        """The `traceparent` header value: version 00, flags 01 (sampled)."""
        return f"00-{self.trace_id}-{self.span_id}-01"
