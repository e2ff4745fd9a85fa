"""Seating's configuration, read once from the environment."""

import os

from telemetry import secret

HOST = os.environ.get("HOST", "127.0.0.1")
PORT = int(os.environ.get("PORT", "9081"))
# Prometheus /metrics on HOST; "off" serves none.
METRICS_PORT = os.environ.get("METRICS_PORT", "9181")
# hypercorn worker processes sharing PORT (metrics of all served on METRICS_PORT).
WORKERS = int(os.environ.get("WORKERS", "1"))
# Test knob: a durable pause (ctx.sleep) in Booking/change_seat between taking the new seat on
# the flight and recording it on the booking, so a crash test can kill seating mid-handler.
WORK_DELAY_MS = int(os.environ.get("SEATING_WORK_DELAY_MS", "0"))

# The operator credential: `SeatApproval/approve` and `reject`, `ApprovalDesk/pending`,
# `SeatingAdmin/seed` and `Flight/seat_map` need it in the x-supervisor-token header (the client
# sends it). $SUPERVISOR_TOKEN, else the file $SUPERVISOR_TOKEN_FILE names (devstack generates
# one per data dir). Unset: nobody may.
SUPERVISOR_TOKEN = secret("SUPERVISOR_TOKEN")

# A premium or exit-row seat request nobody decides within this many seconds expires.
APPROVAL_TIMEOUT_S = float(os.environ.get("APPROVAL_TIMEOUT_S", str(24 * 3600)))
