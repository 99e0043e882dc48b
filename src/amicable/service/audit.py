"""The audit trail: append-only, hash-chained records per organisation; verification; export.

Each record holds ``seq`` (1, 2, 3 … per organisation), what happened (``kind``), to what
(``subject``, e.g. ``policy:3`` or ``import:invoices``), who did it (``actor``), a JSON
``payload``, the instant ``at`` (the unit of work's clock), ``prev_hash`` (the hash of record
``seq - 1``; 64 zeros for the first) and ``hash`` = SHA-256 of the canonical JSON of
``{seq, kind, subject, actor, payload, at, prev_hash}``.

Invariants: :func:`record` only appends, inside the caller's transaction (it never commits, so an
audit record exists exactly when the change it describes was committed; the records of a
transaction are appended together, in order, when it commits); :func:`verify` recomputes
every hash, follows every link in insertion order and compares the end of the chain with the
stored head, so any edited, removed (including the last) or reordered record is reported by
``seq`` and id.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from amicable.domain.errors import InvalidInput
from amicable.service.api_ports import (
    CHAIN_SEQ,
    ApiUnitOfWork,
    AuditRow,
    PendingAudit,
    chain_hash,
)
from amicable.service.canonical import canonical_json, instant_text

__all__ = [
    "GENESIS_HASH",
    "AuditProblem",
    "AuditVerification",
    "date_bounds",
    "export",
    "record",
    "record_hash",
    "verify",
]

GENESIS_HASH = "0" * 64


def record_hash(
    *, seq: int, kind: str, subject: str, actor: str, payload: str, at: datetime, prev_hash: str
) -> str:
    """The SHA-256 (hex) of the canonical JSON of a record's fields."""
    prefix, suffix = _cut(kind=kind, subject=subject, actor=actor, payload=payload, at=at)
    return chain_hash(prefix, prev_hash, seq, suffix)


#: The place of ``prev_hash`` and ``seq`` in a record's canonical text (keys are sorted, so
#: ``prev_hash`` is followed by ``seq``; every quote inside a string value is escaped, so this
#: only ever matches the keys themselves).
_PLACE = '"prev_hash":"' + CHAIN_SEQ + "0"


def _cut(*, kind: str, subject: str, actor: str, payload: str, at: datetime) -> tuple[str, str]:
    """The canonical JSON of ``{seq, kind, subject, actor, payload, at, prev_hash}`` cut around
    ``prev_hash`` and ``seq``: ``(text up to prev_hash's opening quote, text after seq)``."""
    doc = {
        "seq": 0,
        "kind": kind,
        "subject": subject,
        "actor": actor,
        "payload": payload,
        "at": instant_text(at),
        "prev_hash": "",
    }
    text = canonical_json(doc)
    i = text.index(_PLACE)
    return text[: i + len('"prev_hash":"')], text[i + len(_PLACE) :]


def record(
    uow: ApiUnitOfWork, kind: str, subject: str, payload: object, *, actor: str = "system"
) -> None:
    """Add one record to the organisation's chain (inside the open unit of work).

    ``payload`` must be JSON data without floats. The caller commits: the record is staged and
    appended, in the order recorded, when the unit of work commits (its place in the chain —
    ``seq``, ``prev_hash``, ``hash`` — is only known under the head lock taken then).
    """
    if not kind or not subject:
        raise InvalidInput("an audit record needs a kind and a subject")
    body = canonical_json(payload)
    at = uow.now
    prefix, suffix = _cut(kind=kind, subject=subject, actor=actor, payload=body, at=at)
    uow.audit.stage(PendingAudit(kind, subject, actor, body, at, prefix, suffix))


@dataclass(frozen=True, slots=True)
class AuditProblem:
    """One break in the chain.

    Attributes:
        code: ``edited`` (hash does not match the fields), ``broken_link`` (prev_hash is not the
            hash of the record before: one was removed, inserted or swapped), ``out_of_order``
            (seq is not the next number: removed or reordered), ``head_mismatch`` (the chain ends
            before or after the recorded head: the newest records were removed).
        seq: the record's sequence number (for ``head_mismatch``, the recorded head).
        record_id: the stored row id (None for ``head_mismatch``).
    """

    code: str
    seq: int
    record_id: int | None
    message: str

    def to_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "seq": self.seq,
            "record_id": self.record_id,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class AuditVerification:
    """The result of :func:`verify`: ``ok`` iff there is no problem."""

    ok: bool
    records: int
    head_seq: int
    head_hash: str
    problems: tuple[AuditProblem, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "records": self.records,
            "head": {"seq": self.head_seq, "hash": self.head_hash},
            "problems": [p.to_json() for p in self.problems],
        }


