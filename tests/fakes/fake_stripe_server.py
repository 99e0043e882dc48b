"""A FAKE of the Stripe Checkout Sessions endpoint, over real HTTP on 127.0.0.1 (a thread).

Emulated: ``POST /v1/checkout/sessions`` with Bearer authentication (the secret key), Stripe's
form encoding of nested parameters (``line_items[0][price_data][unit_amount]=…``,
``metadata[plan]=…``), and a Stripe-shaped ``checkout.session`` answer (``id`` ``cs_test_…``,
``url``, ``amount_total``, ``currency``, ``metadata``, ``payment_intent`` ``pi_test_…``).
A wrong key gets Stripe's 401 error document. Every request is recorded for asserts.
Also :func:`signed_event` builds a webhook delivery signed with Stripe's scheme
(``t=<unix>,v1=HMAC-SHA256(secret, f"{t}.{payload}")``).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl

__all__ = ["FakeStripeServer", "signed_event"]


def _nest(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe form keys (``a[b][0][c]``) into nested dicts (list indexes stay string keys)."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return root


@dataclass
class FakeStripeServer:
    """``with FakeStripeServer(api_key) as fake: fake.url`` — the API base to give the SDK."""

    api_key: str = "sk_test_fake"
    requests: list[dict[str, Any]] = field(default_factory=list)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __enter__(self) -> FakeStripeServer:
        fake = self
        counter = itertools.count(1)

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                return

            def _send(self, status: int, doc: dict[str, Any]) -> None:
                body = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Request-Id", f"req_fake_{next(counter)}")
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = _nest(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
                fake.requests.append({"path": self.path, "form": form})
                if self.headers.get("Authorization") != f"Bearer {fake.api_key}":
                    self._send(401, {"error": {"type": "invalid_request_error",
                                               "message": "Invalid API Key provided"}})  # fmt: skip
                    return
                if self.path != "/v1/checkout/sessions":
                    self._send(404, {"error": {"type": "invalid_request_error",
                                               "message": f"Unrecognized request URL {self.path}"}})  # fmt: skip
                    return
                n = next(counter)
                item = form["line_items"]["0"]
                amount = int(item["price_data"]["unit_amount"]) * int(item.get("quantity", "1"))
                session = {
                    "id": f"cs_test_{n:06d}",
                    "object": "checkout.session",
                    "url": f"https://checkout.stripe.test/c/pay/cs_test_{n:06d}",
                    "mode": form.get("mode"),
                    "amount_total": amount,
                    "currency": item["price_data"]["currency"],
                    "metadata": form.get("metadata", {}),
                    "payment_intent": f"pi_test_{n:06d}",
                    "payment_status": "unpaid",
                    "status": "open",
                }
                fake.sessions[session["id"]] = session
                self._send(200, session)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def signed_event(
    event_id: str,
    event_type: str,
    obj: dict[str, Any],
    *,
    secret: str,
    created: int,
    signed_at: int | None = None,
) -> tuple[bytes, str]:
    """A webhook delivery ``(payload, Stripe-Signature header)`` signed like Stripe signs it."""
    payload = json.dumps({
        "id": event_id, "object": "event", "type": event_type, "created": created,
        "api_version": "2024-06-20", "livemode": False, "data": {"object": obj},
    }).encode()  # fmt: skip
    t = int(time.time()) if signed_at is None else signed_at
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return payload, f"t={t},v1={mac}"
