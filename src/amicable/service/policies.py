"""Policy use cases: store and read policy versions, and compute or check an account's offers.

Invariants
----------
* A policy is stored only after it validates; an invalid file is refused with every problem.
* Every decision names the stored version it used: ``"<label>#<n>"`` where ``label`` is the file's
  own ``version:`` and ``n`` the organisation's version number. When an organisation has no
  stored policy yet, the packaged default is stored as its first version on first use, so there
  is never a decision without a stored version behind it.
* Storing a version — applied by a person or the packaged default stored on first use — writes a
  ``policy.applied`` record to the audit trail in the same transaction.
* The ledger's view of an account (:class:`amicable.domain.accounts.AccountFacts`) is turned into
  the policy's view (:class:`amicable.policy.facts.AccountFacts`) in exactly one place,
  :func:`policy_facts`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from amicable.domain.accounts import AccountFacts as LedgerFacts
from amicable.domain.errors import Conflict, InvalidPolicy
from amicable.policy.evaluate import evaluate
from amicable.policy.facts import AccountFacts
from amicable.policy.load import default_policy_text, load_policy, validate_text
from amicable.policy.model import CustomerType, DisputeStatus, Policy
from amicable.policy.optimise import RiskPort
from amicable.policy.report import check_report, diff_policies, offers_report, parse_offer
from amicable.service import audit
from amicable.service.api_ports import ApiUnitOfWork
from amicable.service.ports import PolicyVersion, UnitOfWork
from amicable.service.queries import account_facts

__all__ = [
    "NothingOwed",
    "StoredPolicy",
    "apply_policy",
    "check_offer",
    "diff_versions",
    "list_versions",
    "offers_for",
    "policy_facts",
    "policy_in_force",
    "show_version",
]


@dataclass(frozen=True, slots=True)
class StoredPolicy:
    """A validated policy together with the stored version it came from."""

    policy: Policy
    stored: PolicyVersion

    @property
    def version_id(self) -> str:
        return f"{self.stored.label}#{self.stored.version}"


@dataclass(frozen=True, slots=True)
class NothingOwed:
    """The account owes nothing as of the date: there is no offer to make."""

    external_id: str
    as_of: date

    def to_json(self) -> dict[str, Any]:
        return {
            "account": self.external_id,
            "as_of": self.as_of.isoformat(),
            "message": "nothing is owed on this account",
        }


@lru_cache(maxsize=64)
def _parsed(text: str) -> Policy:
    # Parsing YAML dominates a negotiation turn (~70 ms); a Policy is immutable, so one parse
    # per distinct stored text is shared safely.
    return load_policy(text)


def _load(stored: PolicyVersion) -> StoredPolicy:
    policy = _parsed(stored.yaml)
    tagged = dataclasses.replace(policy, version=f"{stored.label}#{stored.version}")
    return StoredPolicy(tagged, stored)


def _label(text: str) -> str:
    return str(load_policy(text).version)


def _store(uow: ApiUnitOfWork, text: str, *, actor: str) -> PolicyVersion:
    stored = uow.policies.add(_label(text), text)
    audit.record(
        uow,
        "policy.applied",
        f"policy:{stored.version}",
        {
            "version": stored.version,
            "label": stored.label,
            "checksum": stored.checksum,
            "policy_version": f"{stored.label}#{stored.version}",
        },
        actor=actor,
    )
    return stored


def apply_policy(uow: ApiUnitOfWork, text: str, *, actor: str = "system") -> StoredPolicy:
    """Validate and store ``text`` as the organisation's newest policy version, audited; commits.

    Raises :class:`InvalidPolicy` (with every problem) and stores nothing if it does not validate.
    """
    problems = validate_text(text)
    if problems:
        raise InvalidPolicy(
            f"the policy has {len(problems)} problem(s); nothing was applied",
            tuple(problems),
        )
    with uow:
        stored = _store(uow, text, actor=actor)
        uow.commit()
    return _load(stored)


def policy_in_force(uow: ApiUnitOfWork) -> StoredPolicy:
    """The newest stored policy; stores the packaged default as version 1 when there is none.

    Must be called inside an open unit of work; commits only when it stores the default.
    """
    latest = uow.policies.latest()
    if latest is None:
        try:
            latest = _store(uow, default_policy_text(), actor="system (packaged default)")
        except Conflict:
            # Another process (a worker beside this one) stored the default at the same moment:
            # it is in force now.
            latest = uow.policies.latest()
            if latest is None:  # pragma: no cover - the conflicting row is committed
                raise
        else:
            uow.commit()
    return _load(latest)


def show_version(uow: ApiUnitOfWork, version: int | None = None) -> StoredPolicy:
    """One stored version (the one in force when ``version`` is None)."""
    with uow:
        if version is None:
            return policy_in_force(uow)
        return _load(uow.policies.get(version))


def list_versions(uow: UnitOfWork) -> list[PolicyVersion]:
    with uow:
        return uow.policies.list()


def diff_versions(uow: UnitOfWork, a: int, b: int) -> list[str]:
    """What changed from version ``a`` to version ``b`` (one line per changed path)."""
    with uow:
        return diff_policies(uow.policies.get(a).yaml, uow.policies.get(b).yaml)


def policy_facts(
    facts: LedgerFacts,
    *,
    broken_promises: int = 0,
    risk_band: str | None = None,
) -> AccountFacts | None:
    """The policy's view of an account; None when nothing is owed."""
    balance = facts.balance
    if balance is None or not balance.is_positive():
        return None
    profile = facts.payments
    return AccountFacts(
        balance=balance,
        days_past_due=facts.max_days_past_due,
        customer_type=CustomerType(facts.customer_type),
        dispute=DisputeStatus.OPEN if facts.open_dispute else DisputeStatus.NONE,
        oldest_due_date=facts.oldest_due_date,
        risk_band=risk_band,
        tier=facts.tier,
        country=facts.country,
        region=facts.region,
        broken_promises=broken_promises,
        tags=frozenset(facts.tags),
        payments_made=profile.settlements,
        on_time_ratio=profile.on_time_share,
        open_invoices=max(1, facts.open_invoices),
    )


def offers_for(
    uow: ApiUnitOfWork, ref: str, as_of: date, *, risk: RiskPort | None = None
) -> dict[str, Any] | NothingOwed:
    """The ``amicable offers ACCOUNT --json`` document under the policy in force."""
    with uow:
        ledger = account_facts(uow, ref, as_of)
        facts = policy_facts(ledger)
        if facts is None:
            return NothingOwed(ledger.external_id, as_of)
        stored = policy_in_force(uow)
    return offers_report(stored.policy, facts, as_of=as_of, risk=risk)


def check_offer(
    uow: ApiUnitOfWork, ref: str, offer: object, as_of: date
) -> dict[str, Any] | NothingOwed:
    """Run the policy gate on a proposed offer (a parsed JSON object) for an account."""
    with uow:
        ledger = account_facts(uow, ref, as_of)
        facts = policy_facts(ledger)
        if facts is None:
            return NothingOwed(ledger.external_id, as_of)
        stored = policy_in_force(uow)
    space = evaluate(stored.policy, facts, as_of=as_of)
    return check_report(space, parse_offer(offer, facts.currency))
