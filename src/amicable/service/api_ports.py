"""Ports of the API foundations: users and tokens, the audit trail, and write-back.

Every repository here is scoped to the unit of work's organisation, except
:class:`TokenDirectory`, which resolves a presented token to its organisation (authentication
happens before an organisation is known) and revokes by id for the administrator's CLI.

Invariants adapters keep: audit records and outcome events are only ever appended; a token is
looked up by the SHA-256 of its secret, never by the secret.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from amicable.service.ports import UnitOfWork

__all__ = [
    "ApiUnitOfWork",
    "AuditRepository",
    "AuditRow",
    "DeliveryRow",
    "EventRepository",
    "EventRow",
    "SecurityRepository",
    "SubscriptionRow",
    "TokenDirectory",
    "TokenRow",
    "UserRow",
]


@dataclass(frozen=True, slots=True)
class UserRow:
    """A stored user (``has_password`` says whether console login is possible)."""

    id: int
    email: str
    role: str
    has_password: bool
    created_at: datetime
    disabled_at: datetime | None


@dataclass(frozen=True, slots=True)
class TokenRow:
    """A stored API token (never its secret): ``prefix`` is the first characters, for recognition."""

    id: int
    org_id: int
    org_name: str
    role: str
    label: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class AuditRow:
    """One audit record as stored. ``payload`` is canonical JSON text; ``at`` aware UTC."""

    id: int
    seq: int
    kind: str
    subject: str
    actor: str
    payload: str
    at: datetime
    prev_hash: str
    hash: str


#: What joins a record's canonical text around its place in the chain (see :class:`PendingAudit`).
CHAIN_SEQ = '","seq":'


def chain_hash(prefix: str, prev_hash: str, seq: int, suffix: str) -> str:
    """SHA-256 (hex) of ``prefix + prev_hash + '","seq":' + seq + suffix``: a record's hash from
    its canonical text cut around its place (the same formula in Python and, on PostgreSQL, in
    the append statement)."""
    text = prefix + prev_hash + CHAIN_SEQ + str(seq) + suffix
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class PendingAudit:
    """An audit record waiting for its place in the chain.

    ``prefix`` and ``suffix`` are the canonical JSON text of its fields cut around ``prev_hash``
    and ``seq`` (which sit side by side, keys being sorted): the text hashed is ``prefix +
    prev_hash + '","seq":' + seq + suffix`` (:func:`chain_hash`), so the place can be filled in
    without building the text again — by :meth:`seal`, or by the database in one statement."""

    kind: str
    subject: str
    actor: str
    payload: str
    at: datetime
    prefix: str
    suffix: str

    def seal(self, seq: int, prev_hash: str) -> AuditRow:
        """The record at ``seq`` after the record whose hash is ``prev_hash``."""
        digest = chain_hash(self.prefix, prev_hash, seq, self.suffix)
        return AuditRow(0, seq, self.kind, self.subject, self.actor, self.payload, self.at,
                        prev_hash, digest)  # fmt: skip


@dataclass(frozen=True, slots=True)
class EventRow:
    """One outcome event. ``event_id`` is the idempotency key; ``payload`` canonical JSON text."""

    id: int
    event_id: str
    kind: str
    payload: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SubscriptionRow:
    """A webhook subscription; ``kinds`` empty means every kind."""

    id: int
    url: str
    secret: str
    kinds: tuple[str, ...]
    active: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    """One (subscription, event) delivery and where it stands."""

    id: int
    subscription_id: int
    event: EventRow
    status: str
    attempts: int
    next_attempt_at: datetime
    delivered_at: datetime | None
    last_status_code: int | None
    last_error: str | None


class SecurityRepository(Protocol):
    """Users and tokens of the organisation."""

    def add_user(self, email: str, role: str, password_hash: str | None) -> UserRow: ...
    def users(self) -> list[UserRow]: ...
    def user(self, user_id: int) -> UserRow: ...
    def add_token(self, role: str, label: str, prefix: str, token_hash: str) -> TokenRow: ...
    def tokens(self) -> list[TokenRow]: ...
    def revoke_token(self, token_id: int) -> TokenRow: ...


class TokenDirectory(Protocol):
    """Organisation-independent token lookups (authentication, CLI revocation)."""

    def by_hash(self, token_hash: str) -> TokenRow | None: ...
    def by_id(self, token_id: int) -> TokenRow | None: ...
    def touch(self, token_id: int, at: datetime) -> None: ...
    def revoke(self, token_id: int, at: datetime) -> TokenRow: ...


class AuditRepository(Protocol):
    """The organisation's audit chain.

    Records are staged during the transaction and appended by :meth:`flush`, which the unit of
    work calls right before it commits: the chain's head is locked once per transaction, for the
    few statements of the append, instead of from the first record to the commit (every writer
    of the organisation waits on that lock). Staged records are dropped on rollback. Reads of
    the chain flush first, so a transaction sees its own records.
    """

    def head(self, *, lock: bool) -> tuple[int, str]: ...
    def append(self, row: AuditRow) -> None: ...
    def stage(self, record: PendingAudit) -> None:
        """Queue one record; it is sealed (``seq``, ``prev_hash``, ``hash``) once its place is
        known."""
        ...

    def flush(self) -> None:
        """Append the staged records in order under the head lock (no-op when none)."""
        ...

    def records(
        self, start: datetime | None = None, end: datetime | None = None
    ) -> list[AuditRow]: ...
    def stored_head(self) -> tuple[int, str] | None: ...


class EventRepository(Protocol):
    """Outcome events, subscriptions, deliveries and attempts of the organisation."""

    def add_event(self, event_id: str, kind: str, payload: str) -> EventRow: ...
    def events(
        self, start: datetime | None = None, end: datetime | None = None
    ) -> list[EventRow]: ...
    def add_subscription(self, url: str, secret: str, kinds: Sequence[str]) -> SubscriptionRow: ...
    def subscriptions(self) -> list[SubscriptionRow]: ...
    def subscription(self, sub_id: int) -> SubscriptionRow: ...
    def deactivate(self, sub_id: int) -> None: ...
    def enqueue(self, now: datetime) -> int: ...
    def due(self, now: datetime, limit: int) -> list[DeliveryRow]: ...
    def lease(self, delivery_id: int, until: datetime) -> None: ...
    def record_attempt(
        self,
        delivery_id: int,
        *,
        at: datetime,
        status_code: int | None,
        error: str | None,
        outcome: str,
        next_attempt_at: datetime,
    ) -> None: ...
    def deliveries(self, sub_id: int | None = None) -> list[DeliveryRow]: ...
    def attempts(self, delivery_id: int) -> list[tuple[datetime, int | None, str | None]]: ...


class ApiUnitOfWork(UnitOfWork, Protocol):
    """A unit of work that also carries the API foundation repositories."""

    @property
    def security(self) -> SecurityRepository: ...
    @property
    def audit(self) -> AuditRepository: ...
    @property
    def events(self) -> EventRepository: ...
