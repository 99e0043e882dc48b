"""SQL implementations of the API foundation ports: users, tokens, audit chain, write-back.

Invariants: every statement of an org-scoped repository filters on (or writes) its ``org_id``;
audit records and outcome events are only inserted; the audit head row is locked
(``SELECT … FOR UPDATE`` on PostgreSQL; SQLite transactions already hold the write lock from
``BEGIN IMMEDIATE``) before a record is appended, so two writers never fork the chain. A
transaction's records are staged and appended together right before it commits, so the head lock
is held for those few statements only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from amicable.adapters.db.driver import DriverStatement, before_driver
from amicable.adapters.db.tables import organisations
from amicable.adapters.db.tables_audit import audit_heads, audit_records
from amicable.adapters.db.tables_events import (
    outcome_events,
    webhook_attempts,
    webhook_deliveries,
    webhook_subscriptions,
)
from amicable.adapters.db.tables_security import api_tokens, users
from amicable.domain.errors import Conflict, NotFound
from amicable.service.api_ports import (
    CHAIN_SEQ,
    AuditRow,
    DeliveryRow,
    EventRow,
    PendingAudit,
    SubscriptionRow,
    TokenRow,
    UserRow,
)

__all__ = [
    "GENESIS_HASH",
    "SqlAuditRepository",
    "SqlEventRepository",
    "SqlSecurityRepository",
    "SqlTokenDirectory",
]

GENESIS_HASH = "0" * 64


def _utc(value: Any) -> Any:
    """SQLite hands back naive datetimes for aware columns: they were written in UTC."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return value


def _user(r: Any) -> UserRow:
    return UserRow(
        int(r.id),
        str(r.email),
        str(r.role),
        r.password_hash is not None,
        _utc(r.created_at),
        _utc(r.disabled_at),
    )


def _token_select() -> Any:
    return select(api_tokens, organisations.c.name.label("org_name")).join(
        organisations, organisations.c.id == api_tokens.c.org_id
    )


def _token(r: Any) -> TokenRow:
    return TokenRow(
        int(r.id),
        int(r.org_id),
        str(r.org_name),
        str(r.role),
        str(r.label),
        str(r.prefix),
        _utc(r.created_at),
        _utc(r.last_used_at),
        _utc(r.revoked_at),
    )


class SqlSecurityRepository:
    """Users and tokens of one organisation."""

    def __init__(self, conn: Connection, org_id: int, now: datetime) -> None:
        self._conn = conn
        self._org = org_id
        self._now = now

    def add_user(self, email: str, role: str, password_hash: str | None) -> UserRow:
        exists = self._conn.execute(
            select(users.c.id).where(users.c.org_id == self._org, users.c.email == email)
        ).first()
        if exists is not None:
            raise Conflict(f"a user with email {email!r} already exists in this organisation")
        new_id = self._conn.execute(
            insert(users)
            .values(
                org_id=self._org,
                email=email,
                role=role,
                password_hash=password_hash,
                created_at=self._now,
            )
            .returning(users.c.id)
        ).scalar_one()
        return self.user(int(new_id))

    def users(self) -> list[UserRow]:
        rows = self._conn.execute(
            select(users).where(users.c.org_id == self._org).order_by(users.c.id)
        )
        return [_user(r) for r in rows]

    def user(self, user_id: int) -> UserRow:
        r = self._conn.execute(
            select(users).where(users.c.org_id == self._org, users.c.id == user_id)
        ).first()
        if r is None:
            raise NotFound(f"user {user_id} does not exist")
        return _user(r)

    def password_hash(self, email: str) -> str | None:
        return self._conn.execute(
            select(users.c.password_hash).where(
                users.c.org_id == self._org, users.c.email == email, users.c.disabled_at.is_(None)
            )
        ).scalar_one_or_none()

    def add_token(self, role: str, label: str, prefix: str, token_hash: str) -> TokenRow:
        new_id = self._conn.execute(
            insert(api_tokens)
            .values(
                org_id=self._org,
                role=role,
                label=label,
                prefix=prefix,
                token_hash=token_hash,
                created_at=self._now,
            )
            .returning(api_tokens.c.id)
        ).scalar_one()
        return self._token(int(new_id))

    def _token(self, token_id: int) -> TokenRow:
        r = self._conn.execute(
            _token_select().where(api_tokens.c.org_id == self._org, api_tokens.c.id == token_id)
        ).first()
        if r is None:
            raise NotFound(f"token {token_id} does not exist")
        return _token(r)

    def tokens(self) -> list[TokenRow]:
        rows = self._conn.execute(
            _token_select().where(api_tokens.c.org_id == self._org).order_by(api_tokens.c.id)
        )
        return [_token(r) for r in rows]

    def revoke_token(self, token_id: int) -> TokenRow:
        self._token(token_id)  # NotFound for another organisation's token
        self._conn.execute(
            update(api_tokens)
            .where(
                api_tokens.c.org_id == self._org,
                api_tokens.c.id == token_id,
                api_tokens.c.revoked_at.is_(None),
            )
            .values(revoked_at=self._now)
        )
        return self._token(token_id)


