"""A customer's turn in the background, and what crash tests read from the outside."""

import threading
import time
import uuid
from typing import Any

import httpx

from devstack import Stack
from tests.support.auth import bearer


class Turn(threading.Thread):
    """One chat message sent as the client sends it: one idempotency key, reused on retries.

    A dropped connection (restate-server killed) or a 5xx is retried with the same key until
    `deadline_s` passes, so the retry re-attaches to the invocation instead of starting another.
    """

    def __init__(self, url: str, session: str, message: str, deadline_s: float = 120.0) -> None:
        super().__init__(daemon=True)
        self.url, self.session, self.message = url, session, message
        self.deadline_s = deadline_s
        self.key = str(uuid.uuid4())
        self.response: httpx.Response | None = None
        self.retries = 0
        self.seconds = 0.0  # from the first attempt to the answer

    def run(self) -> None:
        started = time.monotonic()
        deadline = started + self.deadline_s
        with httpx.Client(base_url=self.url, timeout=self.deadline_s) as http:
            while time.monotonic() < deadline:
                try:
                    response = http.post(
                        f"/AgentSession/{self.session}/chat",
                        json={"message": self.message},
                        headers={"idempotency-key": self.key, **bearer(self.session)},
                    )
                except httpx.TransportError:
                    response = None
                if response is not None and response.status_code < 500:
                    self.response = response
                    self.seconds = time.monotonic() - started
                    return
                self.retries += 1
                time.sleep(0.2)

    def result(self, timeout: float = 120.0) -> httpx.Response:
        """The response, a 200 or not (fails the test if there is none)."""
        self.join(timeout)
        assert self.response is not None, "the turn got no answer"
        return self.response

    def answer(self, timeout: float = 120.0) -> dict[str, Any]:
        """The reply (fails the test if there is none, or it is not a 200)."""
        response = self.result(timeout)
        assert response.status_code == 200, response.text
        return response.json()


def journal(stack: Stack, session: str) -> list[dict[str, Any]]:
    """The journal entries of the session's chat invocations (entry_type, name), in order."""
    return stack.admin_query(
        "SELECT j.index, j.entry_type, j.name FROM sys_journal j "
        "JOIN sys_invocation i ON j.id = i.id "
        f"WHERE i.target_service_name = 'AgentSession' AND i.target_service_key = '{session}' "
        "AND i.target_handler_name = 'chat' ORDER BY j.index"
    )


def pending(entries: list[dict[str, Any]], kind: str) -> int:
    """How many `kind` commands (Run, Call) of the journal have no completion yet."""
    return count(entries, f"Command: {kind}") - count(entries, f"Notification: {kind}")


def count(entries: list[dict[str, Any]], entry_type: str, name: str | None = None) -> int:
    """How many entries have this type (and a name that starts with `name`).

    Model steps are named for their agent ("call LLM: Triage Agent"): "call LLM" counts them all.
    """
    return sum(
        1
        for e in entries
        if e["entry_type"] == entry_type and (name is None or (e["name"] or "").startswith(name))
    )


def invocations(stack: Stack, service: str, handler: str, key: str) -> int:
    """How many invocations of service/handler for that key restate-server has on record."""
    return len(stack.invocation_ids(service, handler, key))


def calls_from(stack: Stack, session: str, service: str, handler: str) -> int:
    """How many invocations of service/handler the session's turns made."""
    return len(
        stack.admin_query(
            "SELECT c.id FROM sys_invocation c JOIN sys_invocation p ON c.invoked_by_id = p.id "
            f"WHERE p.target_service_name = 'AgentSession' AND p.target_service_key = '{session}' "
            f"AND c.target_service_name = '{service}' AND c.target_handler_name = '{handler}'"
        )
    )
