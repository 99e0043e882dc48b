"""Appending a transaction's audit records at commit, on SQLite and PostgreSQL (where the records
and the COMMIT go in one round trip, the hashes chained by the database): the chain verifies
from the very first record of an organisation, many records of one transaction keep their
order, and an append that fails commits nothing of the transaction — fail closed."""

from __future__ import annotations

import hashlib
from datetime import UTC
from itertools import pairwise

import psycopg
import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from amicable.adapters.db.repositories_api import _APPEND_SLICE, SqlAuditRepository
from amicable.adapters.db.tables_audit import audit_heads, audit_records
from amicable.bootstrap import App
from amicable.service import audit
from amicable.service.canonical import canonical_json, instant_text
from amicable.service.ports import NewCustomer

# Strings that could trip the cut of a record's text around its place in the chain (quotes, the
# keys themselves, backslashes, non-ASCII, control characters).
TRICKY = ['"prev_hash":"","seq":0', 'a"b\\c', "é ü — 日本", "line\nbreak\t\x01", ""]


def test_a_new_organisations_first_records_start_the_chain(app: App) -> None:
    app.create_org("fresh")
    with app.uow("fresh") as uow:
        audit.record(uow, "note.added", "account:A1", {"body": "first"})
        audit.record(uow, "note.added", "account:A1", {"body": "second"})
        uow.commit()
    result = audit.verify(app.uow("fresh"))
    assert result.ok, result.problems
    assert result.records == 2 and result.head_seq == 2


def test_many_records_of_one_transaction_keep_their_order_and_hashes(app: App) -> None:
    for _batch in range(3):
        with app.uow() as uow:
            for i, word in enumerate(TRICKY):
                audit.record(uow, "note.added", f"account:{word}", {"i": i, "w": word},
                             actor=f"actor {word}")  # fmt: skip
            uow.commit()
    with app.uow() as uow:
        rows = uow.connection.execute(select(audit_records).order_by(audit_records.c.seq)).all()
    assert [r.seq for r in rows] == list(range(1, 3 * len(TRICKY) + 1))
    assert [r.subject for r in rows[: len(TRICKY)]] == [f"account:{w}" for w in TRICKY]
    for prev, row in pairwise(rows):
        assert row.prev_hash == prev.hash
    for row in rows:  # each hash is the SHA-256 of the record's canonical JSON, as documented
        at = row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)  # SQLite keeps no zone
        doc = {"seq": row.seq, "kind": row.kind, "subject": row.subject, "actor": row.actor,
               "payload": row.payload, "at": instant_text(at), "prev_hash": row.prev_hash}  # fmt: skip
        assert row.hash == hashlib.sha256(canonical_json(doc).encode("utf-8")).hexdigest()
    result = audit.verify(app.uow())
    assert result.ok and result.records == 3 * len(TRICKY)


def test_an_append_that_fails_commits_nothing_of_the_transaction(app: App) -> None:
    with app.uow() as uow:
        audit.record(uow, "note.added", "account:A1", {"body": "one"})
        uow.commit()
    with app.uow() as uow:  # a record squatting the next place: the next append must fail
        org = uow.org_id
        head = uow.connection.execute(select(audit_heads.c.seq, audit_heads.c.hash)).one()
        uow.connection.execute(insert(audit_records).values(
            org_id=org, seq=head.seq + 1, kind="rogue", subject="x", actor="x", payload="{}",
            at=uow.now, prev_hash=head.hash, hash="f" * 64,
        ))  # fmt: skip
        uow.connection.commit()
    # The place is taken: a unique violation on (org_id, seq) — through SQLAlchemy on SQLite,
    # from the driver's pipeline on PostgreSQL.
    with pytest.raises((IntegrityError, psycopg.IntegrityError), match="seq"), app.uow() as uow:
        uow.ledger.add_customers([NewCustomer(external_id="NEW-1", name="New One")])
        audit.record(uow, "note.added", "account:NEW-1", {"body": "two"})
        uow.commit()
    with app.uow() as uow:
        assert uow.ledger.customers(["NEW-1"]) == {}
        assert uow.connection.execute(select(audit_heads.c.seq)).scalar_one() == head.seq


def test_on_postgresql_a_commit_appends_without_the_separate_head_lock(
    app: App, db_backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The records and the COMMIT go in one round trip: the head is never locked and read by
    its own statement (the four-round-trip path, kept for SQLite and mid-transaction reads)."""
    if db_backend != "postgres":
        pytest.skip("the one-round-trip append is PostgreSQL's")

    def no_separate_lock(self: SqlAuditRepository, *, lock: bool) -> tuple[int, str]:
        raise AssertionError("the head was locked by a statement of its own")

    monkeypatch.setattr(SqlAuditRepository, "head", no_separate_lock)
    for i in range(3):
        with app.uow() as uow:
            audit.record(uow, "note.added", "account:A1", {"i": i})
            audit.record(uow, "note.added", "account:A2", {"i": i})
            uow.commit()
    monkeypatch.undo()
    result = audit.verify(app.uow())
    assert result.ok and result.records == 6 and result.head_seq == 6


def test_a_transaction_of_more_records_than_one_append_slice_chains_them_all_in_order(
    app: App,
) -> None:
    # PostgreSQL appends a transaction's records in slices (the statement's cost grows with the
    # square of its records): the chain runs on across the slices' seams.
    n = 2 * _APPEND_SLICE + 3
    with app.uow() as uow:
        for i in range(n):
            audit.record(uow, "note.added", f"account:A{i}", {"i": i})
        uow.commit()
    with app.uow() as uow:
        rows = uow.connection.execute(select(audit_records).order_by(audit_records.c.seq)).all()
    assert [r.seq for r in rows] == list(range(1, n + 1))
    assert [r.subject for r in rows] == [f"account:A{i}" for i in range(n)]
    result = audit.verify(app.uow())
    assert result.ok and result.records == n and result.head_seq == n, result.problems


def test_an_append_whose_later_slice_fails_commits_nothing_of_the_transaction(app: App) -> None:
    with app.uow() as uow:  # a record squatting a place in the second slice of the next append
        head = uow.connection.execute(select(audit_heads.c.seq, audit_heads.c.hash)).first()
        seq = 0 if head is None else head.seq
        uow.connection.execute(insert(audit_records).values(
            org_id=uow.org_id, seq=seq + _APPEND_SLICE + 2, kind="rogue", subject="x",
            actor="x", payload="{}", at=uow.now, prev_hash="0" * 64, hash="f" * 64,
        ))  # fmt: skip
        uow.connection.commit()
    with pytest.raises((IntegrityError, psycopg.IntegrityError), match="seq"), app.uow() as uow:
        uow.ledger.add_customers([NewCustomer(external_id="NEW-1", name="New One")])
        for i in range(_APPEND_SLICE + 5):
            audit.record(uow, "note.added", f"account:A{i}", {"i": i})
        uow.commit()
    with app.uow() as uow:  # neither the first slice's records nor the customer were kept
        assert uow.ledger.customers(["NEW-1"]) == {}
        kinds = uow.connection.execute(select(audit_records.c.kind)).scalars().all()
    assert kinds == ["rogue"]