class SqlTokenDirectory:
    """Token lookups across organisations (authentication and the administrator's CLI)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def by_hash(self, token_hash: str) -> TokenRow | None:
        r = self._conn.execute(_token_select().where(api_tokens.c.token_hash == token_hash)).first()
        return None if r is None else _token(r)

    def by_id(self, token_id: int) -> TokenRow | None:
        r = self._conn.execute(_token_select().where(api_tokens.c.id == token_id)).first()
        return None if r is None else _token(r)

    def touch(self, token_id: int, at: datetime) -> None:
        self._conn.execute(
            update(api_tokens).where(api_tokens.c.id == token_id).values(last_used_at=at)
        )

    def revoke(self, token_id: int, at: datetime) -> TokenRow:
        self._conn.execute(
            update(api_tokens)
            .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        r = self._conn.execute(_token_select().where(api_tokens.c.id == token_id)).first()
        if r is None:
            raise NotFound(f"token {token_id} does not exist")
        return _token(r)


# The audit statements, built once: an audit record is appended for nearly every change (every
# outbox attempt, hand-off and conversation message), and building the statement objects on each
# call cost more than executing them on SQLite. Every transaction that records anything reads
# the head, appends and moves the head: on the driver's cursor (see adapters.db.driver; on
# SQLite they were a third of a simulated day's statements).
_HEAD = DriverStatement(
    select(audit_heads.c.seq, audit_heads.c.hash).where(audit_heads.c.org_id == bindparam("org"))
)
_NEW_HEAD = insert(audit_heads)
# PostgreSQL: the head row locked and read in one statement - created at seq 0 when the very
# first append has no row to lock, else a no-op update (it takes the row lock, as SELECT ... FOR
# UPDATE did, and RETURNING gives the newest committed head once a concurrent appender commits).
# It was two round trips: INSERT ... ON CONFLICT DO NOTHING, then SELECT ... FOR UPDATE.
_LOCK_HEAD_PG = (
    pg_insert(audit_heads)
    .values(org_id=bindparam("org"), seq=0, hash=GENESIS_HASH)
    .on_conflict_do_update(index_elements=[audit_heads.c.org_id], set_={"seq": audit_heads.c.seq})
    .returning(audit_heads.c.seq, audit_heads.c.hash)
)
_APPEND = DriverStatement(
    insert(audit_records),
    column_keys=("org_id", "seq", "kind", "subject", "actor", "payload", "at", "prev_hash", "hash"),
)
_ADD_EVENT = insert(outcome_events).returning(outcome_events.c.id)
#: Most conversation turns record an outcome event: on the driver's cursor.
_TURN_ADD_EVENT = DriverStatement(
    _ADD_EVENT, column_keys=("org_id", "event_id", "kind", "payload", "created_at")
)
_MOVE_HEAD = DriverStatement(
    update(audit_heads)
    .where(audit_heads.c.org_id == bindparam("org"), audit_heads.c.seq == bindparam("prev_seq"))
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)
# PostgreSQL, at commit: the transaction's records appended and the transaction committed in one
# round trip (psycopg's pipeline mode: the head row made sure of, then this statement, then
# COMMIT, sent together). The statement locks the head row, chains each record's hash from it
# (``chain_hash``'s formula: the record's canonical text cut around its place, so the database
# only joins strings and hashes), inserts the records and moves the head; it fails (division by
# zero) unless every record went in, so the COMMIT after it becomes a rollback. The head stays
# locked from this statement to the end of the commit and every writer of the organisation
# waits on it: before, the lock was held across four round trips (lock, insert, move, commit),
# each needing the GIL back in a busy API server, and over HTTP most of a turn's time was spent
# waiting for it. The arrays go in binary (``%b``): in text, the driver escapes every quote of
# every record's canonical JSON with a regular-expression substitution, about a tenth of a
# conversation turn's CPU.
_ENSURE_HEAD_PG = (
    "INSERT INTO audit_heads (org_id, seq, hash) VALUES (%(org)s, 0, %(genesis)s) "
    "ON CONFLICT (org_id) DO NOTHING"
)
_APPEND_PG = """
WITH RECURSIVE
head AS (
    SELECT seq, hash FROM audit_heads WHERE org_id = %(org)s FOR UPDATE
),
staged AS (
    SELECT * FROM unnest(
        CAST(%(kinds)b AS text[]), CAST(%(subjects)b AS text[]), CAST(%(actors)b AS text[]),
        CAST(%(payloads)b AS text[]), CAST(%(ats)b AS timestamptz[]),
        CAST(%(prefixes)b AS text[]), CAST(%(suffixes)b AS text[])
    ) WITH ORDINALITY AS t(kind, subject, actor, payload, at, prefix, suffix, ord)
),
chain(ord, seq, prev_hash, hash) AS (
    SELECT CAST(0 AS bigint), seq, CAST(NULL AS text), CAST(hash AS text) FROM head
    UNION ALL
    SELECT s.ord, c.seq + 1, c.hash,
           encode(sha256(convert_to(
               s.prefix || c.hash || %(chain_seq)s || CAST(c.seq + 1 AS text) || s.suffix, 'UTF8'
           )), 'hex')
    FROM chain c JOIN staged s ON s.ord = c.ord + 1
),
appended AS (
    INSERT INTO audit_records (org_id, seq, kind, subject, actor, payload, at, prev_hash, hash)
    SELECT %(org)s, c.seq, s.kind, s.subject, s.actor, s.payload, s.at, c.prev_hash, c.hash
    FROM chain c JOIN staged s ON s.ord = c.ord
    RETURNING seq
)
UPDATE audit_heads AS h
SET seq = last.seq, hash = last.hash
FROM (SELECT seq, hash FROM chain ORDER BY ord DESC LIMIT 1) AS last
WHERE h.org_id = %(org)s
  AND 1 / CASE WHEN (SELECT count(*) FROM appended) = %(n)s THEN 1 ELSE 0 END = 1
