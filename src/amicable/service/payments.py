"""Payments and plan servicing use cases: the pure servicing engines wired to the persisted ledger.

* :func:`create_plan_from_agreement` turns an accepted plan offer into a persisted plan with an
  ISO 11649 creditor reference; :func:`set_up_plan` and :func:`set_up_promise` do the same for a
  plan or a promise inside the caller's unit of work (a conversation's agreement is serviced
  from the turn that made it).
* :func:`record_payment` posts a payment to the ledger — allocated to open invoices in the
  configured clearing order (:mod:`amicable.servicing.allocation`), the rest an unallocated
  credit — applies it to the account's active plan and re-evaluates its open promises. The
  payment reference is the idempotency key: the same payment recorded again posts nothing.
* :func:`reverse_payment` (refund or chargeback) undoes what a payment did: its credit first, then
  its allocations last-in first-out, as negative allocations and ``reversal`` entries; the plan
  that received it reopens what it covered. A reversal key (refund or dispute id) reverses once.
* :func:`service_plans` advances every active plan to a business date: due, missed, broken (an
  escalation record) — and returns the reminders due that day as :class:`OutboundIntent` s for the
  runtime to send through the compliance gate (nothing is sent here).
* :func:`reconcile` matches a bank statement's credits against open invoices and the next
  installment of each plan (:mod:`amicable.servicing.matching`), posts confident matches, queues
  the rest with ranked candidates and skips entries already seen (by entry id).
* :func:`apply_provider_event` applies a payment provider's event (paid, failed, refunded,
  disputed) once per event id.

Invariants: for every invoice, open amount = amount − net allocations (reversals are negative
allocations mirrored by ``reversal`` entries); a payment's net allocations plus its unallocated
credit equal what is left of it after reversals; no business date is read from a clock (``on`` /
``as_of`` are parameters); nothing commits unless the use case completes.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal

from amicable.domain.errors import Conflict, InvalidInput, NotFound
from amicable.domain.money import Money, currency
from amicable.policy.load import load_default_policy, load_policy
from amicable.policy.model import ClearingPart, Policy
from amicable.policy.offer import Offer, OfferKind
from amicable.service import outcomes
from amicable.service.payments_ports import PaymentsUnitOfWork, StoredPlan, StoredPromise
from amicable.service.ports import CustomerRef, EntryRow, PaymentRow, PolicyVersion
from amicable.service.queries import resolve_account
from amicable.service.queue import open_item
from amicable.servicing import plans as plan_engine
from amicable.servicing.allocation import (
    Allocation,
    AllocationBook,
    AllocationOrder,
    BookPayment,
    ItemKind,
    OpenItem,
    allocate_payment,
    new_book,
)
from amicable.servicing.allocation import reverse_payment as reverse_allocations
from amicable.servicing.matching import (
    Candidate,
    MatchingConfig,
    MatchStatus,
    match_entry,
    normalise_name,
)
from amicable.servicing.plans import PlanEvent, PlanEventKind, PlanStatus, ServicingRules
from amicable.servicing.promises import (
    PaymentFact,
    due_promise_reminders,
    evaluate_promise,
    new_promise,
)
from amicable.servicing.references import creditor_reference
from amicable.servicing.statement import Statement, StatementEntry

__all__ = [
    "AgreementOrigin",
    "OutboundIntent",
    "ProviderEvent",
    "ProviderEventOutcome",
    "QueueOrigin",
    "ReconcileReport",
    "RecordedBy",
    "RecordedPayment",
    "ReversalResult",
    "ServicingRun",
    "allocation_order_for",
    "apply_provider_event",
    "assign_queued_entry",
    "cancel_plan",
    "clearing_order_in_force",
    "create_plan_from_agreement",
    "ensure_invoice_references",
    "ensure_nothing_serviced",
    "plan_event_json",
    "reconcile",
    "record_payment",
    "record_promise",
    "renegotiate_plan",
    "reverse_payment",
    "service_plans",
    "servicing_rules_for",
    "servicing_rules_in_force",
    "servicing_rules_of",
    "set_up_plan",
    "set_up_promise",
]

# Far enough ahead to include every entry when asking for what is open "now and later".
_END_OF_TIME = date(9999, 12, 31)


def _account(uow: PaymentsUnitOfWork, ref: str) -> CustomerRef:
    return resolve_account(uow, ref)


_ITEM_KIND = {
    ClearingPart.FEES: ItemKind.FEE,
    ClearingPart.INTEREST: ItemKind.INTEREST,
    ClearingPart.PRINCIPAL: ItemKind.PRINCIPAL,
}


def allocation_order_for(policy: Policy) -> AllocationOrder:
    """The policy's clearing order (``fees.clearing_order``) as an allocation order."""
    return AllocationOrder(kinds=tuple(_ITEM_KIND[p] for p in policy.fees.clearing_order))


def clearing_order_in_force(uow: PaymentsUnitOfWork) -> AllocationOrder:
    """The clearing order of the organisation's latest stored policy (else the shipped one)."""
    stored = uow.policies.latest()
    if stored is None:
        return allocation_order_for(load_default_policy())
    return _clearing_order_of(stored.yaml)


@lru_cache(maxsize=16)
def _clearing_order_of(text: str) -> AllocationOrder:
    # Parsing the policy YAML (~100 ms) dominated posting one payment; the order is immutable.
    return allocation_order_for(load_policy(text))


# -- plans --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AgreementOrigin:
    """The conversation agreement a plan or promise is set up from (named in its records and
    in its write-back event, so a receiver joins the conversation, the agreement and the plan)."""

    conversation_id: int
    agreement_id: int
    offer: dict[str, Any]
    policy_version: str
    #: Set when a person decided the terms on the conversation's queue item (``queue modify``).
    queue_item: int | None = None
    actor: str | None = None


@dataclass(frozen=True, slots=True)
class QueueOrigin:
    """Terms a person set on a queue item that is not a conversation's (a broken plan or
    promise, a policy escalation …): named in the plan's or promise's write-back event with
    ``source: queue``."""

    queue_item: int
    actor: str
    offer: dict[str, Any]
    policy_version: str


@dataclass(frozen=True, slots=True)
class RecordedBy:
    """A promise a person took and recorded directly (not on a queue item, not in a
    conversation): named in its write-back with ``source: recorded``."""

    actor: str


Origin = AgreementOrigin | QueueOrigin | RecordedBy


def create_plan_from_agreement(
    uow: PaymentsUnitOfWork,
    account_ref: str,
    offer: Offer,
    *,
    agreed_on: date,
    rules: ServicingRules,
    plan_key: str | None = None,
) -> StoredPlan:
    """Persist the plan an accepted ``offer`` (kind plan: down payment + installments) sets up.

    Every scheduled payment of the offer (the down payment first) becomes an installment; the
    plan gets an RF creditor reference built from its key. Commits.
    """
    with uow:
        customer = _account(uow, account_ref)
        stored = set_up_plan(
            uow, customer.id, customer.external_id, offer, agreed_on=agreed_on, rules=rules,
            plan_key=plan_key,
        )  # fmt: skip
        uow.commit()
        return stored


