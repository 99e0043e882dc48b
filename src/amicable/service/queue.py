"""The human queue: escalations and approval requests waiting for a person, and their decisions.

Every writer of an escalation (a conversation turn, a broken plan or promise, the runtime
planner) and the runtime's final notices awaiting approval open an item here through
:func:`open_item`, inside the writer's own transaction. A person then approves, modifies,
declines, assigns or takes over the item; each decision flows back to its source.

Invariants
----------
* One item per source: :func:`open_item` is idempotent by ``(source, source_id)``.
* An item's SLA is fixed when it opens (:func:`sla_due`: business hours for approvals, calendar
  hours for escalations, from :class:`QueueSettings`); an overdue item is reminded once.
* ``approved``, ``modified``, ``declined`` and ``closed`` are final: a second decision is a
  :class:`~amicable.domain.errors.Conflict`. Decisions use the item's version (optimistic lock).
* A modification passes the policy gate (:func:`amicable.policy.gate.check`) under the policy in
  force AND the decider's authority (:data:`AUTHORITY`): a refused offer is refused for everyone;
  an offer that needs approval only for a role allowed to approve it. Otherwise nothing is
  written and :class:`~amicable.domain.errors.PermissionDenied` says why.
* Every decision writes one audit record (``queue.<decision>``) and one write-back event
  (``escalation.decided``) in the same transaction as the decision itself.
* Flow-back: an approved final notice becomes ``planned`` again (the next run re-checks it with
  compliance before sending); a declined one is ``declined`` and never sent. An approved
  conversation item whose escalation proposed terms puts exactly those terms back to the debtor
  (the conversation resumes; the message is planned for the next run, which re-checks it with
  compliance); the debtor still has to accept and confirm them. A modified item's terms are
  serviced from the decision on (a plan becomes a servicing plan, anything else a promise to
  pay, under the policy's servicing rules; a conversation item also records the agreement on
  the conversation), so the account is not chased while they run. Deciding closes the
  source escalation (so chasing resumes); a take-over keeps it open (the conversation stays
  escalated: the agent does not negotiate it again) and assigns the item to the taker.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from amicable.domain.clock import ensure_utc
from amicable.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from amicable.domain.money import Money
from amicable.negotiation.states import ConversationState, State, offer_to_json, terms_for_today
from amicable.policy.evaluate import evaluate
from amicable.policy.gate import GateDecision, Outcome, check
from amicable.policy.offer import Offer, OfferKind
from amicable.policy.report import parse_offer
from amicable.service import audit, outcomes, writeback
from amicable.service.conversations_ports import ConversationsUnitOfWork as QueueUnitOfWork
from amicable.service.policies import (
    NothingOwed,
    StoredPolicy,
    offers_for,
    policy_facts,
    policy_in_force,
)
from amicable.service.queries import account_facts
from amicable.service.queue_ports import NewQueueItem, QueueHolder, QueueItem
from amicable.service.runtime_ports import RuntimeUnitOfWork

__all__ = [
    "AUTHORITY",
    "KINDS",
    "OPEN_STATUSES",
    "SOURCES",
    "STATUSES",
    "QueueSettings",
    "approve",
    "assign",
    "decline",
    "item_json",
    "list_items",
    "modify",
    "open_item",
    "remind_overdue",
    "show_item",
    "sla_due",
    "suggestion",
    "take_over",
]

KINDS: tuple[str, ...] = ("escalation", "approval")
#: The channel a promise a person set outside a conversation is recorded on: the person's own
#: contact with the debtor (a call, a letter, a visit) — not a channel the agent writes on.
PERSON_CHANNEL = "person"
SOURCES: tuple[str, ...] = ("conversation", "plan", "promise", "planner", "attempt", "inbound")
STATUSES: tuple[str, ...] = (
    "open", "assigned", "approved", "modified", "declined", "taken_over", "closed",
)  # fmt: skip
#: Statuses still waiting for a person (listed by default; the SLA runs on them).
OPEN_STATUSES: tuple[str, ...] = ("open", "assigned", "taken_over")

#: Which gate outcomes a role may accept when it modifies terms. Collectors decide only within
#: the policy; an offer the policy sends for approval needs an admin; refused is never accepted.
AUTHORITY: Mapping[str, frozenset[Outcome]] = {
    "admin": frozenset({Outcome.OK, Outcome.NEEDS_APPROVAL}),
    "collector": frozenset({Outcome.OK}),
}

#: What the agent suggests per reason, and why (shown with the item).
_SUGGESTIONS: Mapping[str, tuple[str, str]] = {
    "hardship": ("review_hardship", "the debtor reported hardship: a person decides forbearance"),
    "legal": ("refer_to_legal", "the debtor mentioned legal matters the agent may not handle"),
    "identity_doubt": ("verify_identity", "the agent could not confirm who it was talking to"),
    "dispute": ("investigate_dispute", "the debt is disputed: collection pauses until resolved"),
    "high_value": ("approve_terms", "the balance is above what the agent may settle alone"),
    "out_of_policy": ("review_terms", "the debtor asked for terms outside the policy"),
    "abuse": ("take_over", "the conversation turned abusive: a person should take it over"),
    "human_requested": ("take_over", "the debtor asked to speak with a person"),
    "no_progress": ("call_debtor", "the conversation is going in circles"),
    "policy_action": ("review_account", "the policy's segment says a person handles it"),
    "arrangement_change": (
        "review_arrangement",
        "the debtor asks to change a plan or promise in force: a person decides "
        "(amicable plans renegotiate, within the policy and the plan's servicing rules)",
    ),
    "plan_broken": ("contact_and_renegotiate", "the payment plan broke: renegotiate or close"),
    "promise_broken": ("contact_debtor", "the promise to pay was broken"),
    "final_notice": ("approve_final_notice", "a final notice is never sent without approval"),
}
_APPROVAL_REASONS = frozenset({"high_value", "out_of_policy", "final_notice"})


@dataclass(frozen=True, slots=True)
class QueueSettings:
    """SLA settings per kind.

    Attributes:
        approval_business_hours: working hours an approval may wait (default 4).
        escalation_hours: calendar hours an escalation may wait (default 24: one day).
        day_start / day_end: the working day, local time in ``zone`` (Monday to Friday).
        zone: the IANA zone of the people working the queue.
    """

    approval_business_hours: int = 4
    escalation_hours: int = 24
    day_start: time = time(9)
    day_end: time = time(17)
    zone: str = "UTC"

    def __post_init__(self) -> None:
        if self.approval_business_hours < 0 or self.escalation_hours < 0:
            raise InvalidInput("queue SLA hours must be >= 0")
        if self.day_start >= self.day_end:
            raise InvalidInput("queue working day: day_start must be before day_end")


def sla_due(kind: str, opened_at: datetime, settings: QueueSettings | None = None) -> datetime:
    """When an item of ``kind`` opened at ``opened_at`` is due (aware UTC).

    Approvals count working time only (Monday to Friday, ``day_start``–``day_end`` in
    ``zone``); escalations count calendar hours."""
    s = settings or QueueSettings()
    at = ensure_utc(opened_at)
    if kind == "escalation":
        return at + timedelta(hours=s.escalation_hours)
    if kind != "approval":
        raise InvalidInput(f"queue item kind must be one of {', '.join(KINDS)}, got {kind!r}")
    zone = ZoneInfo(s.zone)
    local = at.astimezone(zone)
    left = timedelta(hours=s.approval_business_hours)
    while True:
        start = datetime.combine(local.date(), s.day_start, zone)
        end = datetime.combine(local.date(), s.day_end, zone)
        if local.weekday() < 5 and local < end:
            local = max(local, start)
            if local + left <= end:
                return (local + left).astimezone(UTC)
            left -= end - local
        local = datetime.combine(local.date() + timedelta(days=1), s.day_start, zone)


def suggestion(reason: str) -> tuple[str, str]:
    """``(suggested action, why)`` for a reason code (``planner:<code>`` reads as ``<code>``)."""
    code = reason.split(":", 1)[1] if reason.startswith("planner:") else reason
    return _SUGGESTIONS.get(code, ("review_account", f"escalated: {code}"))


def open_item(
    uow: QueueHolder,
    *,
    customer_id: int,
    source: str,
    source_id: int,
    source_ref: str,
    reason: str,
    summary: str,
    kind: str | None = None,
    settings: QueueSettings | None = None,
) -> int:
    """Open the item of a source (or return the one already open for it); the caller commits.

    ``kind`` defaults by reason: approvals for terms above the agent's authority and final
    notices, escalations otherwise."""
    if source not in SOURCES:
        raise InvalidInput(f"queue source must be one of {', '.join(SOURCES)}, got {source!r}")
    code = reason.split(":", 1)[1] if reason.startswith("planner:") else reason
    chosen = kind or ("approval" if code in _APPROVAL_REASONS else "escalation")
    action, why = suggestion(reason)
    item = NewQueueItem(
        customer_id=customer_id, kind=chosen, source=source, source_id=source_id,
        source_ref=source_ref, reason=reason, summary=summary, suggested_action=action,
        suggested_why=why, sla_due_at=sla_due(chosen, uow.now, settings),
    )  # fmt: skip
    item_id, created = uow.queue.open(item)
    if created:
        refs = uow.reports.customer_refs([customer_id])
        account = refs[customer_id].external_id if customer_id in refs else str(customer_id)
        outcomes.escalation_opened(
            uow, account=account, item_id=item_id, kind=chosen, source=source,
            source_ref=source_ref, reason=reason, summary=summary, suggested_action=action,
        )  # fmt: skip
    return item_id


# -- reading ------------------------------------------------------------------------------------


def _iso(at: datetime | None) -> str | None:
    return None if at is None else ensure_utc(at).isoformat().replace("+00:00", "Z")


def item_json(item: QueueItem, now: datetime) -> dict[str, Any]:
    """The JSON shape of one item (``overdue``: still waiting and past its SLA at ``now``)."""
    n = item.new
    return {
        "id": item.id,
        "kind": n.kind,
        "status": item.status,
        "account": item.account,
        "source": n.source,
        "source_id": n.source_id,
        "source_ref": n.source_ref,
        "reason": n.reason,
        "summary": n.summary,
        "suggested_action": n.suggested_action,
        "suggested_why": n.suggested_why,
        "assignee": item.assignee,
        "decided_by": item.decided_by,
        "decision": item.decision,
        "version": item.version,
        "sla_due_at": _iso(n.sla_due_at),
        "overdue": item.status in OPEN_STATUSES and ensure_utc(now) > n.sla_due_at,
        "reminded_at": _iso(item.reminded_at),
        "decided_at": _iso(item.decided_at),
        "created_at": _iso(item.created_at),
    }


def list_items(
    uow: QueueUnitOfWork,
    *,
    status: str | None = None,
    assignee: str | None = None,
    overdue_at: datetime | None = None,
) -> list[QueueItem]:
    """Items by SLA (soonest first): waiting ones by default, ``status`` (one of
    :data:`STATUSES`, or ``all``) otherwise; only ``assignee``'s; only those overdue at
    ``overdue_at``."""
    if status is None:
        statuses: tuple[str, ...] | None = OPEN_STATUSES
    elif status == "all":
        statuses = None
    elif status in STATUSES:
        statuses = (status,)
    else:
        raise InvalidInput(f"queue status must be one of {', '.join(STATUSES)} or all")
    with uow:
        items = uow.queue.items(statuses=statuses, assignee=assignee)
    if overdue_at is not None:
        cut = ensure_utc(overdue_at)
        items = [i for i in items if i.status in OPEN_STATUSES and i.new.sla_due_at < cut]
    return items


def _get(uow: QueueUnitOfWork, item_id: int) -> QueueItem:
    item = uow.queue.get(item_id)
    if item is None:
        raise NotFound(f"queue item {item_id} does not exist")
    return item


def show_item(uow: QueueUnitOfWork, item_id: int) -> dict[str, Any]:
    """The whole context of an item: the item, the conversation's messages (conversation items),
    the account summary (balances, days past due), the offer space under the policy in force
    and the suggested action with why."""
    with uow:
        item = _get(uow, item_id)
        now = uow.now
        as_of = uow.today
        messages: list[dict[str, Any]] = []
        conversation_id: int | None = None
        proposed: dict[str, Any] | None = None
        if item.new.source == "conversation":
            conversation_id = uow.queue.conversation_of_escalation(item.new.source_id)
            if conversation_id is not None:
                proposed = _proposed_terms(uow, conversation_id, as_of)
                messages = [
                    {"seq": m.seq, "direction": m.direction, "text": m.text, "state": m.state,
                     "at": _iso(m.at)}
                    for m in uow.queue.messages(conversation_id)
                ]  # fmt: skip
        facts = account_facts(uow, item.account, as_of)
    offers = offers_for(uow, item.account, as_of)
    return {
        "item": item_json(item, now),
        "suggested": {"action": item.new.suggested_action, "why": item.new.suggested_why},
        "proposed_terms": proposed,
        "conversation": {"id": conversation_id, "messages": messages},
        "account": {
            "account": facts.external_id,
            "name": facts.name,
            "as_of": as_of.isoformat(),
            "balances": {c: m.amount_str() for c, m in sorted(facts.balances.items())},
            "currency": facts.currency,
            "days_past_due": facts.max_days_past_due,
            "oldest_due_date": (
                None if facts.oldest_due_date is None else facts.oldest_due_date.isoformat()
            ),
            "open_invoices": facts.open_invoices,
            "open_dispute": facts.open_dispute,
        },
        "offers": offers.to_json() if isinstance(offers, NothingOwed) else offers,
    }


def _proposed_terms(
    uow: QueueUnitOfWork, conversation_id: int, as_of: date
) -> dict[str, Any] | None:
    """The terms an escalated conversation put to a person, as ``approve`` would offer them to the
    debtor at ``as_of`` (dates moved by whole weeks once the first has passed), with the gate's
    decision on them under the policy in force; ``None`` if none."""
    found = uow.conversations.state_of(conversation_id)
    if found is None:
        return None
    state = ConversationState.from_json(json.loads(found[3]))
    if state.proposal is None or state.state is not State.ESCALATED:
        return None
    refs = uow.reports.customer_refs([found[0]])
    facts = policy_facts(account_facts(uow, refs[found[0]].external_id, as_of))
    if facts is None:  # nothing owed any more: nothing to approve
        return {**offer_to_json(state.proposal), "gate": None}
    space = evaluate(policy_in_force(uow).policy, facts, as_of=as_of)
    terms = terms_for_today(state.proposal, space, as_of)
    return {**offer_to_json(terms), "gate": check(space, terms).to_json()}


# -- deciding -----------------------------------------------------------------------------------


def _decidable(item: QueueItem) -> None:
    if item.status not in OPEN_STATUSES:
        raise Conflict(f"queue item {item.id} is already {item.status}")


def _write(
    uow: QueueUnitOfWork,
    item: QueueItem,
    what: str,
    actor: str,
    details: dict[str, Any],
    **values: Any,
) -> QueueItem:
    """Store a decision (compare-and-set on the version), its audit record and its event."""
    if not uow.queue.update(item.id, item.version, **values):
        raise Conflict(f"queue item {item.id} changed meanwhile; reload it and decide again")
    payload = {
        "item": item.id,
        "account": item.account,
        "kind": item.new.kind,
        "source": item.new.source,
        "source_ref": item.new.source_ref,
        "reason": item.new.reason,
        "decision": what,
        "by": actor,
        **details,
    }
    audit.record(uow, f"queue.{what}", f"queue:{item.id}", payload, actor=actor)
    writeback.emit(uow, "escalation.decided", payload)
    return _get(uow, item.id)


def _final(
    uow: QueueUnitOfWork,
    item: QueueItem,
    status: str,
    actor: str,
    details: dict[str, Any],
) -> QueueItem:
    return _write(
        uow, item, status, actor, details, status=status, decided_by=actor,
        decided_at=uow.now, decision={"decision": status, **details},
    )  # fmt: skip


def approve(
    uow: RuntimeUnitOfWork, item_id: int, *, actor: str, role: str, note: str | None = None
) -> QueueItem:
    """Approve the suggested action. A final notice is released to the next run (which checks
    it with compliance before sending). A conversation that escalated with terms for approval
    resumes with them, and the message putting them to the debtor is planned for the next run
    (:func:`~amicable.service.runtime.offer_approved_terms`; the decision records the terms and
    the attempt); approving terms is a decision on them, so their gate outcome must be within
    ``role``'s :data:`AUTHORITY` (else :class:`PermissionDenied`, nothing written). The source
    escalation is closed. Commits."""
    # Imported here: the runtime opens queue items (it imports this module).
    from amicable.service.runtime import offer_approved_terms

    with uow:
        item = _get(uow, item_id)
        _decidable(item)
        details: dict[str, Any] = {"note": note}
        if item.new.source == "attempt" and not uow.queue.release_attempt(item.new.source_id):
            raise Conflict(f"attempt {item.new.source_id} is no longer awaiting approval")
        if item.new.source == "conversation":
            conv_id = uow.queue.conversation_of_escalation(item.new.source_id)
            proposed = None if conv_id is None else _proposed_terms(uow, conv_id, uow.today)
            # (nothing owed any more, gate None: there are no terms to put to the debtor)
            if conv_id is not None and proposed is not None and proposed["gate"] is not None:
                outcome = Outcome(proposed["gate"]["outcome"])
                # (refused terms are refused for everyone: offer_approved_terms says why)
                if outcome is not Outcome.REFUSED and outcome not in AUTHORITY.get(
                    role, frozenset()
                ):
                    raise PermissionDenied(
                        f"the proposed terms are {outcome.value} under the policy and role "
                        f"{role!r} may not approve them"
                    )
                offered = offer_approved_terms(uow, conv_id, item_id=item.id)
                if offered is not None:
                    details["approved_terms"] = offered
        uow.queue.set_source_status(item.new.source, item.new.source_id, "closed")
        out = _final(uow, item, "approved", actor, details)
        uow.commit()
        return out


def decline(uow: QueueUnitOfWork, item_id: int, *, actor: str, reason: str) -> QueueItem:
    """Decline the suggested action (a final notice is never sent); closes the source. Commits."""
    if not reason.strip():
        raise InvalidInput("a decline needs a reason")
    with uow:
        item = _get(uow, item_id)
        _decidable(item)
        if item.new.source == "attempt":
            uow.queue.decline_attempt(item.new.source_id)
        uow.queue.set_source_status(item.new.source, item.new.source_id, "closed")
        out = _final(uow, item, "declined", actor, {"reason": reason})
        uow.commit()
        return out


def assign(uow: QueueUnitOfWork, item_id: int, *, actor: str, to: str) -> QueueItem:
    """Give a waiting item to ``to`` (status ``assigned``; a taken-over item keeps its status).
    Commits."""
    if not to.strip():
        raise InvalidInput("assign needs a user (--to)")
    with uow:
        item = _get(uow, item_id)
        _decidable(item)
        status = "taken_over" if item.status == "taken_over" else "assigned"
        if item.new.source == "conversation":
            uow.queue.set_source_status(item.new.source, item.new.source_id, "assigned")
        out = _write(uow, item, "assigned", actor, {"to": to}, status=status, assignee=to)
        uow.commit()
        return out


def take_over(uow: QueueUnitOfWork, item_id: int, *, actor: str) -> QueueItem:
    """``actor`` handles the case personally: the item is theirs (``taken_over``) and the source
    escalation stays open, so the agent neither negotiates the conversation nor chases the
    account. Commits."""
    with uow:
        item = _get(uow, item_id)
        _decidable(item)
        if item.new.source == "attempt":
            raise InvalidInput("a final notice awaiting approval is approved or declined")
        if item.new.source == "conversation":
            uow.queue.set_source_status(item.new.source, item.new.source_id, "assigned")
        out = _write(uow, item, "taken_over", actor, {}, status="taken_over", assignee=actor)
        uow.commit()
        return out


def modify(
    uow: QueueUnitOfWork, item_id: int, offer: object, *, actor: str, role: str
) -> QueueItem:
    """Decide with new terms (an OFFER JSON object, as ``offers check`` takes).

    The offer goes through the policy gate under the policy in force at today's date; it is
    accepted only if the gate's outcome is within ``role``'s :data:`AUTHORITY`, otherwise
    :class:`PermissionDenied` (nothing written). Accepted terms are serviced from the decision
    on (:func:`_service_terms`: a plan or a promise to pay, named in the decision's
    ``servicing``); an accepted conversation item also records the agreement on the
    conversation; the source escalation is closed. Commits."""
    with uow:
        item = _get(uow, item_id)
        _decidable(item)
        if item.new.source == "attempt":
            raise InvalidInput("a final notice awaiting approval is approved or declined")
        as_of = uow.today
        facts = policy_facts(account_facts(uow, item.account, as_of))
        if facts is None:
            raise InvalidInput(f"account {item.account} owes nothing: there are no terms to set")
        stored = policy_in_force(uow)
        parsed = parse_offer(offer, facts.currency)
        gate = check(evaluate(stored.policy, facts, as_of=as_of), parsed)
        if gate.outcome not in AUTHORITY.get(role, frozenset()):
            why = "; ".join(v.message for v in gate.violations) or "; ".join(
                r.message for r in gate.approvals
            )
            raise PermissionDenied(
                f"the offer is {gate.outcome.value} under the policy and role {role!r} may not "
                f"accept it" + (f": {why}" if why else "")
            )
        terms = offer_to_json(parsed)
        details: dict[str, Any] = {"offer": terms, "gate": gate.to_json()}
        conv_id = (
            uow.queue.conversation_of_escalation(item.new.source_id)
            if item.new.source == "conversation"
            else None
        )
        agreement_id = None
        if conv_id is not None:
            agreement_id = details["agreement_id"] = _record_agreement(
                uow, conv_id, item, terms, gate
            )
        details["servicing"] = _service_terms(
            uow, item, parsed, terms, gate, stored, actor=actor, as_of=as_of,
            conversation=conv_id, agreement_id=agreement_id,
        )  # fmt: skip
        uow.queue.set_source_status(item.new.source, item.new.source_id, "closed")
        out = _final(uow, item, "modified", actor, details)
        uow.commit()
        return out


def _record_agreement(
    uow: QueueUnitOfWork, conv_id: int, item: QueueItem, terms: dict[str, Any], gate: GateDecision
) -> int:
    """The agreement a person set, on the conversation (as the dialogue records its own)."""
    money = Money.of(str(terms["total"]), str(terms["currency"]))
    return uow.conversations.add_agreement(
        conv_id, item.new.customer_id, offer=terms, gate=gate.to_json(),
        policy_version=gate.policy_version, total_minor=money.minor, currency=money.code,
    )  # fmt: skip


def _service_terms(
    uow: QueueUnitOfWork,
    item: QueueItem,
    offer: Offer,
    terms: dict[str, Any],
    gate: GateDecision,
    stored: StoredPolicy,
    *,
    actor: str,
    as_of: date,
    conversation: int | None,
    agreement_id: int | None,
) -> dict[str, str]:
    """Set up the servicing of the terms a person decided, in the decision's transaction, as a
    conversation's agreement is serviced: a plan becomes a servicing plan (reminders, retry link,
    renegotiation, broken -> a person), anything else a promise to pay (kept / broken -> a
    person), under the servicing rules of the policy in force; the account is then not chased
    while it runs. Terms cannot run beside an open promise or an active plan of the account
    (:func:`~amicable.service.payments.ensure_nothing_serviced`: ``InvalidInput``, nothing
    written). Returns ``{"plan": key}`` or ``{"promise": key}``."""
    # Imported here: the payments area opens queue items (it imports this module).
    from amicable.service.payments import (
        AgreementOrigin,
        QueueOrigin,
        ensure_nothing_serviced,
        servicing_rules_of,
        set_up_plan,
        set_up_promise,
    )

    cid = item.new.customer_id
    origin: AgreementOrigin | QueueOrigin
    if conversation is not None and agreement_id is not None:
        origin = AgreementOrigin(
            conversation, agreement_id, terms, gate.policy_version, queue_item=item.id, actor=actor
        )
    else:
        origin = QueueOrigin(item.id, actor, terms, gate.policy_version)
    ensure_nothing_serviced(uow, cid, item.account)
    rules = servicing_rules_of(stored.stored)
    if offer.kind is OfferKind.PLAN:
        plan = set_up_plan(
            uow, cid, item.account, offer, agreed_on=as_of, rules=rules, origin=origin
        )
        return {"plan": plan.plan.id}
    found = None if conversation is None else uow.conversations.state_of(conversation)
    promise = set_up_promise(
        uow, cid, item.account, [(p.due_date, p.amount) for p in offer.payments],
        channel=found[1] if found is not None else PERSON_CHANNEL, made_on=as_of,
        confirmed=True, grace_days=rules.grace_days, origin=origin,
    )  # fmt: skip
    return {"promise": promise.promise.id}


def remind_overdue(uow: QueueUnitOfWork, now: datetime) -> list[QueueItem]:
    """Remind once about every waiting item past its SLA at ``now``: an audit record and a
    ``note.added`` event each (for the team's own webhooks). Returns the items reminded. Commits."""
    at = ensure_utc(now)
    out: list[QueueItem] = []
    with uow:
        for item in uow.queue.items(statuses=OPEN_STATUSES):
            if item.reminded_at is not None or item.new.sla_due_at >= at:
                continue
            if not uow.queue.update(item.id, item.version, reminded_at=at):
                continue  # decided meanwhile
            payload = {
                "item": item.id, "account": item.account, "kind": item.new.kind,
                "assignee": item.assignee, "sla_due_at": _iso(item.new.sla_due_at),
                "note": f"queue item {item.id} is overdue",
            }  # fmt: skip
            audit.record(uow, "queue.reminder", f"queue:{item.id}", payload)
            writeback.emit(uow, "note.added", payload)
            out.append(_get(uow, item.id))
        uow.commit()
    return out