"""

#: Records per execution of :data:`_APPEND_PG` (its cost grows with the square of its records).
_APPEND_SLICE = 128


class SqlAuditRepository:
    """The audit chain of one organisation."""

    def __init__(self, conn: Connection, org_id: int) -> None:
        self._conn = conn
        self._org = org_id
        self._staged: list[PendingAudit] = []

    def stage(self, record: PendingAudit) -> None:
        self._staged.append(record)

    def flush(self) -> None:
        if not self._staged:
            return
        staged, self._staged = self._staged, []
        seq, prev = self.head(lock=True)
        rows = []
        for pending in staged:
            row = pending.seal(seq + 1, prev)
            rows.append(row)
            seq, prev = row.seq, row.hash
        self._append(rows)

    def flush_and_commit(self) -> bool:
        """PostgreSQL: append the staged records and commit the transaction in one round trip
        (:data:`_APPEND_PG`); False, having done nothing, on another database or with nothing
        staged (the caller then flushes and commits as usual). The driver's transaction is
        over when this returns; the caller still closes SQLAlchemy's (a no-op COMMIT then)."""
        if not self._staged or self._conn.dialect.name != "postgresql":
            return False
        staged, self._staged = self._staged, []
        before_driver(self._conn)  # a COPY still streaming cannot run in a pipeline
        raw: Any = self._conn.connection.dbapi_connection
        with raw.pipeline(), raw.cursor() as cur:
            cur.execute(_ENSURE_HEAD_PG, {"org": self._org, "genesis": GENESIS_HASH})
            # In slices: each step of the statement's recursion scans its staged records, so
            # one statement costs the square of its records (an import's 7,012 took 9.2 s of
            # the server's CPU). Each slice chains from the head the one before it moved.
            for i in range(0, len(staged), _APPEND_SLICE):
                cur.execute(_APPEND_PG, self._append_params(staged[i : i + _APPEND_SLICE]))
            raw.commit()
        return True

    def _append_params(self, staged: Sequence[PendingAudit]) -> dict[str, Any]:
        return {
            "org": self._org,
            "n": len(staged),
            "chain_seq": CHAIN_SEQ,
            "kinds": [p.kind for p in staged],
            "subjects": [p.subject for p in staged],
            "actors": [p.actor for p in staged],
            "payloads": [p.payload for p in staged],
            "ats": [p.at for p in staged],
            "prefixes": [p.prefix for p in staged],
            "suffixes": [p.suffix for p in staged],
        }

    def discard(self) -> None:
        """Drop the staged records (the transaction is rolled back)."""
        self._staged.clear()

    def stored_head(self) -> tuple[int, str] | None:
        self.flush()
        r = _HEAD.first(self._conn, {"org": self._org})
        return None if r is None else (int(r.seq), str(r.hash))

    def head(self, *, lock: bool) -> tuple[int, str]:
        if not lock:
            r = _HEAD.first(self._conn, {"org": self._org})
        elif self._conn.dialect.name == "postgresql":
            r = self._conn.execute(_LOCK_HEAD_PG, {"org": self._org}).first()
        else:
            # SQLite: the transaction already holds the database write lock (BEGIN IMMEDIATE),
            # so the head read is the lock; a missing head row is created at seq 0.
            r = _HEAD.first(self._conn, {"org": self._org})
            if r is None:
                self._conn.execute(_NEW_HEAD, {"org_id": self._org, "seq": 0, "hash": GENESIS_HASH})
        return (0, GENESIS_HASH) if r is None else (int(r.seq), str(r.hash))

    def append(self, row: AuditRow) -> None:
        """Append one record now (the caller holds the head lock: :meth:`head`)."""
        self._append([row])

    def _append(self, rows: list[AuditRow]) -> None:
        # One multi-row INSERT, then the head moves from the record before the first to the last.
        _APPEND.many(
            self._conn,
            [
                {
                    "org_id": self._org,
                    "seq": row.seq,
                    "kind": row.kind,
                    "subject": row.subject,
                    "actor": row.actor,
                    "payload": row.payload,
                    "at": row.at,
                    "prev_hash": row.prev_hash,
                    "hash": row.hash,
                }
                for row in rows
            ],
        )
        first, last = rows[0], rows[-1]
        done = _MOVE_HEAD.rowcount(
            self._conn,
            {
                "org": self._org,
                "prev_seq": first.seq - 1,
                "new_seq": last.seq,
                "new_hash": last.hash,
            },
        )
        if done != 1:
            raise Conflict("the audit chain moved while a record was being appended; retry")

    def records(self, start: datetime | None = None, end: datetime | None = None) -> list[AuditRow]:
        self.flush()
        query = select(audit_records).where(audit_records.c.org_id == self._org)
        if start is not None:
            query = query.where(audit_records.c.at >= start)
        if end is not None:
            query = query.where(audit_records.c.at < end)
        # Insertion order, not seq order: a record moved to another place in the chain must show.
        rows = self._conn.execute(query.order_by(audit_records.c.id))
        return [
            AuditRow(
                int(r.id),
                int(r.seq),
                str(r.kind),
                str(r.subject),
                str(r.actor),
                str(r.payload),
                _utc(r.at),
                str(r.prev_hash),
                str(r.hash),
            )
            for r in rows
        ]


