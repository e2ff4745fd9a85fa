"""Planted secrets reach where they belong and nothing else: no log, span, journal or state.

The agent talks Chat Completions (OPENAI_API=chat_completions) to the fault endpoint with a
unique key; the turns include a tool call, a retried fault and a model that fails for good, so
error paths get their chance to leak too. The stack's own secrets are used on the way as well:
a session opened through `Sessions/open` (its token signed with the session-signing key), a
payment webhook signed with the webhook secret, operator reads and a refused approval with the
supervisor token, every request signed by restate-server with the identity private key. Then
every log file, every exported span and every journal entry, invocation and state value is
searched for each of them; the session's token is in no log either.
"""

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from airline_agent.session import UNAVAILABLE
from devstack import Stack, wait_for
from tests.conftest import stack_config
from tests.support.auth import SECRETS, supervisor
from tests.support.fault_llm import FaultLLM
from tests.support.helpers import chat, ingress_client, mails, new_booking, pay, session_id
from tests.support.otlp import OtlpReceiver

KEY = f"sk-planted-{uuid.uuid4().hex}"
# A word in a customer message, so in the journal and state: shows the search can find things.
MARKER = "marker" + uuid.uuid4().hex.translate(str.maketrans("0123456789", "ghijklmnop"))


@pytest.fixture(scope="module")
def llm() -> Iterator[FaultLLM]:
    endpoint = FaultLLM(slow_s=3.0, retry_after_s=0.2).start()
    yield endpoint
    endpoint.stop()


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("secrets")


@pytest.fixture(scope="module")
def secret_stack(root: Path, llm: FaultLLM, receiver: OtlpReceiver) -> Iterator[Stack]:
    """Chat Completions to the fault endpoint with the planted key; spans to the receiver."""
    agent_env = llm.agent_env(
        KEY, OPENAI_API="chat_completions", LLM_MAX_ATTEMPTS="2", LLM_INITIAL_RETRY_S="0.2"
    )
    config = stack_config(
        root,
        agent_env=agent_env,
        service_env={"OTEL_BSP_SCHEDULE_DELAY": "200"},
        otlp_endpoint=receiver.endpoint,
    )
    with Stack(config) as running:
        yield running


def _rows(stack: Stack, sql: str) -> str:
    return json.dumps(stack.admin_query(sql))


def _planted() -> dict[str, str]:
    """Every planted secret by name: the API key, and the stack's (the PEM's key material)."""
    values = SECRETS.values()
    pem = values.pop("request identity private key")
    material = "".join(line for line in pem.splitlines() if not line.startswith("-----"))
    return {"API key": KEY, "request identity private key": material, **values}


PLANTED = _planted()


def _hits(text: str, values: dict[str, str] | None = None) -> list[str]:
    """The names of the planted secrets text holds."""
    return [name for name, value in (values or PLANTED).items() if value in text]


def test_the_key_reaches_the_model_and_nowhere_else(
    secret_stack: Stack, llm: FaultLLM, receiver: OtlpReceiver, root: Path
) -> None:
    with ingress_client(secret_stack.ingress_url, timeout=120.0) as ingress:
        booking = new_booking(ingress)
        session = session_id()
        assert (
            "carry-on" in chat(ingress, session, f"how much baggage can I bring? {MARKER}")["reply"]
        )
        llm.fail("500", times=1, after=1)
        sent = chat(ingress, session, f"send me the invoice for {booking.proof}")["reply"]
        assert sent.startswith("I've sent it."), sent
        assert len(mails(ingress, booking.email)) == 1
        llm.fail("500")
        assert chat(ingress, session, "is there wifi?")["reply"] == UNAVAILABLE
        llm.heal()
        assert "wifi" in chat(ingress, session, "is there wifi?")["reply"].lower()

        # A session opened as a customer opens it, its token used for a turn and a read.
        opened = ingress.post("/Sessions/open").json()
        token = {"authorization": f"Bearer {opened['token']}"}
        path = f"/AgentSession/{opened['session_id']}"
        assert ingress.post(f"{path}/chat", json={"message": "hi"}, headers=token).is_success
        assert ingress.post(f"{path}/history", headers=token).is_success
        # The payment provider's signed webhook, and a wrong signature refused.
        invoice_id = next(m for m in mails(ingress, booking.email))["mail_id"]
        assert pay(ingress, invoice_id).is_success
        forged = {"x-signature": "t=1,v1=00", "content-type": "application/json"}
        body = json.dumps({"invoice_id": invoice_id})
        assert (
            ingress.post(f"/Invoice/{invoice_id}/pay", content=body, headers=forged).status_code
            == 401
        )
        # Operator reads and a decision on an unknown request, with the supervisor token.
        assert ingress.post("/ApprovalDesk/supervisors/pending", headers=supervisor()).is_success
        assert ingress.post("/SeatApproval/APR-00000000/approve").status_code == 404
    session_tokens = {"a session token": opened["token"]}

    # The key went where it belongs, over the Chat Completions path.
    assert llm.authorizations == {f"Bearer {KEY}"}
    assert llm.requests["/v1/chat/completions"] > 0
    assert llm.requests["/v1/responses"] == 0

    # Spans: wait until the agent's turn spans arrived, then search every export request whole
    # (names, attributes, events, resources).
    wait_for(lambda: sum(s.name == "turn" for s in receiver.spans()) >= 4, timeout=30, interval=0.2)
    assert _hits(receiver.raw().decode("utf-8", errors="replace")) == []

    # Journal entries, invocations (their failures included) and state, as the admin API has them.
    journal = _rows(secret_stack, "SELECT * FROM sys_journal")
    assert "call LLM: " in journal
    invocations = _rows(secret_stack, "SELECT * FROM sys_invocation")
    state = _rows(secret_stack, "SELECT * FROM state")
    assert session in state
    for name, text in (("journal", journal), ("invocations", invocations), ("state", state)):
        assert _hits(text) == [], f"found in {name}"
    _assert_values_decoded(secret_stack, control=MARKER)

    # Every log file: the three services, the test support service, restate-server.
    logs = sorted((root / "logs").glob("*.log"))
    assert {p.stem for p in logs} >= {"agent", "seating", "invoicing", "restate"}
    for path in logs:
        text = path.read_text(errors="replace")
        assert _hits(text, {**PLANTED, **session_tokens}) == [], f"found in {path.name}"


def _assert_values_decoded(stack: Stack, control: str) -> None:
    """Binary columns come back hex-encoded: decode them and search them too.

    `control` (a word of a message, which the journal and state do hold) shows the decoding works.
    """
    for table in ("sys_journal", "state"):
        texts = [
            _as_text(v) for row in stack.admin_query(f"SELECT * FROM {table}") for v in row.values()
        ]
        assert any(control in text for text in texts), f"decoding {table} finds nothing"
        assert [hit for text in texts for hit in _hits(text)] == [], f"found in {table}"


def _as_text(value: Any) -> str:
    if isinstance(value, list) and all(isinstance(v, int) for v in value):
        return bytes(v % 256 for v in value).decode("utf-8", errors="replace")
    if isinstance(value, str):
        try:
            return bytes.fromhex(value).decode("utf-8", errors="replace")
        except ValueError:
            return value
    return str(value)