def set_up_plan(
    uow: PaymentsUnitOfWork,
    customer_id: int,
    account: str,
    offer: Offer,
    *,
    agreed_on: date,
    rules: ServicingRules,
    plan_key: str | None = None,
    origin: AgreementOrigin | QueueOrigin | None = None,
) -> StoredPlan:
    """The plan of an accepted plan ``offer``, written in the caller's unit of work (which
    commits it with whatever made the agreement). A plan agreed on a conversation
    (:class:`AgreementOrigin`) is keyed by its agreement (``PL-C<agreement id>``), so two
    agreements made at once never compete for a key; otherwise the next ``PL-<n>``."""
    if offer.kind is not OfferKind.PLAN:
        raise InvalidInput(f"only a plan offer becomes a plan; this offer is {offer.kind.value!r}")
    if plan_key is None:
        plan_key = (
            f"PL-C{origin.agreement_id:06d}"
            if isinstance(origin, AgreementOrigin)
            else uow.payments.next_plan_key()
        )
    reference = creditor_reference(plan_key)
    plan = plan_engine.new_plan(
        plan_key,
        [(p.due_date, p.amount) for p in offer.payments],
        start=agreed_on,
        reference=reference,
    )
    row_id = uow.payments.add_plan(
        customer_id, plan, rules, agreed_on, agreement_id=_agreement_id(origin)
    )
    uow.payments.add_reference(reference, "plan", plan_key)
    outcomes.plan_created(
        uow, account=account, plan=plan_key, reference=reference,
        installments=[(p.due_date.isoformat(), p.amount) for p in offer.payments],
        agreed_on=agreed_on.isoformat(),
        origin=None if origin is None else _origin_json(origin),
    )  # fmt: skip
    return StoredPlan(row_id, customer_id, plan, rules, agreed_on)


def _agreement_id(origin: Origin | None) -> int | None:
    return origin.agreement_id if isinstance(origin, AgreementOrigin) else None


def _origin_json(origin: Origin) -> dict[str, Any]:
    """What the write-back event of a plan or promise says of where its terms came from:
    ``source`` (``conversation``; ``queue`` when a person set them on a queue item;
    ``recorded`` when a person recorded a promise directly) and the records to join."""
    if isinstance(origin, RecordedBy):
        return {"source": "recorded", "actor": origin.actor}
    if isinstance(origin, QueueOrigin):
        return {
            "source": "queue",
            "queue_item": origin.queue_item,
            "actor": origin.actor,
            "offer": origin.offer,
            "policy_version": origin.policy_version,
        }
    out: dict[str, Any] = {
        "source": "conversation",
        "conversation": origin.conversation_id,
        "agreement": origin.agreement_id,
        "offer": origin.offer,
        "policy_version": origin.policy_version,
    }
    if origin.queue_item is not None:
        out.update(source="queue", queue_item=origin.queue_item, actor=origin.actor)
    return out


def renegotiate_plan(
    uow: PaymentsUnitOfWork,
    plan_key: str,
    schedule: Sequence[tuple[date, Money]],
    *,
    on: date,
    actor: str,
    role: str,
) -> tuple[PlanEvent, ...]:
    """Replace the plan's unpaid remainder by ``schedule`` (what it still owes, in new dates and
    amounts), within the servicing rules it was agreed under (``max_renegotiations``).

    ``actor`` is the person who agreed it with the debtor (``amicable plans renegotiate``, the
    API), named in the audit record; the new schedule passes the policy gate in force within
    ``role``'s authority, as a promise a person records does (:func:`_gate_terms`: the whole
    balance as the plan it is, a part as paying the balance by its last date), else
    :class:`PermissionDenied`, nothing written — there is no way around the gate.

    Returns the events; a refused renegotiation (all allowed ones used, or the plan no longer
    active) changes nothing but is recorded. Raises ``InvalidInput`` when the schedule does not
    add up to what the plan still owes. Commits.
    """
    with uow:
        stored = uow.payments.plan(plan_key)
        if not schedule:
            raise InvalidInput(f"plan {plan_key}: a renegotiation needs a new schedule")
        # The servicing rules first (a refusal there is the answer, whatever the terms); then,
        # before anything is written, the policy gate on the terms.
        t = plan_engine.renegotiate(stored.plan, schedule, on, stored.rules)
        done = any(e.kind is PlanEventKind.RENEGOTIATED for e in t.events)
        ref = uow.reports.customer_refs([stored.customer_id])[stored.customer_id]
        if done:
            total = Money.sum((m for _, m in schedule), stored.plan.currency)
            _gate_terms(uow, ref.external_id, sorted(schedule), total, on, role, "the new schedule")
        _save(uow, stored, t, on, known=ref)
        outcomes.plan_renegotiated(
            uow, account=ref.external_id, plan=stored.plan.id, actor=actor, done=done,
            schedule=[(d.isoformat(), m.amount_str()) for d, m in sorted(schedule)],
        )  # fmt: skip
        uow.commit()
        return t.events


def cancel_plan(
    uow: PaymentsUnitOfWork, plan_key: str, *, reason: str, on: date, actor: str
) -> tuple[PlanEvent, ...]:
    """A person ends an active plan (the debtor asked, the plan was agreed in error, the debt is
    settled another way …) for ``reason``: it is no longer serviced — its reminders, retry links
    and renegotiation offers stop, held ones included — and the account goes back to ordinary
    collection (an active plan suspended it). Audited as ``plan.cancelled`` naming ``actor``,
    written back. ``InvalidInput`` when the plan is not active or the reason is empty; nothing
    is written then. Commits."""
    with uow:
        stored = uow.payments.plan(plan_key)
        t = plan_engine.cancel(stored.plan, on, reason=reason)
        ref = uow.reports.customer_refs([stored.customer_id])[stored.customer_id]
        _save(uow, stored, t, on, known=ref)
        outcomes.plan_cancelled(
            uow, account=ref.external_id, plan=stored.plan.id, actor=actor,
            reason=reason.strip(), on=on.isoformat(), outstanding=stored.plan.outstanding(),
        )  # fmt: skip
        uow.commit()
        return t.events


def _save(
    uow: PaymentsUnitOfWork,
    stored: StoredPlan,
    t: plan_engine.Transition,
    on: date,
    known: CustomerRef | None = None,
) -> list[int]:
    """Store a transition (audited); a plan that broke raises an escalation record (ids
    returned). ``known``: the plan's customer when the caller has already read it."""
    uow.payments.save_plan(stored.id, t.plan, stored.plan.version, before=stored.plan)
    if not t.events:
        return []  # only the business date moved (most plans on most days): nothing to record
    uow.payments.add_plan_events(stored.id, t.events)
    outcomes.plan_events(
        uow, account=_external_id(uow, stored.customer_id, known), plan=stored.plan.id,
        status=t.plan.status.value, events=[plan_event_json(e) for e in t.events],
    )  # fmt: skip
    raised: list[int] = []
    for e in t.events:
        if e.kind is PlanEventKind.PLAN_BROKEN:
            message = f"plan {stored.plan.id} broken: {e.reason.message}"
            esc_id = uow.payments.add_escalation(
                stored.customer_id,
                plan_id=stored.id,
                promise_id=None,
                reason="plan_broken",
                message=message,
                raised_on=e.on,
            )
            raised.append(esc_id)
            open_item(
                uow, customer_id=stored.customer_id, source="plan", source_id=esc_id,
                source_ref=f"plan:{stored.plan.id}", reason="plan_broken", summary=message,
            )  # fmt: skip
    return raised


def _external_id(
    uow: PaymentsUnitOfWork, customer_id: int, known: CustomerRef | None = None
) -> str:
    if known is not None and known.id == customer_id:
        return known.external_id  # read in this unit of work already (customers stay put in it)
    refs = uow.reports.customer_refs([customer_id])
    return refs[customer_id].external_id if customer_id in refs else str(customer_id)


# -- promises -----------------------------------------------------------------------------------


