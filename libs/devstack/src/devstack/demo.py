"""`devstack demo`: start the stack, hold a conversation through the real client, crash the
agent in the middle of a turn, show that the turn completes with its effects done once; then two
tools at once, a premium seat approved by a supervisor, a check-in reminder, a cancelled turn."""

import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import httpx

from .config import DEFAULT_SERVICES, StackConfig
from .credentials import SUPERVISOR_HEADER, operator_token
from .logs import LogSink
from .paths import repo_root
from .stack import Stack
from .waiting import wait_for

# Slow enough that the crash lands between the tool call and the agent's final answer.
DEMO_LLM_LATENCY_MS = "700"
# Each invoice takes a second downstream, so two of them in one turn show they run together.
DEMO_INVOICE_WORK_MS = "1000"
DEMO_CHECKIN_REMINDER_S = "5"
EMAIL = "ada.lovelace@example.com"
_APPROVAL_ID = re.compile(r"APR-[0-9A-F]{8}")


def _say(text: str = "") -> None:
    print(text, flush=True)


class Demo:
    """The demo conversation against a running stack."""

    def __init__(self, stack: Stack, client_state: Path) -> None:
        self.stack = stack
        self.http = httpx.Client(base_url=stack.ingress_url, timeout=30)
        # The client keeps the demo's session and its token apart from the user's own, and
        # finds the operator's and the payment provider's secrets in the demo stack's dir.
        self.env = {
            **os.environ,
            "RESTATE_INGRESS_URL": stack.ingress_url,
            "XDG_STATE_HOME": str(client_state),
            "AIRLINE_SECRETS_DIR": str(stack.secrets.directory),
        }
        self.session = ""
        self.bearer: dict[str, str] = {}
        self.client_state = client_state

    def open_session(self) -> None:
        """Open the demo's conversation through the client, as a customer would."""
        self.session = self.finish(self.client("session", "--new-session")).strip()
        tokens = json.loads((self.client_state / "airline-client" / "tokens.json").read_text())
        self.bearer = {"authorization": f"Bearer {tokens[self.session]}"}

    def client(self, *args: str) -> subprocess.Popen[str]:
        """Start the real command-line client, as `uv run client ...`."""
        _say("$ uv run client " + " ".join(f'"{a}"' if " " in a else a for a in args))
        session = ["--session", self.session] if self.session else []
        command = [sys.executable, "-m", "airline_client", *session, *args]
        return subprocess.Popen(command, env=self.env, stdout=subprocess.PIPE, text=True)

    def finish(self, process: subprocess.Popen[str]) -> str:
        out, _ = process.communicate(timeout=120)
        if process.returncode != 0:
            raise RuntimeError(f"the client failed (exit {process.returncode}): {out}")
        _say(out.rstrip())
        return out

    def mail_count(self, email: str = EMAIL) -> int:
        operator = {SUPERVISOR_HEADER: operator_token(self.stack.secrets.supervisor_token)}
        response = self.http.post(f"/Mailbox/{email}/inbox", headers=operator)
        return len(response.json()["mails"])

    def notices(self) -> list[dict[str, str]]:
        status = self.http.post(f"/AgentSession/{self.session}/status", headers=self.bearer)
        return status.json()["notices"]

    def turn_running(self) -> bool:
        rows = self.stack.admin_query(
            "SELECT id FROM sys_invocation WHERE target_service_name = 'AgentSession' "
            f"AND target_service_key = '{self.session}' AND target_handler_name = 'chat' "
            "AND status IN ('running', 'backing-off', 'suspended')"
        )
        return bool(rows)

    def run(self) -> None:
        _say("\n== 0. A session: the agent returns its id and the token only it may use ==")
        self.open_session()
        _say("\n== 1. An invoice, with the agent process killed in the middle of the turn ==")
        before = self.mail_count()
        turn = self.client("can you send me an invoice for booking AB4568, last name Lovelace?")
        wait_for(lambda: self.mail_count() > before, timeout=60, interval=0.02)
        pid = self.stack.agent.pid
        _say(f"   ... the invoice mail is out, the agent has not answered: SIGKILL agent pid {pid}")
        self.stack.agent.kill()
        self.stack.agent.start()
        self.stack.agent.wait_listening(timeout=60)
        _say(f"   ... agent restarted (pid {self.stack.agent.pid}); Restate replays the turn")
        self.finish(turn)
        _say(f"   mails received by {EMAIL}: {self.mail_count() - before} (sent once)")

        _say("\n== 2. A seat change over two turns ==")
        self.finish(self.client("can you change my seat to 10b?"))
        self.finish(self.client("5666 Hopper"))
        self.finish(self.client("booking", "5666", "Hopper"))

        _say("\n== 3. Questions for the FAQ agent ==")
        self.finish(self.client("how much baggage can I bring?"))
        self.finish(self.client("is there wifi on the plane?"))

        _say("\n== 4. Two tools in one model response run together ==")
        _say(f"   (each invoice takes {int(DEMO_INVOICE_WORK_MS) / 1000:g} s downstream)")
        started = time.monotonic()
        self.finish(self.client("send me the invoices for AB4568 Lovelace and XY7890 Turing"))
        took = time.monotonic() - started
        _say(f"   turn took {took:.1f} s: its model calls, then the two 1 s invoices side by side")

        _say("\n== 5. A premium seat needs a supervisor's approval ==")
        asked = self.finish(self.client("change my seat to 2A, booking 5666 Hopper"))
        found = _APPROVAL_ID.search(asked)
        if found is None:
            raise RuntimeError(f"the agent submitted no approval request: {asked}")
        request_id = found.group()
        self.finish(self.client("what's the status of my seat request?"))
        self.finish(self.client("approvals"))
        before = len(self.notices())
        self.finish(self.client("approve", request_id))
        wait_for(lambda: len(self.notices()) > before, timeout=60, message="the outcome notice")
        _say(f"   the session was told: {self.notices()[-1]['text']}")
        self.finish(self.client("booking", "5666", "Hopper"))

        _say("\n== 6. A check-in reminder: a durable delayed call ==")
        self.finish(self.client("remind me to check in for AB4568"))
        before = len(self.notices())
        _say(
            f"   ... waiting for the reminder ({DEMO_CHECKIN_REMINDER_S} s here, a day by default)"
        )
        wait_for(lambda: len(self.notices()) > before, timeout=60, message="the reminder")
        _say(f"   the session was told: {self.notices()[-1]['text']}")

        _say("\n== 7. Cancelling a running turn ==")
        turn = self.client("send me the invoice for QR2468 Dijkstra")
        wait_for(self.turn_running, timeout=30, interval=0.05, message="the running turn")
        self.finish(self.client("cancel"))
        out, _ = turn.communicate(timeout=120)
        _say(out.rstrip() or f"   (the cancelled turn's client exited with {turn.returncode})")
        self.finish(self.client("how much baggage can I bring?"))

        _say("\n== 8. The session's memory, read from Restate state ==")
        self.finish(self.client("history"))
        self.finish(self.client("status"))

        _say("\n== Where to look ==")
        _say("Run `make up` and open the Restate UI at http://127.0.0.1:9070/ui/ :")
        _say("  Invocations -> AgentSession -> an invocation: its journal (each 'call LLM',")
        _say("  each call to Booking / Invoicing); State -> AgentSession -> a session: its memory.")


