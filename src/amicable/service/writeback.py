"""Write-back: outcome events, webhook subscriptions, signed deliveries with retries, CSV export.

An outcome (offer made, plan accepted or cancelled, promise made/kept/broken, payment posted or
reversed, dispute opened, escalation, note) is :func:`emit`-ted inside the transaction that made
it, into an outbox table. :func:`deliver_pending` (called by the runtime, or ``amicable webhooks deliver``)
turns new events into one delivery per matching subscription and posts each as JSON::

    {"id": "<event id>", "kind": "payment.posted", "created_at": "…Z", "data": {…}}

with headers ``Amicable-Event-Id: <event id>`` (the idempotency key) and
``Amicable-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>``.

Invariants:
* A delivery that got a 2xx is never posted again; others are retried with exponential backoff
  (``base × 2^(attempt-1)``, capped) until :attr:`RetryPolicy.max_attempts`, then ``failed``.
* Each attempt is claimed and committed before the HTTP call and recorded right after it, so a
  crash can repeat at most the one delivery in flight (after its lease expires) — with the same
  event id, which receivers use to drop duplicates. No database lock is held during the call.
* Every attempt is logged (status code or error) in the delivery log.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol
from urllib.parse import urlsplit
from uuid import uuid4

from amicable.domain.errors import InvalidInput
from amicable.service import audit
from amicable.service.api_ports import ApiUnitOfWork, DeliveryRow, EventRow, SubscriptionRow
from amicable.service.canonical import canonical_json, instant_text

__all__ = [
    "EVENT_KINDS",
    "DeliveryReport",
    "RetryPolicy",
    "WebhookTransport",
    "deliver_pending",
    "emit",
    "event_body",
    "events_csv",
    "sign",
    "subscribe",
    "unsubscribe",
]

#: How long a claimed delivery stays hidden from other workers while it is being posted.
LEASE = timedelta(minutes=5)

EVENT_KINDS: tuple[str, ...] = (
    "offer.made",
    "plan.accepted",
    "plan.cancelled",
    "promise.made",
    "promise.kept",
    "promise.broken",
    "payment.posted",
    "payment.reversed",
    "dispute.opened",
    "escalation.opened",
    "escalation.decided",
    "note.added",
)


class WebhookTransport(Protocol):
    """Posts one body; returns ``(status_code, None)`` or ``(None, error text)`` — never raises."""

    def post(
        self, url: str, body: bytes, headers: Mapping[str, str]
    ) -> tuple[int | None, str | None]: ...


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Backoff of failed deliveries: ``base`` × 2^(attempt-1), at most ``cap``; give up after
    ``max_attempts`` attempts."""

    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=6)
    max_attempts: int = 10

    def delay(self, attempt: int) -> timedelta:
        return min(self.cap, self.base * (1 << max(0, attempt - 1)))


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """What one :func:`deliver_pending` run did."""

    enqueued: int
    attempted: int
    delivered: int
    retrying: int
    failed: int

    def to_json(self) -> dict[str, int]:
        return {
            "enqueued": self.enqueued,
            "attempted": self.attempted,
            "delivered": self.delivered,
            "retrying": self.retrying,
            "failed": self.failed,
        }


def _check_kind(kind: str) -> str:
    if kind not in EVENT_KINDS:
        raise InvalidInput(f"unknown event kind {kind!r}; kinds are: {', '.join(EVENT_KINDS)}")
    return kind


def emit(uow: ApiUnitOfWork, kind: str, payload: object) -> EventRow:
    """Add an outcome event to the outbox (inside the caller's transaction; the caller commits)."""
    return uow.events.add_event(str(uuid4()), _check_kind(kind), canonical_json(payload))


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"webhook url {url!r} must be an absolute http(s) URL")
    return url


def subscribe(
    uow: ApiUnitOfWork,
    url: str,
    kinds: Sequence[str] = (),
    *,
    secret: str | None = None,
    actor: str = "system",
) -> SubscriptionRow:
    """Subscribe ``url`` to ``kinds`` (empty: every kind) from now on; commits.

    The signing secret is generated unless given (at least 24 characters)."""
    _check_url(url)
    for k in kinds:
        _check_kind(k)
    if secret is None:
        secret = "whsec_" + secrets.token_urlsafe(32)
    elif len(secret) < 24:
        raise InvalidInput("a webhook secret needs at least 24 characters")
    with uow:
        sub = uow.events.add_subscription(url, secret, sorted(set(kinds)))
        audit.record(
            uow,
            "webhook.subscribed",
            f"webhook:{sub.id}",
            {"url": url, "kinds": list(sub.kinds)},
            actor=actor,
        )
        uow.commit()
    return sub