def ensure_nothing_serviced(uow: PaymentsUnitOfWork, customer_id: int, account: str) -> None:
    """:class:`InvalidInput` when the account already has an open promise (a payment would
    count towards both) or an active plan (its installments are what it has agreed to pay):
    new terms a person sets or records cannot run beside them."""
    for sp in uow.payments.promises(customer_id=customer_id, status="open"):
        raise InvalidInput(
            f"account {account} already has open promise {sp.promise.id}: a payment would count "
            "towards both; new terms wait until it is kept or broken"
        )
    for plan in uow.payments.plans(customer_id=customer_id, status="active"):
        raise InvalidInput(
            f"account {account} is on active plan {plan.plan.id}: its installments are what it "
            "has agreed to pay; new terms cannot run beside them"
        )


def _gate_terms(
    uow: PaymentsUnitOfWork,
    account: str,
    parts: Sequence[tuple[date, Money]],
    total: Money,
    made_on: date,
    role: str,
    what: str = "the promise",
) -> PolicyVersion:
    """The policy gate on terms a person sets — a promise they record, a plan they renegotiate
    (``what`` names them in a refusal) — under the policy in force on ``made_on`` (returned): a
    promise stops the agent chasing until its dates, so it is terms like any other
    and never runs outside the policy. A promise of the whole balance is checked as the offer it
    is (paying in full: one date; a plan: several); a promise of part of it as paying the whole
    balance by its last date (a part promised never defers the rest beyond what the policy
    allows for paying in full). Its outcome must be within ``role``'s authority (as for
    ``queue modify``): otherwise :class:`PermissionDenied`, nothing written. An account the
    policy does not let be negotiated (it hands it to people, or holds it) has no terms to check
    against: the promise is then the person's decision."""
    # Imported here: the policy and queue areas sit beside this one (the queue imports it).
    from amicable.domain.errors import PermissionDenied
    from amicable.policy.evaluate import evaluate
    from amicable.policy.gate import check
    from amicable.policy.report import parse_offer
    from amicable.service.policies import policy_facts, policy_in_force
    from amicable.service.queries import account_facts
    from amicable.service.queue import AUTHORITY

    stored = policy_in_force(uow)
    facts = policy_facts(account_facts(uow, account, made_on))
    if facts is None:  # pragma: no cover - the caller found an amount owed
        raise InvalidInput(f"account {account} owes nothing on {made_on}")
    code = total.code
    if code != facts.balance.code:
        raise InvalidInput(
            f"account {account} is worked in {facts.balance.code}: a promise in {code} cannot be "
            "checked against its policy"
        )
    whole = total == facts.balance
    if whole:
        kind, dated = ("full" if len(parts) == 1 else "plan"), list(parts)
    else:
        kind, dated = "full", [(parts[-1][0], facts.balance)]
    terms: dict[str, Any] = {
        "kind": kind, "total": facts.balance.amount_str(), "currency": facts.balance.code,
        "installments": [{"due_date": d.isoformat(), "amount": m.amount_str()} for d, m in dated],
    }  # fmt: skip
    if kind == "plan":
        terms["down_payment"] = dated[0][1].amount_str()
    space = evaluate(stored.policy, facts, as_of=made_on)
    if not space.negotiable:
        # The policy hands the account to people (an escalation, a hold): it sets no terms to
        # check against, and the promise is the person's decision on it.
        return stored.stored
    gate = check(space, parse_offer(terms, code))
    if gate.outcome not in AUTHORITY.get(role, frozenset()):
        why = "; ".join(v.message for v in gate.violations) or "; ".join(
            r.message for r in gate.approvals
        )
        how = "" if whole else " (as paying the balance by its last date)"
        raise PermissionDenied(
            f"{what} is {gate.outcome.value} under the policy{how} and role {role!r} may "
            "not accept it" + (f": {why}" if why else "")
        )
    return stored.stored


def record_promise(
    uow: PaymentsUnitOfWork,
    account_ref: str,
    parts: Sequence[tuple[date, Money]],
    *,
    channel: str,
    made_on: date,
    confirmed: bool = False,
    grace_days: int | None = None,
    actor: str | None = None,
    role: str = "collector",
) -> StoredPromise:
    """Record a promise to pay (one or several dated amounts) that a person took — on a call,
    in a letter, at the counter (``amicable promises add``, ``POST /v1/accounts/{ref}/promises``;
    ``actor`` names the person in its write-back). Serviced like any promise: reminded before
    its dates, kept when paid, broken after grace → a person. ``grace_days``: default the
    policy's servicing grace. Commits.

    It passes the policy gate within ``role``'s authority (:func:`_gate_terms`), else
    :class:`PermissionDenied`, nothing written.

    Refused with :class:`InvalidInput`, nothing written: no part; the account owes nothing in
    the parts' currency on ``made_on``; the promised total is more than it owes; it already has
    an open promise (a payment would count towards both: add the new dates to one promise) or
    an active plan (the plan's installments are what it has agreed to pay). Recording the same
    parts on the same channel again the same day returns the open promise (a retry writes
    nothing)."""
    with uow:
        customer = _account(uow, account_ref)
        if not parts:
            raise InvalidInput(f"account {customer.external_id}: a promise needs a payment")
        code = parts[0][1].code
        owed = sum(
            i.open_minor
            for i in uow.reports.invoice_balances(made_on, customer.id, open_only=True)
            if i.currency == code and i.open_minor > 0
        )
        if owed <= 0:
            raise InvalidInput(f"account {customer.external_id} owes nothing in {code}")
        for sp in uow.payments.promises(customer_id=customer.id, status="open"):
            same = [(p.on, p.amount) for p in sp.promise.parts] == list(parts)
            if same and sp.promise.channel == channel and sp.promise.made_on == made_on:
                return sp
        ensure_nothing_serviced(uow, customer.id, customer.external_id)
        total = Money.sum((m for _, m in parts), code)
        if total.minor > owed:
            raise InvalidInput(
                f"account {customer.external_id}: the promise totals {total.amount_str()} "
                f"{code}, more than the {Money.from_minor(owed, code).amount_str()} it owes"
            )
        stored_policy = _gate_terms(uow, customer.external_id, parts, total, made_on, role)
        if grace_days is None:
            grace_days = servicing_rules_of(stored_policy).grace_days
        stored = set_up_promise(
            uow, customer.id, customer.external_id, parts, channel=channel, made_on=made_on,
            confirmed=confirmed, grace_days=grace_days,
            origin=None if actor is None else RecordedBy(actor),
        )  # fmt: skip
        uow.commit()
        return stored


def set_up_promise(
    uow: PaymentsUnitOfWork,
    customer_id: int,
    account: str,
    parts: Sequence[tuple[date, Money]],
    *,
    channel: str,
    made_on: date,
    confirmed: bool = False,
    grace_days: int = 0,
    origin: Origin | None = None,
) -> StoredPromise:
    """An open promise to pay, written in the caller's unit of work; it is evaluated (kept,
    partially kept, broken: a broken one is escalated) as payments arrive and by every servicing
    run. A promise made in a conversation (``origin``) is keyed by its agreement
    (``PTP-C<agreement id>``) and written back with ``source: conversation``."""
    if grace_days < 0:
        raise InvalidInput(f"grace_days must be >= 0, got {grace_days}")
    key = (
        f"PTP-C{origin.agreement_id:06d}"
        if isinstance(origin, AgreementOrigin)
        else uow.payments.next_promise_key()
    )
    promise = new_promise(key, parts, channel=channel, made_on=made_on, confirmed=confirmed)
    row_id = uow.payments.add_promise(
        customer_id, promise, grace_days, agreement_id=_agreement_id(origin)
    )
    named = None if origin is None else _origin_json(origin)
    outcomes.promise_made(
        uow, account=account, promise=key, total=promise.total,
        payments=[(d.isoformat(), m.amount_str()) for d, m in parts], channel=channel,
        confirmed=confirmed, source="recorded" if named is None else named["source"],
        origin=named,
    )  # fmt: skip
    return StoredPromise(
        row_id, customer_id, promise, grace_days, "open", "promise.pending", made_on
    )