def run_demo(data_dir: Path | None = None) -> int:
    """Run the whole demo on a fresh data dir; return the exit status."""
    data = (data_dir or repo_root() / ".stack" / "demo").resolve()
    shutil.rmtree(data, ignore_errors=True)
    shutil.rmtree(data.parent / "demo-client", ignore_errors=True)
    services = tuple(
        # No metrics ports: the demo runs beside `make up` without a clash.
        replace(spec, port=port, metrics_port=None)
        for spec, port in zip(DEFAULT_SERVICES, (19080, 19081, 19082), strict=True)
    )
    logs = data.parent / "demo-logs"
    config = StackConfig(
        data_dir=data,
        ingress_port=18080,
        admin_port=19070,
        node_port=15122,
        services=services,
        per_service_env={
            "agent": {
                "OFFLINE_MODEL_LATENCY_MS": DEMO_LLM_LATENCY_MS,
                "CHECKIN_REMINDER_DELAY_S": DEMO_CHECKIN_REMINDER_S,
            },
            "invoicing": {"INVOICING_WORK_DELAY_MS": DEMO_INVOICE_WORK_MS},
        },
        logs=LogSink(directory=logs),
    )
    _say("Starting restate-server and the agent, seating and invoicing services...")
    _say(f"(their logs: {logs}/)")
    with Stack(config) as stack:
        _say(f"Stack is up: ingress {stack.ingress_url}, Restate UI {stack.ui_url}")
        Demo(stack, data.parent / "demo-client").run()
        _say("\nStopping the stack. Demo complete.")
    return 0
