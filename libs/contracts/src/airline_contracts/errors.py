"""Status codes of the services' TerminalErrors, one meaning each.

409 belongs to Restate: it is how a cancelled invocation (or a call it made) ends, and
`durable_agents.is_cancellation` recognises it by that code alone. A business conflict (the
seat is taken, the request was decided already) is CONFLICT instead.
"""

BAD_REQUEST = 400
UNAUTHORIZED = 401
FORBIDDEN = 403
NOT_FOUND = 404
CONFLICT = 412