def _evaluate_promises(
    uow: PaymentsUnitOfWork,
    as_of: date,
    customer_id: int | None = None,
    known: CustomerRef | None = None,
    *,
    remind: list[OutboundIntent] | None = None,
    offsets: Sequence[int] = (),
    still_open: set[int] | None = None,
) -> list[tuple[StoredPromise, str]]:
    """Re-evaluate open promises at ``as_of``; a newly broken one raises an escalation.
    ``known``: the customer when the caller has already read it. With ``remind``, the reminders
    that fall on ``as_of`` (``offsets`` days before a promised date) of each promise still open
    are added to it as ``promise_reminder`` intents; ``still_open`` collects the customers of
    the promises still open after the evaluation."""
    changed: list[tuple[StoredPromise, str]] = []
    for sp in uow.payments.promises(customer_id=customer_id, status="open"):
        if as_of < sp.promise.made_on:
            if still_open is not None:
                still_open.add(sp.customer_id)
            continue
        received = uow.payments.received_since(
            sp.customer_id, sp.promise.currency.code, sp.promise.made_on
        )
        facts = [PaymentFact(Money.from_minor(m, sp.promise.currency), on) for on, m in received]
        ev = evaluate_promise(sp.promise, facts, as_of, sp.grace_days)
        if ev.status.value == sp.status:
            if still_open is not None:
                still_open.add(sp.customer_id)
            if remind is not None:
                remind.extend(
                    OutboundIntent(
                        "promise_reminder",
                        sp.customer_id,
                        r.promise_id,
                        r.part,
                        r.due_date,
                        r.amount_due,
                        r.offset_days,
                        r.rule_id,
                        r.message,
                    )
                    for r in due_promise_reminders(sp.promise, facts, as_of, offsets)
                )
            continue
        uow.payments.set_promise_status(sp.id, ev.status.value, ev.rule_id, as_of)
        changed.append((sp, ev.status.value))
        outcomes.promise_evaluated(
            uow, account=_external_id(uow, sp.customer_id, known), promise=sp.promise.id,
            status=ev.status.value, rule_id=ev.rule_id, message=ev.message, on=as_of.isoformat(),
        )  # fmt: skip
        if ev.status.value == "broken":
            message = f"promise {sp.promise.id} broken: {ev.message}"
            esc_id = uow.payments.add_escalation(
                sp.customer_id,
                plan_id=None,
                promise_id=sp.id,
                reason="promise_broken",
                message=message,
                raised_on=as_of,
            )
            open_item(
                uow, customer_id=sp.customer_id, source="promise", source_id=esc_id,
                source_ref=f"promise:{sp.promise.id}", reason="promise_broken", summary=message,
            )  # fmt: skip
    return changed


# -- payments -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecordedPayment:
    """What :func:`record_payment` did.

    Attributes:
        duplicate: the reference was already recorded with the same details (nothing posted).
        allocations: ``(invoice number, amount)`` in the order applied.
        unallocated: the credit left on the account.
        rule_id: the clearing order that decided the allocations.
        plan_key / plan_events: the plan the payment went to and what happened to it.
    """

    payment_id: int
    reference: str
    customer: str
    amount: Money
    received_on: date
    allocations: tuple[tuple[str, Money], ...]
    unallocated: Money
    rule_id: str
    duplicate: bool = False
    plan_key: str | None = None
    plan_events: tuple[PlanEvent, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "payment_id": self.payment_id,
            "reference": self.reference,
            "customer": self.customer,
            "currency": self.amount.code,
            "amount": self.amount.amount_str(),
            "received_on": self.received_on.isoformat(),
            "duplicate": self.duplicate,
            "allocations": [{"invoice": n, "amount": m.amount_str()} for n, m in self.allocations],
            "unallocated": self.unallocated.amount_str(),
            "rule_id": self.rule_id,
            "plan": self.plan_key,
            "plan_events": [plan_event_json(e) for e in self.plan_events],
        }


def plan_event_json(e: PlanEvent) -> dict[str, Any]:
    """A plan event as the JSON outputs and the audit trail give it."""
    return {
        "kind": e.kind.value,
        "on": e.on.isoformat(),
        "installment": e.installment,
        "amount": e.amount.amount_str() if e.amount is not None else None,
        "rule_id": e.reason.rule_id,
        "message": e.reason.message,
    }


def record_payment(
    uow: PaymentsUnitOfWork,
    account_ref: str,
    amount: Money,
    on: date,
    reference: str | None = None,
    *,
    method: str = "manual",
    invoice_number: str | None = None,
    plan_key: str | None = None,
    order: AllocationOrder | None = None,
) -> RecordedPayment:
    """Post a payment received on ``on`` and apply it to the account's plan and promises. Commits.

    A named invoice is paid first; the rest goes to the customer's open invoices in ``order``
    (default: the clearing order of the policy in force, see :func:`clearing_order_in_force`;
    the shipped one is fees → interest → principal, oldest first); anything
    left is an unallocated credit. The payment then goes to ``plan_key`` or, if none is named, to
    the account's oldest active plan in the payment's currency (else its broken plan:
    a late payment still counts on it).
    """
    with uow:
        result = _record(uow, account_ref, amount, on, reference, method=method,
                         invoice_number=invoice_number, plan_key=plan_key,
                         order=order or clearing_order_in_force(uow))  # fmt: skip
        uow.commit()
        return result


