"""The client with several ingress addresses (a cluster's nodes): a refused or dropped
connection sends the same request, with the same idempotency key, to the next address."""

import json
from collections.abc import Iterator

import pytest

from airline_client import AgentClient, ClientError, IngressUnreachable, NoAnswer, RequestRejected
from airline_client.api import ingress_urls
from tests.unit.test_client import FakeIngress, Misbehave, chats, closed_port_url, run, serving
from tests.unit.test_client import client_env as client_env  # autouse: private env, state dir

# A backoff no test could sit through: switching to the next address must not wait for it.
NEVER_S = 600.0


@pytest.fixture
def first() -> Iterator[FakeIngress]:
    """A fake ingress: the first node of the cluster in the client's list."""
    with serving(FakeIngress()) as server:
        yield server


@pytest.fixture
def other() -> Iterator[FakeIngress]:
    """A second fake ingress: another node of the cluster."""
    with serving(FakeIngress()) as server:
        yield server


def test_a_refused_connection_goes_to_the_next_address_at_once(other: FakeIngress) -> None:
    dead = closed_port_url()
    with AgentClient([dead, other.url], backoff_s=NEVER_S) as client:
        answer = client.chat("s1", "hello", idempotency_key="k-1")
        # The next request starts at the address that answered.
        assert client.ingress_url == other.url
        client.chat("s1", "again", idempotency_key="k-2")

    assert answer.reply == "you said: hello"
    assert [s.key for s in chats(other)] == ["k-1", "k-2"]
    assert (client.retries, client.failovers) == (1, 1)


def test_a_dropped_connection_resends_the_same_request_to_the_next_address(
    first: FakeIngress, other: FakeIngress
) -> None:
    first.script = [Misbehave(drop=True)]
    with AgentClient([first.url, other.url], backoff_s=NEVER_S) as client:
        answer = client.chat("s1", "change my seat to 10B", idempotency_key="k-1")

    [lost] = chats(first)
    [resent] = chats(other)
    assert answer.reply == "you said: change my seat to 10B"
    assert (lost.path, lost.body, lost.key) == (resent.path, resent.body, "k-1")
    assert lost.headers["traceparent"] == resent.headers["traceparent"]


def test_after_the_last_address_it_starts_over_from_the_first(
    first: FakeIngress, other: FakeIngress
) -> None:
    first.script = [Misbehave(status=503)]
    other.script = [Misbehave(status=503)]
    with AgentClient([first.url, other.url], backoff_s=0) as client:
        client.chat("s1", "hello", idempotency_key="k-1")
    assert [s.key for s in chats(first)] == ["k-1", "k-1"]
    assert [s.key for s in chats(other)] == ["k-1"]
    assert (client.retries, client.failovers) == (2, 1)


def test_every_address_failing_every_round_is_one_error(
    first: FakeIngress, other: FakeIngress
) -> None:
    first.script = [Misbehave(status=503)] * 3
    other.script = [Misbehave(status=503)] * 3
    client = AgentClient([first.url, other.url], backoff_s=0)
    with client, pytest.raises(NoAnswer) as failed:
        client.chat("s1", "hello", idempotency_key="k-1")
    assert len(chats(first)) == len(chats(other)) == 3
    assert str(failed.value) == "HTTP 503 after 3 attempts at each of 2 addresses: busy"
    assert failed.value.idempotency_key == "k-1"


def test_no_address_reachable_names_them_all() -> None:
    dead = [closed_port_url(), closed_port_url()]
    client = AgentClient(dead, backoff_s=0)
    with client, pytest.raises(IngressUnreachable) as failed:
        client.status("s1")
    assert f"cannot reach the agent at {dead[0]}, {dead[1]} - " in str(failed.value)


def test_a_refusal_by_the_agent_is_not_tried_elsewhere(
    first: FakeIngress, other: FakeIngress
) -> None:
    client = AgentClient([first.url, other.url], backoff_s=0)
    with client, pytest.raises(RequestRejected):
        client.chat("s1", "")
    assert len(chats(first)) == 1
    assert chats(other) == []


def test_the_command_line_takes_a_list_from_the_environment(
    other: FakeIngress, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RESTATE_INGRESS_URL", f"{closed_port_url()}, {other.url}/")
    code, out, err = run(capsys, "--session", "s1", "hello")
    assert (code, out, err) == (0, "[triage] you said: hello\n", "")
    assert json.loads(chats(other)[0].body) == {"message": "hello"}


def test_the_command_line_takes_a_list_with_ingress(
    other: FakeIngress, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "status", "--session", "s1", "--ingress", f"{closed_port_url()},{other.url}"
    )
    assert code == 0 and "active agent: seat_booking" in out


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("http://a:8080,localhost:28080", "must start with http:// or https://: 'localhost:28080'"),
        (" , ", "no ingress URL given"),
        ([], "no ingress URL given"),
    ],
)
def test_a_bad_address_in_the_list_is_named(value: str | list[str], problem: str) -> None:
    with pytest.raises(ClientError, match=problem):
        ingress_urls(value)


def test_addresses_are_trimmed_and_blanks_skipped() -> None:
    assert ingress_urls("http://a:8080/, ,http://b:28080") == ["http://a:8080", "http://b:28080"]


def test_a_chat_whose_connection_keeps_dropping_waits_and_re_attaches(first: FakeIngress) -> None:
    """More drops than retries: the turn runs on in Restate, so the client waits for it."""
    first.script = [Misbehave(drop=True)] * 5
    said: list[str] = []
    with AgentClient(first.url, attempts=2, backoff_s=0, wait_s=60) as client:
        client.on_wait = said.append
        answer = client.chat("s1", "change my seat to 10B", idempotency_key="k-1")
    assert answer.reply == "you said: change my seat to 10B"
    assert [s.key for s in chats(first)] == ["k-1"] * 6
    assert len(said) == 1 and "waiting to re-attach" in said[0]


def test_without_patience_a_dropping_connection_is_an_error_with_the_key(
    first: FakeIngress,
) -> None:
    first.script = [Misbehave(drop=True)] * 5
    client = AgentClient(first.url, attempts=2, backoff_s=0)
    with client, pytest.raises(NoAnswer) as failed:
        client.chat("s1", "hello", idempotency_key="k-1")
    assert failed.value.idempotency_key == "k-1"


def test_the_command_line_says_it_waits_and_prints_the_answer_once(
    first: FakeIngress, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLIENT_WAIT_S", "60")
    first.script = [Misbehave(drop=True)] * 4
    code, out, err = run(capsys, "--ingress", first.url, "--session", "s1", "hello")
    assert (code, out) == (0, "[triage] you said: hello\n")
    assert err.count("waiting to re-attach") == 1
    assert len({s.key for s in chats(first)}) == 1
