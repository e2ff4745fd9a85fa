"""A fault-injecting LLM endpoint: a real HTTP server speaking the OpenAI API, for tests.

It serves `POST /v1/responses` (Responses API) and `POST /v1/chat/completions` (Chat
Completions), non-streaming. The answers are the offline model's: each request's input and tools
are translated into its terms and `airline_agent.offline.decide` picks the output, so whole
conversations (handoffs, tool calls) run through the agent's real OpenAI client path.

Faults are injected from the test through the `FaultLLM` object: the next N requests (or all,
until `heal()`) get a 500, a 429 with `retry-after`, a response slower than the client's timeout,
a reset connection, a 200 whose body is not JSON, or a 401. Every request is counted and
timed, and the Authorization headers it saw are kept (the secrets test looks for its key).
"""

import json
import re
import socket
import struct
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, cast

from agents import TResponseInputItem

from airline_agent.offline import Conversation, decide

Fault = Literal["500", "429", "slow", "reset", "malformed", "401"]
# Transient: a retry can succeed. "401" (a rejected key) is permanent: no retry can fix it.
TRANSIENT: tuple[Fault, ...] = ("500", "429", "slow", "reset", "malformed")

# The Agents SDK describes a handoff tool as "Handoff to the <agent name> agent to handle ...".
_HANDOFF = re.compile(r"^Handoff to the (.+?) agent to handle the request")


@dataclass
class _Plan:
    fault: Fault
    remaining: int | None  # None: until heal()
    after: int  # requests still answered normally before the fault starts


class FaultLLM:
    """The endpoint and its controls; `start()` serves on a free 127.0.0.1 port."""

    def __init__(self, slow_s: float = 5.0, retry_after_s: float = 1.0) -> None:
        self.slow_s = slow_s
        self.retry_after_s = retry_after_s
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
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        path = self.path.split("?")[0]
        if path not in ("/v1/responses", "/v1/chat/completions"):
            self._send(404, {"error": {"message": f"no route {path}", "type": "not_found"}})
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
            request = json.loads(body)
            if path == "/v1/responses":
                answer = _responses_answer(request)
            else:
                answer = _chat_answer(request)
            self._send(200, answer)
            llm._answered()

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self._send_raw(status, json.dumps(payload).encode(), headers)

    def _send_raw(self, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _reset(self) -> None:
        """Close with an RST (SO_LINGER 0) instead of an answer."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass
        self.close_connection = True


def _tools(specs: list[dict[str, Any]]) -> tuple[set[str], dict[str, str]]:
    """Function tool names, and handoffs as agent name -> tool name."""
    names: set[str] = set()
    transfers: dict[str, str] = {}
    for spec in specs:
        function = spec.get("function", spec)  # chat completions nest it
        name, description = function.get("name", ""), function.get("description") or ""
        handoff = _HANDOFF.match(description)
        if handoff:
            transfers[handoff.group(1)] = name
        else:
            names.add(name)
    return names, transfers


def _decide(items: list[dict[str, Any]], tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The offline model's next output items for this input, as JSON."""
    names, transfers = _tools(tools)
    conversation = Conversation.parse(cast(list[TResponseInputItem], items))
    return [item.model_dump(exclude_none=True) for item in decide(conversation, names, transfers)]


def _usage_words(items: list[dict[str, Any]]) -> int:
    return sum(len(json.dumps(item).split()) for item in items)


def _responses_answer(request: dict[str, Any]) -> dict[str, Any]:
    raw = request.get("input", [])
    items: list[dict[str, Any]] = (
        [{"role": "user", "content": raw}] if isinstance(raw, str) else raw
    )
    output = _decide(items, request.get("tools") or [])
    words = _usage_words(items)
    return {
        "id": f"resp_{uuid.uuid4().hex}",
        "object": "response",
        "created_at": int(time.time()),
        "model": request.get("model", "fault-llm"),
        "status": "completed",
        "output": output,
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "usage": {
            "input_tokens": words,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": 8,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": words + 8,
        },
    }


def _items_of_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Chat Completions messages as the Responses-style items the offline model reads."""
    items: list[dict[str, Any]] = []
    for message in messages:
        role = message.get("role")
        if role == "user":
            items.append({"role": "user", "content": message.get("content") or ""})
        elif role == "assistant":
            for call in message.get("tool_calls") or []:
                items.append(
                    {
                        "type": "function_call",
                        "call_id": call["id"],
                        "name": call["function"]["name"],
                        "arguments": call["function"]["arguments"],
                    }
                )
        elif role == "tool":
            items.append(
                {
                    "type": "function_call_output",
                    "call_id": message.get("tool_call_id"),
                    "output": message.get("content"),
                }
            )
    return items


def _chat_answer(request: dict[str, Any]) -> dict[str, Any]:
    items = _items_of_messages(request.get("messages", []))
    output = _decide(items, request.get("tools") or [])
    calls = [o for o in output if o.get("type") == "function_call"]
    message: dict[str, Any] = {"role": "assistant", "content": None}
    if calls:
        message["tool_calls"] = [
            {
                "id": call["call_id"],
                "type": "function",
                "function": {"name": call["name"], "arguments": call["arguments"]},
            }
            for call in calls
        ]
    else:
        message["content"] = " ".join(
            part.get("text", "") for o in output for part in o.get("content") or []
        )
    words = _usage_words(items)
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", "fault-llm"),
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if calls else "stop",
            }
        ],
        "usage": {"prompt_tokens": words, "completion_tokens": 8, "total_tokens": words + 8},
    }
