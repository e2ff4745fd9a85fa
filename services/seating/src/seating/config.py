"""Seating's configuration, read once from the environment."""

import os

HOST = os.environ.get("HOST", "127.0.0.1")
PORT = int(os.environ.get("PORT", "9081"))
# Prometheus /metrics on HOST; "off" serves none.
METRICS_PORT = os.environ.get("METRICS_PORT", "9181")
# hypercorn worker processes sharing PORT (metrics of all served on METRICS_PORT).
WORKERS = int(os.environ.get("WORKERS", "1"))
# Test knob: a durable pause (ctx.sleep) in Booking/change_seat between taking the new seat on
# the flight and recording it on the booking, so a crash test can kill seating mid-handler.
WORK_DELAY_MS = int(os.environ.get("SEATING_WORK_DELAY_MS", "0"))

# When set, `SeatApproval/approve` and `reject` need this value in the x-supervisor-token header
# (the client sends $SUPERVISOR_TOKEN). Empty: anyone who reaches the ingress may decide.
SUPERVISOR_TOKEN = os.environ.get("SUPERVISOR_TOKEN", "")

# A premium or exit-row seat request nobody decides within this many seconds expires.
APPROVAL_TIMEOUT_S = float(os.environ.get("APPROVAL_TIMEOUT_S", str(24 * 3600)))
