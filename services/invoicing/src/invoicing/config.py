"""Invoicing's configuration, read once from the environment."""

import os

from telemetry import secret

HOST = os.environ.get("HOST", "127.0.0.1")
PORT = int(os.environ.get("PORT", "9082"))
# Prometheus /metrics on HOST; "off" serves none.
METRICS_PORT = os.environ.get("METRICS_PORT", "9182")
# hypercorn worker processes sharing PORT (metrics of all served on METRICS_PORT).
WORKERS = int(os.environ.get("WORKERS", "1"))
# How long after an invoice its payment reminder goes out unless it is paid (tests: seconds).
PAYMENT_REMINDER_DELAY_S = float(os.environ.get("PAYMENT_REMINDER_DELAY_S", str(7 * 24 * 3600)))
# Test knob: a durable pause (ctx.sleep) in Invoicing/send_invoice after the mail is delivered
# and before the handler returns, so a crash test can kill invoicing mid-handler.
WORK_DELAY_MS = int(os.environ.get("INVOICING_WORK_DELAY_MS", "0"))

# The operator credential (x-supervisor-token) for reading mailboxes: $SUPERVISOR_TOKEN, else the
# file $SUPERVISOR_TOKEN_FILE names. Unset: nobody may.
SUPERVISOR_TOKEN = secret("SUPERVISOR_TOKEN")
# The payment provider signs each `Invoice/pay` webhook with this shared secret (HMAC-SHA256):
# $PAYMENT_WEBHOOK_SECRET, else the file $PAYMENT_WEBHOOK_SECRET_FILE names. Unset: no payment
# is accepted.
PAYMENT_WEBHOOK_SECRET = secret("PAYMENT_WEBHOOK_SECRET")
# How old a webhook's signed timestamp may be (seconds, either way), against replays.
PAYMENT_WEBHOOK_TOLERANCE_S = int(os.environ.get("PAYMENT_WEBHOOK_TOLERANCE_S", "300"))