def _record(
    uow: PaymentsUnitOfWork,
    account_ref: str,
    amount: Money,
    on: date,
    reference: str | None,
    *,
    method: str,
    invoice_number: str | None,
    plan_key: str | None,
    order: AllocationOrder,
) -> RecordedPayment:
    if not amount.is_positive():
        raise InvalidInput(f"a payment amount must be positive, got {amount}")
    customer = _account(uow, account_ref)
    ref = reference or f"PAY-{uuid.uuid4().hex[:16]}"
    old = uow.payments.ledger_payment(ref)
    if old is not None:
        same = (old.customer_id, old.currency, old.amount_minor, old.received_on) == (
            customer.id, amount.code, amount.minor, on)  # fmt: skip
        if not same:
            raise Conflict(
                f"payment {ref!r} was already recorded with other details "
                f"({old.currency} {Money.from_minor(old.amount_minor, old.currency).amount_str()} "
                f"on {old.received_on}); a payment is never overwritten"
            )
        return RecordedPayment(old.id, ref, customer.external_id, amount, on, (),
                               Money.zero(amount.currency), order.rule_id, duplicate=True)  # fmt: skip
    opens = uow.ledger.open_invoices(customer.id, amount.code)
    named = None
    if invoice_number is not None:
        named = next((i for i in opens if i.number == invoice_number), None)
        if named is None and not uow.ledger.invoices([invoice_number]):
            raise NotFound(f"no invoice {invoice_number!r} in this organisation")
    numbers = {i.id: i.number for i in opens}
    applied: list[tuple[int, Money]] = []
    remaining = amount
    if named is not None:
        part = remaining.min(Money.from_minor(named.balance_minor, amount.code))
        applied.append((named.id, part))
        remaining = remaining - part
    rest = [i for i in opens if named is None or i.id != named.id]
    if rest and remaining.is_positive():
        book = new_book(
            amount.code,
            [(str(i.id), ItemKind.PRINCIPAL, Money.from_minor(i.balance_minor, amount.code),
              i.due_date) for i in rest],
        )  # fmt: skip
        res = allocate_payment(book, ref, remaining, on, order)
        applied.extend((int(a.item_id), a.amount) for a in res.allocations)
        remaining = res.remainder
    payment_id = uow.ledger.add_payment(
        PaymentRow(customer.id, ref, on, amount.code, amount.minor, method, invoice_number)
    )
    uow.ledger.add_allocations([(payment_id, i, amount.code, m.minor) for i, m in applied])
    entries = [EntryRow(customer.id, i, payment_id, "payment", "applied", amount.code, -m.minor, on)
               for i, m in applied]  # fmt: skip
    if remaining.is_positive():
        entries.append(EntryRow(customer.id, None, payment_id, "payment", "unallocated",
                                amount.code, -remaining.minor, on))  # fmt: skip
    uow.ledger.add_entries(entries)
    outcomes.payment_posted(
        uow,
        account=customer.external_id,
        payment={
            "payment_id": payment_id, "reference": ref, "method": method,
            "currency": amount.code, "amount": amount.amount_str(),
            "received_on": on.isoformat(),
            "allocations": [{"invoice": numbers[i], "amount": m.amount_str()} for i, m in applied],
            "unallocated": remaining.amount_str(), "rule_id": order.rule_id,
        },
    )  # fmt: skip
    # The plan: the named one, else the oldest active plan of the account in this currency. A
    # cancelled plan takes no more payments (paid through its old link, the money goes to the
    # invoices as any other).
    stored: StoredPlan | None
    if plan_key is not None:
        stored = uow.payments.plan(plan_key)
        if stored.customer_id != customer.id:
            raise InvalidInput(f"plan {plan_key!r} belongs to another account")
        if stored.plan.status is PlanStatus.CANCELLED:
            stored = None
    else:
        # An active plan first; else a broken one (a late payment still counts on it).
        mine = [s for s in uow.payments.plans(customer_id=customer.id)
                if s.plan.currency.code == amount.code
                and s.plan.status not in (PlanStatus.COMPLETED, PlanStatus.CANCELLED)]  # fmt: skip
        mine.sort(key=lambda s: (s.plan.status.value != "active", s.id))
        stored = mine[0] if mine else None
    events: tuple[PlanEvent, ...] = ()
    if stored is not None:
        t = plan_engine.apply_payment(stored.plan, amount, on, stored.rules, payment_id=ref)
        _save(uow, stored, t, on, customer)
        events = t.events
    _evaluate_promises(uow, on, customer.id, customer)
    return RecordedPayment(
        payment_id, ref, customer.external_id, amount, on,
        tuple((numbers[i], m) for i, m in applied), remaining, order.rule_id,
        plan_key=stored.plan.id if stored is not None else None, plan_events=events,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class ReversalResult:
    """What a refund or chargeback undid: ``reopened`` ``(invoice number, amount)``, the part
    taken back from the unallocated credit, and the plan events (``duplicate``: seen before)."""

    reference: str
    kind: str
    amount: Money
    reopened: tuple[tuple[str, Money], ...]
    from_credit: Money
    duplicate: bool = False
    plan_events: tuple[PlanEvent, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "kind": self.kind,
            "currency": self.amount.code,
            "amount": self.amount.amount_str(),
            "duplicate": self.duplicate,
            "reopened": [{"invoice": n, "amount": m.amount_str()} for n, m in self.reopened],
            "from_credit": self.from_credit.amount_str(),
            "plan_events": [plan_event_json(e) for e in self.plan_events],
        }


def reverse_payment(
    uow: PaymentsUnitOfWork,
    reference: str,
    *,
    on: date,
    kind: Literal["refund", "chargeback"] = "refund",
    amount: Money | None = None,
    key: str | None = None,
) -> ReversalResult:
    """Refund (``amount``, default all that is left) or charge back a recorded payment. Commits.

    ``key`` (a provider's refund or dispute id) makes the reversal idempotent: a key seen before
    reverses nothing. Without a key every call is a new reversal.
    """
    with uow:
        result = _reverse(uow, reference, on=on, kind=kind, amount=amount, key=key)
        uow.commit()
        return result


def _reverse(
    uow: PaymentsUnitOfWork,
    reference: str,
    *,
    on: date,
    kind: str,
    amount: Money | None,
    key: str | None,
) -> ReversalResult:
    lp = uow.payments.ledger_payment(reference)
    if lp is None:
        raise NotFound(f"no payment {reference!r} in this organisation")
    code = lp.currency
    if key is not None and uow.payments.reversal_seen(key):
        return ReversalResult(reference, kind, Money.zero(code), (), Money.zero(code), True)
    left = Money.from_minor(lp.amount_minor - lp.reversed_minor, code)
    wanted = left if amount is None else amount
    if wanted.code != code:
        raise InvalidInput(f"payment {reference!r} is in {code}; a {wanted.code} reversal refused")
    if on < lp.received_on:
        raise InvalidInput(f"a {kind} of {reference!r} cannot be dated {on}, before the payment "
                           f"({lp.received_on})")  # fmt: skip
    if not wanted.is_positive() or wanted > left:
        raise InvalidInput(
            f"a {kind} of {reference!r} must be positive and at most what is left of the "
            f"payment ({left.amount_str()} {code}), got {wanted.amount_str()}"
        )
    if not uow.payments.claim_reversal(lp.id, key or f"{kind}:{uuid.uuid4().hex}", kind, code,
                                       wanted.minor, on):  # fmt: skip
        return ReversalResult(reference, kind, wanted, (), Money.zero(code), duplicate=True)
    cur = currency(code)
    zero = Money.zero(cur)
    held = [(inv, m) for inv, m in lp.allocations if m > 0]
    book = AllocationBook(
        cur,
        items=tuple(OpenItem(str(inv), ItemKind.PRINCIPAL, Money.from_minor(m, cur), lp.received_on,
                             zero) for inv, m in held),
        payments=(BookPayment(reference, Money.from_minor(lp.amount_minor, cur), lp.received_on,
                              Money.from_minor(lp.reversed_minor, cur),
                              Money.from_minor(lp.unallocated_minor, cur)),),
        allocations=tuple(Allocation(n, reference, str(inv), Money.from_minor(m, cur), "held")
                          for n, (inv, m) in enumerate(held, start=1)),
    )  # fmt: skip
    res = reverse_allocations(book, reference, wanted, reason=kind)
    undone = [(int(a.item_id), -a.amount) for a in res.allocations]
    uow.ledger.add_allocations([(lp.id, inv, code, -m.minor) for inv, m in undone])
    entries = [EntryRow(lp.customer_id, inv, lp.id, "reversal", kind, code, m.minor, on)
               for inv, m in undone]  # fmt: skip
    if res.remainder.is_positive():
        entries.append(EntryRow(lp.customer_id, None, lp.id, "reversal", kind, code,
                                res.remainder.minor, on))  # fmt: skip
    uow.ledger.add_entries(entries)
    numbers = {i.id: i.number for i in uow.reports.invoice_balances(_END_OF_TIME, lp.customer_id)}
    outcomes.payment_reversed(
        uow,
        account=_external_id(uow, lp.customer_id),
        reversal={
            "reference": reference, "kind": kind, "key": key, "currency": code,
            "amount": wanted.amount_str(), "on": on.isoformat(),
            "reopened": [{"invoice": numbers.get(inv, str(inv)), "amount": m.amount_str()}
                         for inv, m in undone],
            "from_credit": res.remainder.amount_str(),
        },
    )  # fmt: skip
    events: tuple[PlanEvent, ...] = ()
    for stored in uow.payments.plans(customer_id=lp.customer_id):
        if any(p.id == reference for p in stored.plan.payments):
            t = plan_engine.reverse_payment(stored.plan, reference, on, stored.rules,
                                            amount=wanted, reason=kind)  # fmt: skip
            _save(uow, stored, t, on)
            events = t.events
            break
    _evaluate_promises(uow, on, lp.customer_id)
    return ReversalResult(reference, kind, wanted,
                          tuple((numbers.get(inv, str(inv)), m) for inv, m in undone),
                          res.remainder, plan_events=events)  # fmt: skip


# -- servicing run ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OutboundIntent:
    """A contact the runtime should attempt (through the compliance gate; nothing sent yet).

    ``kind``: ``plan_reminder`` (before or, inside grace, after a due date), ``retry_link`` (an
    installment was missed: a fresh payment link for what is left of it),
    ``renegotiation_offer`` (an installment was missed and a renegotiation is allowed) or
    ``promise_reminder`` (before a promised date of an open promise to pay: ``plan_key`` is then
    the promise's key and ``installment`` the promised part).
    """

    kind: str
    customer_id: int
    plan_key: str
    installment: int | None
    due_date: date | None
    amount_due: Money | None
    offset_days: int | None
    rule_id: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "customer_id": self.customer_id,
            "plan": self.plan_key,
            "installment": self.installment,
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "amount_due": self.amount_due.amount_str() if self.amount_due else None,
            "currency": self.amount_due.code if self.amount_due else None,
            "offset_days": self.offset_days,
            "rule_id": self.rule_id,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class ServicingRun:
    """What :func:`service_plans` did on ``as_of``."""

    as_of: date
    plans: int
    events: tuple[tuple[str, PlanEvent], ...]
    intents: tuple[OutboundIntent, ...]
    escalations: int
    promises: tuple[tuple[str, str], ...] = field(default=())
    #: The customers with a plan still active or a promise still open after the run (plans at
    #: a later date included): the only accounts whose servicing messages can still be due —
    #: every intent's customer among them.
    serviced: frozenset[int] = field(default=frozenset())

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "plans": self.plans,
            "events": [{"plan": k, **plan_event_json(e)} for k, e in self.events],
            "intents": [i.to_json() for i in self.intents],
            "escalations": self.escalations,
            "promises": [{"promise": k, "status": s} for k, s in self.promises],
        }


