"""A FAKE OpenAI-compatible chat-completions server, over real HTTP on 127.0.0.1 (a thread).

Emulated: ``POST /v1/chat/completions`` with Bearer authentication, answering in the OpenAI
response shape (``choices[0].message.content``). What the "model" says is a Python function of
the request (``reply(messages) -> str``) that a test installs, so a test can script a well-behaved
model, one that invents intents, one that returns float amounts, one that obeys an injected
instruction, or one that is down (``status`` forced to 500) or slow (``delay`` seconds). Every
request is recorded (path, headers, JSON body) for asserts.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

__all__ = ["FakeOpenAIServer", "RecordedRequest"]

Reply = Callable[[list[dict[str, Any]]], str]


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake received."""

    path: str
    authorization: str | None
    body: dict[str, Any]

    @property
    def user_payload(self) -> dict[str, Any]:
        """The JSON envelope amicable sent as the user message."""
        user = [m for m in self.body["messages"] if m["role"] == "user"]
        return json.loads(user[-1]["content"])  # type: ignore[no-any-return]


@dataclass
class _State:
    reply: Reply = field(
        default=lambda messages: '{"intents": [{"name": "other", "confidence": 1}]}'
    )
    status: int = 200
    delay: float = 0.0
    api_key: str = "test-key"
    requests: list[RecordedRequest] = field(default_factory=list)


class _Server(ThreadingHTTPServer):
    state: _State


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        return

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        state = self.server.state
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        auth = self.headers.get("Authorization")
        state.requests.append(RecordedRequest(self.path, auth, body))
        if self.path != "/v1/chat/completions":
            self._send(
                404,
                {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}},
            )
            return
        if auth != f"Bearer {state.api_key}":
            self._send(
                401,
                {
                    "error": {
                        "message": "Incorrect API key provided",
                        "type": "invalid_request_error",
                    }
                },
            )
            return
        if state.delay:
            time.sleep(state.delay)
        if state.status != 200:
            self._send(
                state.status,
                {"error": {"message": "the fake model is down", "type": "server_error"}},
            )
            return
        content = state.reply(body["messages"])
        self._send(
            200,
            {
                "id": f"chatcmpl-fake-{len(state.requests)}",
                "object": "chat.completion",
                "created": 1767225600,
                "model": body.get("model", "fake"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
            },
        )


class FakeOpenAIServer:
    """Context manager: a running fake on an ephemeral port; ``base_url`` ends with ``/v1``."""

    def __init__(self, api_key: str = "test-key") -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.state = _State(api_key=api_key)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    @property
    def requests(self) -> list[RecordedRequest]:
        return self._server.state.requests

    def script(self, reply: Reply, *, status: int = 200, delay: float = 0.0) -> None:
        """Install what the fake model answers (and how the server behaves)."""
        self._server.state.reply = reply
        self._server.state.status = status
        self._server.state.delay = delay

    def __enter__(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
