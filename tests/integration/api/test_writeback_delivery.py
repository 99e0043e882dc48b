"""Write-back over real HTTP: a receiver on 127.0.0.1 that is down, then failing, then up.

Each event reaches the receiver exactly once with a 2xx per idempotency key (retries reuse the
key), the delivery log keeps every attempt, and the receiver verifies every signature with the
recipe published in ``docs/api.md`` (the code block is executed as written).
"""

from __future__ import annotations

import re
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from amicable.adapters.webhooks import HttpxWebhookTransport
from amicable.bootstrap import App
from amicable.domain.clock import SimulatedClock
from amicable.service import writeback
from amicable.service.writeback import RetryPolicy

DOCS = Path(__file__).parents[3] / "docs" / "api.md"


def documented_recipe() -> Callable[..., bool]:
    text = DOCS.read_text(encoding="utf-8")
    block = re.search(r"```python\n(.*?def verify_amicable_signature.*?)```", text, re.S)
    assert block is not None, "the receiver recipe is missing from docs/api.md"
    namespace: dict[str, Any] = {}
    exec(compile(block.group(1), str(DOCS), "exec"), namespace)  # the recipe, as published
    fn: Callable[..., bool] = namespace["verify_amicable_signature"]
    return fn


class Receiver:
    """A webhook receiver: answers ``status``; keeps event ids it accepted (2xx) and verified."""

    def __init__(self, secret: str, verify: Callable[..., bool], now: Callable[[], float]) -> None:
        self.secret = secret
        self.verify = verify
        self.now = now
        self.status = 200
        self.accepted: list[str] = []
        self.seen: list[str] = []
        self.bad_signatures = 0

    def handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                event_id = self.headers["Amicable-Event-Id"]
                receiver.seen.append(event_id)
                ok = receiver.verify(
                    receiver.secret, body, self.headers["Amicable-Signature"], now=receiver.now()
                )
                if not ok:
                    receiver.bad_signatures += 1
                    self.send_response(400)
                elif receiver.status < 300:
                    receiver.accepted.append(event_id)
                    self.send_response(receiver.status)
                else:
                    self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        return Handler


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def transport() -> Iterator[HttpxWebhookTransport]:
    t = HttpxWebhookTransport(timeout=5.0)
    yield t
    t.close()


def serve(receiver: Receiver, port: int) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", port), receiver.handler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def emit_outcomes(app: App, n: int) -> list[str]:
    ids = []
    with app.uow() as uow:
        for i in range(n):
            kind = ("payment.posted", "promise.made", "note.added")[i % 3]
            ids.append(writeback.emit(uow, kind, {"account": f"C{i}", "amount": "60.00"}).event_id)
        uow.commit()
    return ids


def test_events_reach_a_receiver_that_was_down_exactly_once_each(
    app: App, clock: SimulatedClock, transport: HttpxWebhookTransport
) -> None:
    port = free_port()
    sub = writeback.subscribe(app.uow(), f"http://127.0.0.1:{port}/hooks")
    receiver = Receiver(sub.secret, documented_recipe(), lambda: clock.now().timestamp())
    ids = emit_outcomes(app, 6)

    # Down: nothing listens on the port; every delivery is retried later.
    down = writeback.deliver_pending(app.uow(), clock.now(), transport)
    assert (down.enqueued, down.attempted, down.retrying, down.delivered) == (6, 6, 6, 0)
    again = writeback.deliver_pending(app.uow(), clock.now(), transport)
    assert again.attempted == 0  # not due yet: backoff

    server = serve(receiver, port)
    try:
        # Up but failing: 503 counts as a failed attempt.
        receiver.status = 503
        clock.advance(timedelta(seconds=31))
        failing = writeback.deliver_pending(app.uow(), clock.now(), transport)
        assert failing.attempted == 6 and failing.delivered == 0
        # Up and well: everything arrives once.
        receiver.status = 200
        clock.advance(timedelta(minutes=2))
        up = writeback.deliver_pending(app.uow(), clock.now(), transport)
        assert up.delivered == 6
        more = emit_outcomes(app, 2)
        clock.advance(timedelta(hours=12))
        later = writeback.deliver_pending(app.uow(), clock.now(), transport)
        assert (later.enqueued, later.delivered) == (2, 2)
    finally:
        server.shutdown()
        server.server_close()

    assert receiver.bad_signatures == 0
    assert Counter(receiver.accepted) == Counter(ids + more)
    assert set(receiver.seen) == set(ids + more)  # the retries reused each event's key
    with app.uow() as uow:
        log = uow.events.deliveries(sub.id)
        attempts = {d.event.event_id: uow.events.attempts(d.id) for d in log}
    assert all(d.status == "delivered" for d in log)
    first = attempts[ids[0]]
    assert [code for _, code, _ in first] == [None, 503, 200]
    assert first[0][2] is not None and "Connect" in first[0][2]