def _check_chain(rows: list[AuditRow], head: tuple[int, str] | None) -> list[AuditProblem]:
    problems: list[AuditProblem] = []
    expected_seq, prev = 1, GENESIS_HASH
    for r in rows:
        if r.seq != expected_seq:
            what = "missing" if r.seq > expected_seq else "repeated or moved"
            problems.append(
                AuditProblem(
                    "out_of_order",
                    r.seq,
                    r.id,
                    f"record {r.seq} follows {expected_seq - 1} (records {what})",
                )
            )
        digest = record_hash(
            seq=r.seq,
            kind=r.kind,
            subject=r.subject,
            actor=r.actor,
            payload=r.payload,
            at=r.at,
            prev_hash=r.prev_hash,
        )
        if digest != r.hash:
            problems.append(
                AuditProblem("edited", r.seq, r.id, f"record {r.seq} does not match its hash")
            )
        if r.prev_hash != prev:
            problems.append(
                AuditProblem(
                    "broken_link",
                    r.seq,
                    r.id,
                    f"record {r.seq} does not link to the record before it",
                )
            )
        expected_seq, prev = r.seq + 1, r.hash
    last = (rows[-1].seq, rows[-1].hash) if rows else (0, GENESIS_HASH)
    recorded = head or (0, GENESIS_HASH)
    if last != recorded:
        problems.append(
            AuditProblem(
                "head_mismatch",
                recorded[0],
                None,
                f"the chain ends at record {last[0]} but the recorded head is record {recorded[0]}",
            )
        )
    return problems


def verify(uow: ApiUnitOfWork) -> AuditVerification:
    """Recompute and follow the organisation's whole chain (read-only)."""
    with uow:
        rows = uow.audit.records()
        head = uow.audit.stored_head()
    problems = _check_chain(rows, head)
    seq, digest = head or (0, GENESIS_HASH)
    return AuditVerification(not problems, len(rows), seq, digest, tuple(problems))


def date_bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """``[start 00:00 UTC, end + 1 day 00:00 UTC)``; either side may be open."""
    if start is not None and end is not None and end < start:
        raise InvalidInput(f"--to {end} is before --from {start}")
    lo = None if start is None else datetime.combine(start, time.min, UTC)
    hi = None if end is None else datetime.combine(end + timedelta(days=1), time.min, UTC)
    return lo, hi


def _row_json(r: AuditRow) -> dict[str, object]:
    return {
        "seq": r.seq,
        "at": instant_text(r.at),
        "kind": r.kind,
        "subject": r.subject,
        "actor": r.actor,
        "payload": json.loads(r.payload),
        "prev_hash": r.prev_hash,
        "hash": r.hash,
    }


def export(
    uow: ApiUnitOfWork, *, start: date | None = None, end: date | None = None, fmt: str = "json"
) -> str:
    """The records made from ``start`` to ``end`` (inclusive UTC dates) as JSON or CSV text.

    Each record keeps its hashes, so an examiner can re-verify the exported span's links.
    """
    if fmt not in ("json", "csv"):
        raise InvalidInput(f"unknown export format {fmt!r}; use json or csv")
    lo, hi = date_bounds(start, end)
    with uow:
        rows = uow.audit.records(lo, hi)
        org = uow.org_name
    if fmt == "json":
        doc = {
            "organisation": org,
            "from": None if start is None else start.isoformat(),
            "to": None if end is None else end.isoformat(),
            "records": [_row_json(r) for r in rows],
        }
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["seq", "at", "kind", "subject", "actor", "payload", "prev_hash", "hash"])
    for r in rows:
        writer.writerow(
            [r.seq, instant_text(r.at), r.kind, r.subject, r.actor, r.payload, r.prev_hash, r.hash]
        )
    return buf.getvalue()
