"""`devstack demo`: start the stack, hold a conversation through the real client, crash the
agent in the middle of a turn, show that the turn completes with its effects done once, stop."""

import os
import shutil
import subprocess
import sys
import uuid
from dataclasses import replace
from pathlib import Path

import httpx

from .config import DEFAULT_SERVICES, StackConfig
from .logs import LogSink
from .paths import repo_root
from .stack import Stack
from .waiting import wait_for

# Slow enough that the crash lands between the tool call and the agent's final answer.
DEMO_LLM_LATENCY_MS = "700"
EMAIL = "ada.lovelace@example.com"


def _say(text: str = "") -> None:
    print(text, flush=True)


class Demo:
    """The demo conversation against a running stack."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.session = f"demo-{uuid.uuid4().hex[:8]}"
        self.http = httpx.Client(base_url=stack.ingress_url, timeout=30)
        self.env = {**os.environ, "RESTATE_INGRESS_URL": stack.ingress_url}

    def client(self, *args: str) -> subprocess.Popen[str]:
        """Start the real command-line client, as `uv run client ...`."""
        _say("$ uv run client " + " ".join(f'"{a}"' if " " in a else a for a in args))
        command = [sys.executable, "-m", "airline_client", "--session", self.session, *args]
        return subprocess.Popen(command, env=self.env, stdout=subprocess.PIPE, text=True)

    def finish(self, process: subprocess.Popen[str]) -> str:
        out, _ = process.communicate(timeout=120)
        if process.returncode != 0:
            raise RuntimeError(f"the client failed (exit {process.returncode}): {out}")
        _say(out.rstrip())
        return out

    def mail_count(self) -> int:
        return len(self.http.post(f"/Mailbox/{EMAIL}/inbox").json()["mails"])

    def run(self) -> None:
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
        self.finish(self.client("booking", "5666"))

        _say("\n== 3. Questions for the FAQ agent ==")
        self.finish(self.client("how much baggage can I bring?"))
        self.finish(self.client("is there wifi on the plane?"))

        _say("\n== 4. The session's memory, read from Restate state ==")
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
        per_service_env={"agent": {"OFFLINE_MODEL_LATENCY_MS": DEMO_LLM_LATENCY_MS}},
        logs=LogSink(directory=logs),
    )
    _say("Starting restate-server and the agent, seating and invoicing services...")
    _say(f"(their logs: {logs}/)")
    with Stack(config) as stack:
        _say(f"Stack is up: ingress {stack.ingress_url}, Restate UI {stack.ui_url}")
        Demo(stack).run()
        _say("\nStopping the stack. Demo complete.")
    return 0