def test_a_tampered_body_or_an_old_timestamp_fails_the_documented_check() -> None:
    verify = documented_recipe()
    secret = "whsec_" + "s" * 30
    body = b'{"id":"e1","kind":"note.added"}'
    header = writeback.sign(secret, body, 1_800_000_000)
    assert verify(secret, body, header, now=1_800_000_010)
    assert not verify(secret, body + b" ", header, now=1_800_000_010)
    assert not verify("whsec_" + "x" * 30, body, header, now=1_800_000_010)
    assert not verify(secret, body, header, now=1_800_000_000 + 301)
    assert not verify(secret, body, "t=abc,v1=00", now=1_800_000_000)
    assert not verify(secret, body, "garbage", now=1_800_000_000)


def test_a_delivery_that_never_succeeds_is_marked_failed_after_the_last_attempt(
    app: App, clock: SimulatedClock
) -> None:
    class RefusingTransport:  # a fake receiver that always answers 500
        calls = 0

        def post(self, url: str, body: bytes, headers: Any) -> tuple[int | None, str | None]:
            RefusingTransport.calls += 1
            return 500, None

    writeback.subscribe(app.uow(), "https://erp.example/hooks", ["payment.posted"])
    emit_outcomes(app, 3)  # one payment.posted, one promise.made, one note.added
    policy = RetryPolicy(base=timedelta(seconds=10), max_attempts=3)
    for _ in range(5):
        writeback.deliver_pending(app.uow(), clock.now(), RefusingTransport(), policy=policy)
        clock.advance(timedelta(hours=1))
    assert RefusingTransport.calls == 3
    with app.uow() as uow:
        (delivery,) = uow.events.deliveries()
    assert delivery.status == "failed" and delivery.attempts == 3
    assert delivery.last_status_code == 500 and delivery.last_error == "HTTP 500"


def test_backoff_doubles_from_the_base_and_stops_at_the_cap() -> None:
    policy = RetryPolicy(base=timedelta(seconds=30), cap=timedelta(minutes=5))
    delays = [policy.delay(n).total_seconds() for n in range(1, 7)]
    assert delays == [30, 60, 120, 240, 300, 300]


def test_events_before_a_subscription_are_not_sent_to_it(app: App, clock: SimulatedClock) -> None:
    emit_outcomes(app, 2)
    clock.advance(timedelta(seconds=1))
    writeback.subscribe(app.uow(), "https://erp.example/hooks")

    class Recording:  # a fake receiver that accepts everything
        def __init__(self) -> None:
            self.posts: list[bytes] = []

        def post(self, url: str, body: bytes, headers: Any) -> tuple[int | None, str | None]:
            self.posts.append(body)
            return 204, None

    receiver = Recording()
    report = writeback.deliver_pending(app.uow(), clock.now(), receiver)
    assert report.enqueued == 0 and receiver.posts == []


def test_an_unknown_event_kind_or_a_float_payload_is_refused(app: App) -> None:
    from amicable.domain.errors import InvalidInput

    with app.uow() as uow:
        with pytest.raises(InvalidInput, match="unknown event kind"):
            writeback.emit(uow, "payment.teleported", {})
        with pytest.raises(InvalidInput, match="floats are not allowed"):
            writeback.emit(uow, "payment.posted", {"amount": 60.0})