def servicing_rules_for(policy: Policy) -> ServicingRules:
    """The policy's ``servicing`` section as the servicing engine's rules (version recorded)."""
    s = policy.servicing
    return ServicingRules(
        grace_days=s.grace_days,
        reminder_offsets_days=s.reminder_offsets_days,
        overdue_reminder_offsets_days=s.overdue_reminder_offsets_days,
        max_renegotiations=s.max_renegotiations,
        max_open_misses=s.max_open_misses,
        version=policy.version,
    )


@lru_cache(maxsize=16)
def _servicing_rules_of(text: str, version: str) -> ServicingRules:
    # A run parses the same stored text at every slot of every day; rules are immutable.
    return replace(servicing_rules_for(load_policy(text)), version=version)


def servicing_rules_in_force(uow: PaymentsUnitOfWork) -> ServicingRules | None:
    """The servicing rules of the organisation's newest stored policy (``None`` when it has
    stored none yet); ``version`` is the stored version id ``"<label>#<n>"``."""
    stored = uow.policies.latest()
    if stored is None:
        return None
    return servicing_rules_of(stored)


def servicing_rules_of(stored: PolicyVersion) -> ServicingRules:
    """The servicing rules of one stored policy version (``version`` ``"<label>#<n>"``)."""
    return _servicing_rules_of(stored.yaml, f"{stored.label}#{stored.version}")


def service_plans(
    uow: PaymentsUnitOfWork, as_of: date, *, rules: ServicingRules | None = None
) -> ServicingRun:
    """Advance every active plan to ``as_of`` and evaluate open promises. Commits.

    The rules applied to every plan: ``rules`` when given, else the ``servicing`` section of the
    policy in force (:func:`servicing_rules_in_force`) — a policy change moves the reminders of
    running plans too. An organisation that has stored no policy yet services each plan with the
    rules stored with it when it was agreed. Plans already at a later date are left alone (a run
    never goes back in time).
    """
    with uow:
        in_force = rules if rules is not None else servicing_rules_in_force(uow)
        events: list[tuple[str, PlanEvent]] = []
        intents: list[OutboundIntent] = []
        escalations = 0
        serviced: set[int] = set()  # the customers of the plans and promises still running
        active = uow.payments.plans(status="active")
        for stored in active:
            if as_of < stored.plan.as_of:
                serviced.add(stored.customer_id)
                continue
            if in_force is not None:
                stored = replace(stored, rules=in_force)
            t = plan_engine.advance_to(stored.plan, as_of, stored.rules)
            escalations += len(_save(uow, stored, t, as_of))
            events.extend((stored.plan.id, e) for e in t.events)
            if t.plan.status is PlanStatus.ACTIVE:
                serviced.add(stored.customer_id)
            for e in t.events:
                if e.kind is PlanEventKind.INSTALLMENT_MISSED and t.plan.status.value == "active":
                    intents.append(OutboundIntent(
                        "retry_link", stored.customer_id, stored.plan.id, e.installment,
                        None, e.amount, None, e.reason.rule_id,
                        "the installment was missed: send a new payment link",
                    ))  # fmt: skip
                if e.kind is PlanEventKind.RENEGOTIATION_OFFERED:
                    intents.append(OutboundIntent(
                        "renegotiation_offer", stored.customer_id, stored.plan.id, e.installment,
                        None, e.amount, None, e.reason.rule_id, e.reason.message,
                    ))  # fmt: skip
            for r in plan_engine.due_reminders(t.plan, as_of, stored.rules):
                intents.append(OutboundIntent(
                    "plan_reminder", stored.customer_id, stored.plan.id, r.installment,
                    r.due_date, r.amount_due, r.offset_days, r.reason.rule_id, r.reason.message,
                ))  # fmt: skip
        offsets = (in_force or ServicingRules()).reminder_offsets_days
        changed = _evaluate_promises(
            uow, as_of, remind=intents, offsets=offsets, still_open=serviced
        )
        escalations += sum(1 for _, s in changed if s == "broken")
        uow.commit()
        return ServicingRun(as_of, len(active), tuple(events), tuple(intents), escalations,
                            tuple((sp.promise.id, s) for sp, s in changed),
                            frozenset(serviced))  # fmt: skip


# -- provider events ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProviderEvent:
    """A payment provider's event, translated out of the provider's own format.

    Attributes:
        type: ``paid``, ``failed``, ``refunded`` (``amount``: the refunds' cumulative total) or
            ``disputed`` (``amount``: the disputed amount).
        payment_reference: the provider's id of the money movement (a PaymentIntent id), used as
            the ledger payment reference.
        link_id: the provider's id of the link or session it came from, if known.
        metadata: what amicable put on the link (``account``, ``plan``, ``installment``,
            ``invoice``).
        key: the idempotency key of a reversal (refund total or dispute id).
    """

    provider: str
    event_id: str
    event_type: str
    type: Literal["paid", "failed", "refunded", "disputed", "ignored"]
    on: date
    payment_reference: str | None = None
    amount: Money | None = None
    link_id: str | None = None
    metadata: tuple[tuple[str, str], ...] = ()
    key: str | None = None


