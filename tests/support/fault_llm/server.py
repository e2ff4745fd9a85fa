"""A fault-injecting LLM endpoint: a real HTTP server speaking the OpenAI API, for tests.

It serves `POST /v1/responses` (Responses API) and `POST /v1/chat/completions` (Chat
Completions), non-streaming. The answers are the offline model's (answers.py), shaped by a
profile ("plain" or "current", like current reasoning models).

It is as strict as the real API (validation.py): every request gets a `Verdict`, kept in
`verdicts`; an invalid one is answered with the API's 400 naming the offending path, so a test
can assert that no invalid request was ever sent (`invalid()`). `strict=False` only records.

Faults are injected from the test through the `FaultLLM` object: the next N requests (or all,
until `heal()`) get a 500, a 429 with `retry-after`, a response slower than the client's timeout,
a reset connection, a 200 whose body is not JSON, or a 401. Every request is counted and
timed, and the Authorization headers it saw are kept (the secrets test looks for its key).
"""

import json
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

from .answers import Profile, chat_answer, responses_answer
from .validation import Verdict, validate

Fault = Literal["500", "429", "slow", "reset", "malformed", "401"]
# Transient: a retry can succeed. "401" (a rejected key) is permanent: no retry can fix it.
TRANSIENT: tuple[Fault, ...] = ("500", "429", "slow", "reset", "malformed")


@dataclass
class _Plan:
    fault: Fault
    remaining: int | None  # None: until heal()
    after: int  # requests still answered normally before the fault starts


class FaultLLM:
    """The endpoint and its controls; `start()` serves on a free 127.0.0.1 port."""

    def __init__(
        self,
        slow_s: float = 5.0,
        retry_after_s: float = 1.0,
        *,
        profile: Profile = "plain",
        strict: bool = True,
        latency_s: float = 0.0,
    ) -> None:
        self.slow_s = slow_s
        self.retry_after_s = retry_after_s
        self.profile: Profile = profile
        self.strict = strict
        self.latency_s = latency_s  # before each answer, like a model thinking
        self.verdicts: list[Verdict] = []  # one per request, in arrival order
        self._refusals = 0
        self._lock = threading.Lock()
        self._plan: list[_Plan] = []
        self.requests: Counter[str] = Counter()  # path -> requests received
        self.faults: Counter[str] = Counter()  # fault -> times injected
        self.responses = 0  # successful (200, valid) answers sent
        self.authorizations: set[str] = set()  # Authorization headers seen
        self.arrivals: list[tuple[float, Fault | None]] = []  # (monotonic time, fault) per request
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.llm = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """What the agent gets as OPENAI_BASE_URL."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def agent_env(self, key: str, **extra: str) -> dict[str, str]:
        """The agent's environment for talking to this endpoint with API key `key`.

        The openai client's own retries are off, so each failed request is one durable Restate
        attempt, and it times out after 1 s (the "slow" fault answers later than that).
        """
        return {
            "OPENAI_API_KEY": key,
            "OPENAI_BASE_URL": self.base_url,
            "AGENT_MODEL": "fault-llm",
            "OPENAI_TIMEOUT_S": "1",
            **extra,
        }

    def start(self) -> "FaultLLM":
        """Serve in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()

    def fail(self, fault: Fault, times: int | None = None, after: int = 0) -> None:
        """Answer `times` requests (all until heal() when None) with `fault`.

        The fault starts after `after` more requests were answered normally.
        """
        with self._lock:
            self._plan.append(_Plan(fault, times, after))

    def heal(self) -> None:
        """Drop every planned fault: answer normally from now on."""
        with self._lock:
            self._plan.clear()

    def refuse(self, times: int = 1) -> None:
        """Answer the next `times` successful requests with a refusal."""
        with self._lock:
            self._refusals += times

    def invalid(self) -> list[Verdict]:
        """The requests the real API would have refused with a 400."""
        with self._lock:
            return [v for v in self.verdicts if not v.valid]

    def bodies(self, path: str = "/v1/responses") -> list[dict[str, Any]]:
        """The request bodies received on `path`, in arrival order."""
        with self._lock:
            return [v.body for v in self.verdicts if v.path == path]

    def _judge(self, path: str, body: Any) -> Verdict:
        verdict = validate(path, body)
        with self._lock:
            self.verdicts.append(verdict)
        return verdict

    def _take_refusal(self) -> bool:
        with self._lock:
            if self._refusals <= 0:
                return False
            self._refusals -= 1
            return True

    def snapshot(self) -> tuple[int, int]:
        """(requests received, successful responses) so far."""
        with self._lock:
            return sum(self.requests.values()), self.responses

    def _next(self, path: str, authorization: str | None) -> Fault | None:
        with self._lock:
            self.requests[path] += 1
            if authorization:
                self.authorizations.add(authorization)
            fault = self._take()
            self.arrivals.append((time.monotonic(), fault))
            if fault is not None:
                self.faults[fault] += 1
            return fault

    def _take(self) -> Fault | None:
        if not self._plan:
            return None
        plan = self._plan[0]
        if plan.after > 0:
            plan.after -= 1
            return None
        if plan.remaining is not None:
            plan.remaining -= 1
            if plan.remaining <= 0:
                self._plan.pop(0)
        return plan.fault

    def _answered(self) -> None:
        with self._lock:
            self.responses += 1


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the counters say what happened

    def do_POST(self) -> None:
        llm: FaultLLM = self.server.llm  # type: ignore[attr-defined]
        length = int(self.headers.get("content-length", "0"))
        try:
            body = self.rfile.read(length)
        except OSError:
            return  # the client hung up mid-request (e.g. its attempt was cancelled)
        if len(body) < length:
            return  # the same: the API judges only a request it received whole
        path = self.path.split("?")[0]
        if path not in ("/v1/responses", "/v1/chat/completions"):
            self._send(404, {"error": {"message": f"no route {path}", "type": "not_found"}})
            return
        try:
            request = json.loads(body)
        except ValueError:
            request = None
        verdict = llm._judge(path, request)
        if not verdict.valid and llm.strict:
            llm._next(path, self.headers.get("authorization"))
            self._send(400, verdict.error())
            return
        fault = llm._next(path, self.headers.get("authorization"))
        if fault == "reset":
            self._reset()
        elif fault == "slow":
            time.sleep(llm.slow_s)  # the client gave up long ago
            self._reset()
        elif fault == "500":
            self._send(500, {"error": {"message": "injected fault", "type": "server_error"}})
        elif fault == "429":
            headers = {"retry-after": f"{llm.retry_after_s:g}"}
            error = {"message": "injected rate limit", "type": "rate_limit_exceeded"}
            self._send(429, {"error": error}, headers)
        elif fault == "401":
            error = {"message": "injected: invalid API key", "type": "invalid_request_error"}
            self._send(401, {"error": error})
        elif fault == "malformed":
            self._send_raw(200, b'{"id": "resp_broken", "output": [')
        else:
            if llm.latency_s:
                time.sleep(llm.latency_s)
            answer = responses_answer if path == "/v1/responses" else chat_answer
            self._send(200, answer(verdict.body, llm.profile, llm._take_refusal()))
            llm._answered()

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self._send_raw(status, json.dumps(payload).encode(), headers)

    def _send_raw(self, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a cancelled attempt, a killed node)

    def _reset(self) -> None:
        """Close with an RST (SO_LINGER 0) instead of an answer."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass
        self.close_connection = True