def unsubscribe(uow: ApiUnitOfWork, sub_id: int, *, actor: str = "system") -> None:
    """Stop delivering to a subscription (pending deliveries stay in the log); commits."""
    with uow:
        uow.events.deactivate(sub_id)
        audit.record(uow, "webhook.unsubscribed", f"webhook:{sub_id}", {}, actor=actor)
        uow.commit()


def event_body(event: EventRow) -> bytes:
    """The exact bytes posted for ``event`` (canonical JSON, so retries send identical bodies)."""
    doc = {
        "id": event.event_id,
        "kind": event.kind,
        "created_at": instant_text(event.created_at),
        "data": json.loads(event.payload),
    }
    return canonical_json(doc).encode("utf-8")


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The ``Amicable-Signature`` header value for ``body`` sent at ``timestamp`` (unix seconds)."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def deliver_pending(
    uow: ApiUnitOfWork,
    now: datetime,
    transport: WebhookTransport,
    *,
    policy: RetryPolicy | None = None,
    limit: int = 1000,
) -> DeliveryReport:
    """Enqueue new deliveries, then attempt every due one (at most ``limit``).

    Each delivery is claimed (leased for :data:`LEASE`) and committed, posted with no
    transaction open (no database lock is held while a receiver answers), then its outcome is
    recorded and committed. A worker that dies mid-post leaves a lease that simply expires.
    """
    policy = policy or RetryPolicy()
    attempted = delivered = retrying = failed = 0
    with uow:
        enqueued = uow.events.enqueue(now)
        uow.commit()
    while attempted < limit:
        with uow:
            due = uow.events.due(now, 1)
            if not due:
                break
            d = due[0]
            sub = uow.events.subscription(d.subscription_id)
            uow.events.lease(d.id, now + LEASE)
            uow.commit()
        outcome, status, error, next_at = _attempt(d, sub, now, transport, policy)
        with uow:
            uow.events.record_attempt(
                d.id, at=now, status_code=status, error=error, outcome=outcome,
                next_attempt_at=next_at,
            )  # fmt: skip
            uow.commit()
        attempted += 1
        delivered += outcome == "delivered"
        retrying += outcome == "pending"
        failed += outcome == "failed"
    return DeliveryReport(enqueued, attempted, delivered, retrying, failed)


def _attempt(
    d: DeliveryRow,
    sub: SubscriptionRow,
    now: datetime,
    transport: WebhookTransport,
    policy: RetryPolicy,
) -> tuple[str, int | None, str | None, datetime]:
    """Post one delivery: ``(outcome, status code, error, next attempt)``."""
    body = event_body(d.event)
    headers = {
        "Content-Type": "application/json",
        "Amicable-Event-Id": d.event.event_id,
        "Amicable-Event-Kind": d.event.kind,
        "Amicable-Signature": sign(sub.secret, body, int(now.timestamp())),
    }
    status: int | None
    error: str | None
    if not sub.active:
        status, error = None, "subscription inactive"
    else:
        status, error = transport.post(sub.url, body, headers)
    attempt = d.attempts + 1
    if status is not None and 200 <= status < 300:
        return "delivered", status, error, now
    if status is not None and error is None:
        error = f"HTTP {status}"
    if attempt >= policy.max_attempts or not sub.active:
        return "failed", status, error, now
    return "pending", status, error, now + policy.delay(attempt)


def events_csv(uow: ApiUnitOfWork, *, start: date | None = None, end: date | None = None) -> str:
    """The organisation's events as CSV for accounting imports (inclusive UTC dates)."""
    lo, hi = audit.date_bounds(start, end)
    with uow:
        rows = uow.events.events(lo, hi)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["event_id", "kind", "created_at", "payload"])
    for e in rows:
        writer.writerow([e.event_id, e.kind, instant_text(e.created_at), e.payload])
    return buf.getvalue()