@dataclass(frozen=True, slots=True)
class ProviderEventOutcome:
    """``outcome``: posted, duplicate_payment, reversed, failed, ignored, or duplicate (event id
    seen before: nothing done)."""

    event_id: str
    outcome: str
    detail: dict[str, Any]


def apply_provider_event(uow: PaymentsUnitOfWork, event: ProviderEvent) -> ProviderEventOutcome:
    """Apply one provider event exactly once (by event id). Commits."""
    with uow:
        # Claim the event id first: a concurrent twin waits on the unique key and then finds it
        # taken; if applying fails, the claim rolls back with everything else (a retry applies it).
        if not uow.payments.claim_event(event.provider, event.event_id, event.event_type):
            return ProviderEventOutcome(event.event_id, "duplicate", {})
        outcome, detail = _apply_event(uow, event)
        uow.payments.set_event_outcome(event.provider, event.event_id, outcome)
        uow.commit()
        return ProviderEventOutcome(event.event_id, outcome, detail)


def _apply_event(uow: PaymentsUnitOfWork, event: ProviderEvent) -> tuple[str, dict[str, Any]]:
    meta = dict(event.metadata)
    link = uow.payments.link(event.provider, event.link_id) if event.link_id else None
    if event.type == "paid":
        if event.amount is None or event.payment_reference is None:
            raise InvalidInput(f"event {event.event_id}: a payment event needs amount and id")
        account = meta.get("account")
        if account is None and link is not None:
            refs = uow.reports.customer_refs([link.customer_id])
            account = refs[link.customer_id].external_id
        if account is None:
            raise InvalidInput(f"event {event.event_id}: no account in the metadata or link")
        rec = _record(uow, account, event.amount, event.on, event.payment_reference,
                      method=event.provider, invoice_number=meta.get("invoice") or None,
                      plan_key=meta.get("plan") or None,
                      order=clearing_order_in_force(uow))  # fmt: skip
        if link is not None:
            uow.payments.set_link_status(link.id, "paid")
        return ("duplicate_payment" if rec.duplicate else "posted"), rec.to_json()
    if event.type == "failed":
        if link is not None:
            uow.payments.set_link_status(link.id, "failed")
        return "failed", {"payment_reference": event.payment_reference}
    if event.type in ("refunded", "disputed"):
        if event.payment_reference is None or event.amount is None:
            raise InvalidInput(f"event {event.event_id}: a reversal needs the payment and amount")
        lp = uow.payments.ledger_payment(event.payment_reference)
        if lp is None:
            return "ignored", {"reason": f"payment {event.payment_reference} is not recorded"}
        kind = "refund" if event.type == "refunded" else "chargeback"
        wanted = event.amount
        if event.type == "refunded":
            # Stripe reports the cumulative refunded total; reverse what is new in it.
            already = uow.payments.reversed_total(lp.id, "refund")
            wanted = event.amount - Money.from_minor(already, event.amount.currency)
            if not wanted.is_positive():
                return "ignored", {"reason": "nothing new refunded"}
        res = _reverse(uow, event.payment_reference, on=max(event.on, lp.received_on), kind=kind,
                       amount=wanted, key=event.key)  # fmt: skip
        return ("duplicate_reversal" if res.duplicate else "reversed"), res.to_json()
    return "ignored", {"event_type": event.event_type}


# -- creditor references and reconciliation -------------------------------------------------------


def ensure_invoice_references(uow: PaymentsUnitOfWork) -> dict[str, str]:
    """Give every invoice an RF creditor reference (built from its number); returns them all.

    Invoice numbers that cannot carry one (longer than 21 letters and digits) get none. Does not
    commit (callers do).
    """
    refs = uow.payments.references("invoice")
    new: list[tuple[str, str, str]] = []
    for inv in uow.reports.invoice_balances(_END_OF_TIME):
        if inv.number in refs:
            continue
        try:
            ref = creditor_reference(inv.number)
        except InvalidInput:
            continue
        new.append((ref, "invoice", inv.number))
        refs[inv.number] = ref
    uow.payments.add_references(new)
    return refs


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    """The ``amicable reconcile --json`` document (see :meth:`to_json`)."""

    entries: int
    matched: int
    posted: dict[str, Money]
    unmatched: int
    duplicates: int
    errors: tuple[str, ...]
    dry_run: bool = False
    postings: tuple[tuple[str, str, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "entries": self.entries,
            "matched": self.matched,
            "posted": {c: m.amount_str() for c, m in sorted(self.posted.items())},
            "unmatched": self.unmatched,
            "duplicates": self.duplicates,
            "errors": list(self.errors),
        }


_TOKEN = re.compile(r"[0-9A-Z]+")
# A name token shared by more open items than this is no evidence of who paid ("services").
_COMMON_NAME_TOKEN = 200
_LEFT_OUT_MAX = Decimal("0.685")


def _compact(text: str) -> str:
    return "".join(_TOKEN.findall(text.upper()))


def _evidence_keys(c: Candidate) -> list[str]:
    keys = [f"amt:{c.open_amount.code}:{c.open_amount.minor}"]
    if c.reference:
        keys.append(f"ref:{_compact(c.reference)}")
    if c.number and _compact(c.number):
        keys.append(f"num:{_compact(c.number)}")
    keys.extend(f"iban:{iban}" for iban in c.payer_ibans)
    keys.extend(f"name:{t}" for t in set(normalise_name(c.customer_name).split()))
    return keys


@dataclass(slots=True)
class _Candidates:
    """The open items a credit may pay, kept current customer by customer as postings land.

    Scoring every open item of a large ledger for every credit is quadratic (the payer-name
    similarity is the costly part), so each credit is scored against the items it has some
    evidence for: its structured reference or a reference / invoice number quoted in the
    remittance, an open amount equal to the credit, a known payer account, or a (not too common)
    word of the payer's name. An item left out scores at most ``0.45 x 0.3 + 0.35 + 0.20 = 0.685``
    (no equal amount, no reference, no number, no known account), below the default auto-post
    threshold minus the ambiguity margin (0.80): no posting or ambiguity decision changes.
    """

    uow: PaymentsUnitOfWork
    refs: dict[str, str]
    customers: dict[int, CustomerRef]
    ibans: dict[int, tuple[str, ...]]
    by_customer: dict[int, list[Candidate]] = field(default_factory=dict)
    owner: dict[str, tuple[str, str]] = field(default_factory=dict)
    index: dict[str, set[str]] = field(default_factory=dict)
    by_id: dict[str, Candidate] = field(default_factory=dict)
    ids_by_external: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls, uow: PaymentsUnitOfWork) -> _Candidates:
        found = cls(uow, ensure_invoice_references(uow), uow.reports.customer_refs(),
                    uow.payments.payer_ibans())  # fmt: skip
        found.ids_by_external = {c.external_id: i for i, c in found.customers.items()}
        found._fill(None)
        return found

    def all(self) -> list[Candidate]:
        return list(self.by_id.values())

    def for_entry(self, entry: StatementEntry) -> list[Candidate]:
        keys = {f"amt:{entry.amount.code}:{entry.amount.minor}"}
        structured = _compact(entry.structured_reference)
        if structured:
            keys |= {f"ref:{structured}", f"num:{structured}"}
        tokens = _TOKEN.findall(entry.remittance.upper())
        for start in range(len(tokens)):
            joined = ""
            for token in tokens[start : start + 8]:
                joined += token
                keys |= {f"ref:{joined}", f"num:{joined}"}
        iban = entry.payer_iban.replace(" ", "").upper()
        if iban:
            keys.add(f"iban:{iban}")
        picked: set[str] = set()
        for key in keys:
            picked |= self.index.get(key, set())
        for token in set(normalise_name(entry.payer_name).split()):
            ids = self.index.get(f"name:{token}", set())
            if len(ids) <= _COMMON_NAME_TOKEN:
                picked |= ids
        return [self.by_id[i] for i in sorted(picked)]

    def refresh_account(self, external_id: str) -> None:
        """Reload one customer's open items (after a posting changed them)."""
        customer_id = self.ids_by_external[external_id]
        for c in self.by_customer.pop(customer_id, []):
            self.owner.pop(c.id, None)
            self.by_id.pop(c.id, None)
            for key in _evidence_keys(c):
                self.index.get(key, set()).discard(c.id)
        self._fill(customer_id)

    def _add(self, customer_id: int, candidate: Candidate, key: str) -> None:
        self.by_customer.setdefault(customer_id, []).append(candidate)
        self.owner[candidate.id] = (self.customers[customer_id].external_id, key)
        self.by_id[candidate.id] = candidate
        for evidence in _evidence_keys(candidate):
            self.index.setdefault(evidence, set()).add(candidate.id)

    def _fill(self, customer_id: int | None) -> None:
        for inv in self.uow.reports.invoice_balances(_END_OF_TIME, customer_id):
            if inv.open_minor <= 0:
                continue
            c = self.customers[inv.customer_id]
            self._add(inv.customer_id, Candidate(
                f"invoice:{inv.number}", "invoice", c.name,
                Money.from_minor(inv.open_minor, inv.currency), self.refs.get(inv.number),
                inv.number, inv.due_date, self.ibans.get(inv.customer_id, ()),
            ), inv.number)  # fmt: skip
        for stored in self.uow.payments.plans(customer_id=customer_id, status="active"):
            plan = stored.plan
            # Every installment of a plan carries the plan's RF reference: only the next unpaid
            # one is a candidate, or a reference match would always be ambiguous.
            nxt = next((i for i in plan.installments
                        if i.status.value not in ("paid", "waived") and i.paid < i.amount), None)  # fmt: skip
            if nxt is None:
                continue
            c = self.customers[stored.customer_id]
            self._add(stored.customer_id, Candidate(
                f"installment:{plan.id}#{nxt.number}", "installment", c.name,
                nxt.amount - nxt.paid, plan.reference, None, nxt.due_date,
                self.ibans.get(stored.customer_id, ()),
            ), plan.id)  # fmt: skip