def _event(r: Any, prefix: str = "") -> EventRow:
    m = r._mapping
    return EventRow(
        int(m[f"{prefix}id"]),
        str(m[f"{prefix}event_id"]),
        str(m[f"{prefix}kind"]),
        str(m[f"{prefix}payload"]),
        _utc(m[f"{prefix}created_at"]),
    )


def _subscription(r: Any) -> SubscriptionRow:
    kinds = tuple(k for k in str(r.kinds).split(",") if k)
    return SubscriptionRow(
        int(r.id), str(r.url), str(r.secret), kinds, bool(r.active), _utc(r.created_at)
    )


class SqlEventRepository:
    """Outcome events, webhook subscriptions, deliveries and attempts of one organisation."""

    def __init__(self, conn: Connection, org_id: int, now: datetime) -> None:
        self._conn = conn
        self._org = org_id
        self._now = now

    def add_event(self, event_id: str, kind: str, payload: str) -> EventRow:
        new_id = _TURN_ADD_EVENT.scalar_one(
            self._conn,
            {
                "org_id": self._org,
                "event_id": event_id,
                "kind": kind,
                "payload": payload,
                "created_at": self._now,
            },
        )
        return EventRow(int(new_id), event_id, kind, payload, self._now)

    def events(self, start: datetime | None = None, end: datetime | None = None) -> list[EventRow]:
        query = select(outcome_events).where(outcome_events.c.org_id == self._org)
        if start is not None:
            query = query.where(outcome_events.c.created_at >= start)
        if end is not None:
            query = query.where(outcome_events.c.created_at < end)
        return [_event(r) for r in self._conn.execute(query.order_by(outcome_events.c.id))]

    def add_subscription(self, url: str, secret: str, kinds: Sequence[str]) -> SubscriptionRow:
        new_id = self._conn.execute(
            insert(webhook_subscriptions)
            .values(
                org_id=self._org,
                url=url,
                secret=secret,
                kinds=",".join(kinds),
                active=True,
                created_at=self._now,
            )
            .returning(webhook_subscriptions.c.id)
        ).scalar_one()
        return self.subscription(int(new_id))

    def subscriptions(self) -> list[SubscriptionRow]:
        rows = self._conn.execute(
            select(webhook_subscriptions)
            .where(webhook_subscriptions.c.org_id == self._org)
            .order_by(webhook_subscriptions.c.id)
        )
        return [_subscription(r) for r in rows]

    def subscription(self, sub_id: int) -> SubscriptionRow:
        r = self._conn.execute(
            select(webhook_subscriptions).where(
                webhook_subscriptions.c.org_id == self._org, webhook_subscriptions.c.id == sub_id
            )
        ).first()
        if r is None:
            raise NotFound(f"webhook subscription {sub_id} does not exist")
        return _subscription(r)

    def deactivate(self, sub_id: int) -> None:
        self.subscription(sub_id)
        self._conn.execute(
            update(webhook_subscriptions)
            .where(
                webhook_subscriptions.c.org_id == self._org, webhook_subscriptions.c.id == sub_id
            )
            .values(active=False)
        )

    def enqueue(self, now: datetime) -> int:
        """Create the missing deliveries: every event (made since the subscription was created)
        of a subscribed kind, for every active subscription."""
        subs = [s for s in self.subscriptions() if s.active]
        added = 0
        for sub in subs:
            query = (
                select(outcome_events.c.id)
                .outerjoin(
                    webhook_deliveries,
                    and_(
                        webhook_deliveries.c.event_row_id == outcome_events.c.id,
                        webhook_deliveries.c.subscription_id == sub.id,
                    ),
                )
                .where(
                    outcome_events.c.org_id == self._org,
                    outcome_events.c.created_at >= sub.created_at,
                    webhook_deliveries.c.id.is_(None),
                )
            )
            if sub.kinds:
                query = query.where(outcome_events.c.kind.in_(sub.kinds))
            ids = [
                int(i) for i in self._conn.execute(query.order_by(outcome_events.c.id)).scalars()
            ]
            if ids:
                # Two enqueuers racing on PostgreSQL: the loser skips the rows the winner wrote.
                stmt: Any = insert(webhook_deliveries)
                if self._conn.dialect.name == "postgresql":
                    stmt = pg_insert(webhook_deliveries).on_conflict_do_nothing()
                self._conn.execute(
                    stmt,
                    [
                        {
                            "org_id": self._org,
                            "subscription_id": sub.id,
                            "event_row_id": i,
                            "status": "pending",
                            "attempts": 0,
                            "next_attempt_at": now,
                            "created_at": now,
                        }
                        for i in ids
                    ],
                )
                added += len(ids)
        return added

    def _delivery_select(self) -> Any:
        e = outcome_events
        return select(
            webhook_deliveries,
            e.c.id.label("e_id"),
            e.c.event_id.label("e_event_id"),
            e.c.kind.label("e_kind"),
            e.c.payload.label("e_payload"),
            e.c.created_at.label("e_created_at"),
        ).join(e, e.c.id == webhook_deliveries.c.event_row_id)

    def _delivery(self, r: Any) -> DeliveryRow:
        return DeliveryRow(
            int(r.id),
            int(r.subscription_id),
            _event(r, "e_"),
            str(r.status),
            int(r.attempts),
            _utc(r.next_attempt_at),
            _utc(r.delivered_at),
            r.last_status_code,
            r.last_error,
        )

    def due(self, now: datetime, limit: int) -> list[DeliveryRow]:
        query = (
            self._delivery_select()
            .where(
                webhook_deliveries.c.org_id == self._org,
                webhook_deliveries.c.status == "pending",
                webhook_deliveries.c.next_attempt_at <= now,
            )
            .order_by(webhook_deliveries.c.next_attempt_at, webhook_deliveries.c.id)
            .limit(limit)
        )
        if self._conn.dialect.name == "postgresql":
            # Two delivery workers never post the same delivery at the same time.
            query = query.with_for_update(of=webhook_deliveries, skip_locked=True)
        return [self._delivery(r) for r in self._conn.execute(query)]

    def lease(self, delivery_id: int, until: datetime) -> None:
        """Hide a pending delivery from other workers until ``until`` (while it is posted)."""
        self._conn.execute(
            update(webhook_deliveries)
            .where(
                webhook_deliveries.c.org_id == self._org,
                webhook_deliveries.c.id == delivery_id,
                webhook_deliveries.c.status == "pending",
            )
            .values(next_attempt_at=until)
        )

    def record_attempt(
        self,
        delivery_id: int,
        *,
        at: datetime,
        status_code: int | None,
        error: str | None,
        outcome: str,
        next_attempt_at: datetime,
    ) -> None:
        self._conn.execute(
            insert(webhook_attempts).values(
                org_id=self._org,
                delivery_id=delivery_id,
                at=at,
                status_code=status_code,
                error=error,
            )
        )
        self._conn.execute(
            update(webhook_deliveries)
            .where(
                webhook_deliveries.c.org_id == self._org,
                webhook_deliveries.c.id == delivery_id,
                webhook_deliveries.c.status == "pending",
            )
            .values(
                status=outcome,
                attempts=webhook_deliveries.c.attempts + 1,
                next_attempt_at=next_attempt_at,
                last_status_code=status_code,
                last_error=error,
                delivered_at=at if outcome == "delivered" else None,
            )
        )

    def deliveries(self, sub_id: int | None = None) -> list[DeliveryRow]:
        query = self._delivery_select().where(webhook_deliveries.c.org_id == self._org)
        if sub_id is not None:
            self.subscription(sub_id)
            query = query.where(webhook_deliveries.c.subscription_id == sub_id)
        rows = self._conn.execute(query.order_by(webhook_deliveries.c.id))
        return [self._delivery(r) for r in rows]

    def attempts(self, delivery_id: int) -> list[tuple[datetime, int | None, str | None]]:
        rows = self._conn.execute(
            select(webhook_attempts.c.at, webhook_attempts.c.status_code, webhook_attempts.c.error)
            .where(
                webhook_attempts.c.org_id == self._org,
                webhook_attempts.c.delivery_id == delivery_id,
            )
            .order_by(webhook_attempts.c.id)
        )
        return [(_utc(r.at), r.status_code, r.error) for r in rows]
