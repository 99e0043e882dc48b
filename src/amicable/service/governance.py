"""Audited use cases the API and CLI share: applying a policy version, notes on an account, and
recording a finished import in the audit trail.

Invariants: each use case validates first (a policy that fails validation is never stored; an
account of another organisation is not found), then writes its change, its audit record and — for
outcomes — its write-back event in one transaction.
"""

from __future__ import annotations

from amicable.domain.errors import InvalidInput
from amicable.service import audit, policies, writeback
from amicable.service.api_ports import ApiUnitOfWork
from amicable.service.imports import ImportResult
from amicable.service.ports import PolicyVersion
from amicable.service.queries import resolve_account

__all__ = ["add_note", "apply_policy", "audit_import"]

MAX_NOTE = 10_000


def apply_policy(uow: ApiUnitOfWork, yaml_text: str, *, actor: str = "system") -> PolicyVersion:
    """Validate and store a new policy version (the one in force from now on), audited; commits.

    One implementation: :func:`amicable.service.policies.apply_policy`."""
    return policies.apply_policy(uow, yaml_text, actor=actor).stored


def add_note(uow: ApiUnitOfWork, ref: str, body: str, *, actor: str = "system") -> str:
    """Attach a note to an account: audited and written back (``note.added``); commits.

    Returns the event id."""
    text = body.strip()
    if not text or len(text) > MAX_NOTE:
        raise InvalidInput(f"a note needs between 1 and {MAX_NOTE} characters")
    with uow:
        customer = resolve_account(uow, ref)
        subject = f"account:{customer.external_id}"
        audit.record(uow, "note.added", subject, {"body": text}, actor=actor)
        event = writeback.emit(
            uow, "note.added", {"account": customer.external_id, "body": text, "author": actor}
        )
        uow.commit()
    return event.event_id


def audit_import(
    uow: ApiUnitOfWork, kind: str, source: str, result: ImportResult, *, actor: str = "system"
) -> None:
    """Record a committed import run in the audit trail; commits (nothing for a dry run or a
    refused file, which wrote nothing)."""
    if not result.written:
        return
    with uow:
        audit.record(
            uow,
            "import.completed",
            f"import:{kind}",
            {
                "source": source,
                "imported": result.imported,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "refused": len(result.errors),
            },
            actor=actor,
        )
        uow.commit()