def reconcile(
    uow: PaymentsUnitOfWork,
    statement: Statement,
    *,
    dry_run: bool = False,
    config: MatchingConfig | None = None,
    order: AllocationOrder | None = None,
) -> ReconcileReport:
    """Match and post a statement's credits; commits unless ``dry_run``.

    An entry id seen before (in an earlier import or earlier in this file) is a duplicate and is
    skipped; a confident match posts a payment (reference ``bank:<entry id>``) to the matched
    invoice or plan; an ambiguous or unmatched entry goes to the queue with its ranked candidates.
    """
    with uow:
        order = order or clearing_order_in_force(uow)
        credits = list(statement.entries)
        errors = [str(e) for e in statement.errors]
        seen = uow.payments.seen_entries({e.entry_id for e in credits})
        digest = hashlib.sha256("\n".join(sorted(e.entry_id for e in credits)).encode()).hexdigest()
        import_id = uow.payments.add_statement_import(digest, statement.source, statement.format,
                                                      len(credits), dry_run)  # fmt: skip
        matched = unmatched = duplicates = 0
        posted: dict[str, Money] = {}
        postings: list[tuple[str, str, str]] = []
        candidates = _Candidates.load(uow)
        cfg = config or MatchingConfig()
        # The evidence pre-selection is exact only while a left-out item (<= 0.685) can neither
        # post nor make a match ambiguous; a laxer configuration scores every open item.
        exhaustive = cfg.auto_post_threshold - cfg.ambiguity_margin <= _LEFT_OUT_MAX
        for entry in credits:
            if entry.entry_id in seen:
                duplicates += 1
                continue
            seen.add(entry.entry_id)
            pool = candidates.all() if exhaustive else candidates.for_entry(entry)
            result = match_entry(entry, pool, config)
            if result.status is MatchStatus.MATCHED and result.best is not None:
                account, key = candidates.owner[result.best.candidate.id]
                is_plan = result.best.candidate.kind == "installment"
                try:
                    rec = _record(uow, account, entry.amount, entry.booking_date,
                                  f"bank:{entry.entry_id}"[:200], method="bank",
                                  invoice_number=None if is_plan else key,
                                  plan_key=key if is_plan else None, order=order)  # fmt: skip
                except (InvalidInput, Conflict, NotFound) as exc:
                    errors.append(f"{statement.source}: {entry.location}: {exc}")
                    uow.payments.add_statement_entry(import_id, entry, "error", None)
                    continue
                uow.payments.add_statement_entry(import_id, entry, "posted", rec.payment_id)
                matched += 1
                code = entry.amount.code
                posted[code] = posted[code] + entry.amount if code in posted else entry.amount
                postings.append((entry.entry_id, result.best.candidate.id, result.best.method))
                candidates.refresh_account(account)  # what is open has changed
                continue
            row = uow.payments.add_statement_entry(import_id, entry, result.status.value, None)
            uow.payments.add_candidates(row, result.ranked_candidates)
            unmatched += 1
        if dry_run:
            uow.rollback()
        else:
            uow.commit()
        return ReconcileReport(len(credits), matched, posted, unmatched, duplicates,
                               tuple(errors), dry_run, tuple(postings))  # fmt: skip


def assign_queued_entry(
    uow: PaymentsUnitOfWork, entry_id: str, candidate: str, *, order: AllocationOrder | None = None
) -> RecordedPayment:
    """Post a queued (unmatched or ambiguous) bank credit to the open item a person chose.

    ``candidate`` is ``invoice:<number>`` or ``installment:<plan key>#<n>`` (as the queue ranks
    them; any open item of the organisation may be chosen). Commits.
    """
    with uow:
        queued = uow.payments.queued_entry(entry_id)
        if queued is None:
            raise NotFound(f"no bank credit {entry_id!r} waiting in the unmatched queue")
        kind, _, key = candidate.partition(":")
        if kind == "invoice":
            found = uow.ledger.invoices([key]).get(key)
            if found is None:
                raise NotFound(f"no invoice {key!r} in this organisation")
            account, invoice, plan = found.customer_external_id, key, None
        elif kind == "installment":
            plan = key.partition("#")[0]
            stored = uow.payments.plan(plan)
            refs = uow.reports.customer_refs([stored.customer_id])
            account, invoice = refs[stored.customer_id].external_id, None
        else:
            raise InvalidInput(
                f"candidate {candidate!r}: use invoice:<number> or installment:<plan>#<n>"
            )
        amount = Money.from_minor(queued.amount_minor, queued.currency)
        rec = _record(uow, account, amount, queued.booking_date, f"bank:{entry_id}"[:200],
                      method="bank", invoice_number=invoice, plan_key=plan,
                      order=order or clearing_order_in_force(uow))  # fmt: skip
        uow.payments.mark_entry_posted(queued.id, rec.payment_id)
        uow.commit()
        return rec
