"""Outcomes: the audit record and the write-back event of each business outcome.

Every use case that makes an outcome calls one function here, inside its own transaction, right
after writing the outcome itself — so an outcome, its hash-chained audit record (with the reason
or decision in the payload) and its write-back event are committed together or not at all.

Outcome → audit kind (what the payload holds besides the account) → write-back event:

* conversation message → ``message.received`` / ``message.sent`` (intents; the content decision
  and where the sent text came from) → none;
* offer in a conversation → ``offer.made`` (offer, gate decision, policy version) → ``offer.made``;
* agreement → ``agreement.made`` (offer, gate, policy version) → none itself: the plan (a plan
  offer) or the promise (any other) it sets up in the same transaction is written back, naming
  the conversation and the agreement;
* promise to pay → ``promise.made`` → ``promise.made``;
* promise re-evaluated → ``promise.<status>`` (rule id) → ``promise.kept`` / ``promise.broken``
  (a partly kept one: audit only);
* plan created → ``plan.created`` → ``plan.accepted``; plan transitions → ``plan.events`` (each
  event with its rule id) → none;
* payment posted → ``payment.posted`` (allocations, clearing rule) → ``payment.posted``;
* refund / chargeback → ``payment.reversed`` → ``payment.reversed`` (and ``dispute.opened`` for a
  chargeback);
* dispute raised → ``dispute.opened`` → ``dispute.opened``;
* escalation opened → ``escalation.opened`` → ``escalation.opened``;
* outbound contact → ``contact.<status>`` (the compliance decision) and, on hand-off,
  ``contact.sent`` / ``contact.failed`` → none.

Invariants: payloads are plain JSON (money as strings with the currency, dates ISO); every payload
names the account (its external id) so an examiner or an accounting system can join on it; no
function here commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from amicable.domain.money import Money
from amicable.service import audit, writeback
from amicable.service.api_ports import ApiUnitOfWork

__all__ = [
    "agreement_made",
    "contact_handed_off",
    "contact_recorded",
    "dispute_opened",
    "escalation_opened",
    "message_recorded",
    "offer_made",
    "payment_posted",
    "payment_reversed",
    "plan_created",
    "plan_events",
    "promise_evaluated",
    "promise_made",
]


def _money(m: Money) -> dict[str, str]:
    return {"amount": m.amount_str(), "currency": m.code}


def message_recorded(
    uow: ApiUnitOfWork,
    *,
    account: str,
    conversation_id: int,
    seq: int,
    direction: str,
    state: str,
    intents: Sequence[str],
    content: Sequence[Mapping[str, Any]],
    source: str,
) -> None:
    """A conversation message: what was understood (inbound) or the content decision and the
    origin of the sent text (outbound). The text itself stays in the conversation tables."""
    kind = "message.received" if direction == "in" else "message.sent"
    audit.record(
        uow,
        kind,
        f"conversation:{conversation_id}",
        {
            "account": account,
            "seq": seq,
            "direction": direction,
            "state": state,
            "intents": list(intents),
            "content_decision": {
                "allowed": not content,
                "violations": [dict(v) for v in content],
            },
            "source": source,
        },
    )


def offer_made(
    uow: ApiUnitOfWork,
    *,
    account: str,
    conversation_id: int,
    seq: int,
    offer: Mapping[str, Any],
    gate: Mapping[str, Any],
    policy_version: str,
    state: str,
) -> None:
    """An offer put to the debtor, with the policy gate's decision (outcome and reasons)."""
    payload = {
        "account": account,
        "conversation": conversation_id,
        "message_seq": seq,
        "offer": dict(offer),
        "gate": dict(gate),
        "policy_version": policy_version,
        "state": state,
    }
    audit.record(uow, "offer.made", f"conversation:{conversation_id}", payload)
    writeback.emit(
        uow,
        "offer.made",
        {
            "account": account,
            "conversation": conversation_id,
            "offer": dict(offer),
            "gate_outcome": gate.get("outcome"),
            "policy_version": policy_version,
        },
    )


def agreement_made(
    uow: ApiUnitOfWork,
    *,
    account: str,
    conversation_id: int,
    agreement_id: int,
    offer: Mapping[str, Any],
    gate: Mapping[str, Any],
    policy_version: str,
) -> None:
    """Terms the debtor confirmed (audited here; written back by the plan or the promise the
    agreement sets up: ``plan.accepted`` / ``promise.made``, each naming the agreement)."""
    payload = {
        "account": account,
        "conversation": conversation_id,
        "agreement": agreement_id,
        "offer": dict(offer),
        "gate": dict(gate),
        "policy_version": policy_version,
    }
    audit.record(uow, "agreement.made", f"agreement:{agreement_id}", payload)


def promise_made(
    uow: ApiUnitOfWork,
    *,
    account: str,
    promise: str,
    total: Money,
    payments: Sequence[tuple[str, str]],
    channel: str,
    confirmed: bool,
    source: str,
    origin: Mapping[str, Any] | None = None,
) -> None:
    """A promise to pay: ``payments`` are ``(ISO due date, amount)``; ``origin`` where its terms
    came from (as :func:`plan_created` says) when a conversation or a person's queue decision
    made it."""
    payload = {
        "account": account,
        "promise": promise,
        "total": _money(total),
        "payments": [{"due_date": d, "amount": a} for d, a in payments],
        "channel": channel,
        "confirmed": confirmed,
        "source": source,
        **(origin or {}),
    }
    audit.record(uow, "promise.made", f"promise:{promise}", payload)
    writeback.emit(uow, "promise.made", payload)


def promise_evaluated(
    uow: ApiUnitOfWork,
    *,
    account: str,
    promise: str,
    status: str,
    rule_id: str,
    message: str,
    on: str,
) -> None:
    """A promise's status changed (kept, partially kept or broken) under rule ``rule_id``."""
    payload = {
        "account": account,
        "promise": promise,
        "status": status,
        "rule_id": rule_id,
        "message": message,
        "on": on,
    }
    audit.record(uow, f"promise.{status}", f"promise:{promise}", payload)
    if status in ("kept", "broken"):
        writeback.emit(uow, f"promise.{status}", payload)


def plan_created(
    uow: ApiUnitOfWork,
    *,
    account: str,
    plan: str,
    reference: str,
    installments: Sequence[tuple[str, Money]],
    agreed_on: str,
    origin: Mapping[str, Any] | None = None,
) -> None:
    """A servicing plan set up from an accepted plan offer (written back as ``plan.accepted``,
    once): ``origin`` says where the terms came from — ``source: conversation`` (conversation,
    agreement, offer, policy version) when the debtor agreed them in a conversation, ``source:
    queue`` (queue item, actor, offer, policy version; and the conversation's when the item was
    one) when a person set them on a queue item; without it ``source`` is ``plan``."""
    payload = {
        "account": account,
        "source": "plan" if origin is None else "conversation",
        "plan": plan,
        "reference": reference,
        "agreed_on": agreed_on,
        "installments": [
            {"due_date": d, "amount": m.amount_str(), "currency": m.code} for d, m in installments
        ],
        **(origin or {}),
    }
    audit.record(uow, "plan.created", f"plan:{plan}", payload)
    writeback.emit(uow, "plan.accepted", payload)


def plan_events(
    uow: ApiUnitOfWork, *, account: str, plan: str, status: str, events: Sequence[dict[str, Any]]
) -> None:
    """What happened to a plan in one transition (paid, missed, broken, completed …), each event
    with the rule that decided it; nothing is recorded for a transition without events."""
    if not events:
        return
    audit.record(
        uow,
        "plan.events",
        f"plan:{plan}",
        {"account": account, "plan": plan, "status": status, "events": list(events)},
    )


def plan_renegotiated(
    uow: ApiUnitOfWork,
    *,
    account: str,
    plan: str,
    actor: str,
    done: bool,
    schedule: Sequence[tuple[str, str]],
) -> None:
    """A person renegotiated a plan (``done``) or tried to (refused by its servicing rules): who,
    and the schedule asked for (the plan's own events say what changed)."""
    audit.record(
        uow,
        "plan.renegotiated" if done else "plan.renegotiation_refused",
        f"plan:{plan}",
        {"account": account, "plan": plan,
         "schedule": [{"due_date": d, "amount": a} for d, a in schedule]},
        actor=actor,
    )  # fmt: skip


def plan_cancelled(
    uow: ApiUnitOfWork,
    *,
    account: str,
    plan: str,
    actor: str,
    reason: str,
    on: str,
    outstanding: Money,
) -> None:
    """A person cancelled a plan (written back as ``plan.cancelled``): who, why, and what the
    plan had not collected (owed again as the invoices say)."""
    payload = {
        "account": account, "plan": plan, "reason": reason, "on": on,
        "outstanding": _money(outstanding),
    }  # fmt: skip
    audit.record(uow, "plan.cancelled", f"plan:{plan}", payload, actor=actor)
    writeback.emit(uow, "plan.cancelled", {**payload, "actor": actor})


def payment_posted(uow: ApiUnitOfWork, *, account: str, payment: Mapping[str, Any]) -> None:
    """A payment posted to the ledger: ``payment`` is its JSON (allocations, credit, rule id)."""
    payload = {"account": account, **payment}
    audit.record(uow, "payment.posted", f"payment:{payment['reference']}", payload)
    writeback.emit(uow, "payment.posted", payload)


def payment_reversed(uow: ApiUnitOfWork, *, account: str, reversal: Mapping[str, Any]) -> None:
    """A refund or chargeback; a chargeback is also a dispute opened by the payer's bank."""
    payload = {"account": account, **reversal}
    audit.record(uow, "payment.reversed", f"payment:{reversal['reference']}", payload)
    writeback.emit(uow, "payment.reversed", payload)
    if reversal.get("kind") == "chargeback":
        writeback.emit(
            uow,
            "dispute.opened",
            {
                "account": account,
                "source": "chargeback",
                "payment": reversal["reference"],
                "amount": reversal.get("amount"),
                "currency": reversal.get("currency"),
            },
        )


def dispute_opened(
    uow: ApiUnitOfWork, *, account: str, source: str, reason: str, invoices: Sequence[str] = ()
) -> None:
    """A dispute opened on an account (by an import, or raised by the debtor in a
    conversation)."""
    payload = {"account": account, "source": source, "reason": reason, "invoices": list(invoices)}
    audit.record(uow, "dispute.opened", f"account:{account}", payload)
    writeback.emit(uow, "dispute.opened", payload)


def escalation_opened(
    uow: ApiUnitOfWork,
    *,
    account: str,
    item_id: int,
    kind: str,
    source: str,
    source_ref: str,
    reason: str,
    summary: str,
    suggested_action: str,
) -> None:
    """A new item in the human queue (an escalation or an approval request)."""
    payload = {
        "account": account,
        "item": item_id,
        "kind": kind,
        "source": source,
        "source_ref": source_ref,
        "reason": reason,
        "summary": summary,
        "suggested_action": suggested_action,
    }
    audit.record(uow, "escalation.opened", f"queue:{item_id}", payload)
    writeback.emit(uow, "escalation.opened", payload)


def contact_stopped(
    uow: ApiUnitOfWork,
    *,
    account: str,
    conversation_id: int | None,
    kind: str,
    channel: str | None,
) -> None:
    """A debtor's cease (``kind`` cease) or channel opt-out (``opt_out``, with the channel) said
    in conversation (``conversation_id`` None: in a message on an account that owed nothing),
    recorded on the customer."""
    payload = {"account": account, "conversation": conversation_id, "kind": kind,
               "channel": channel}  # fmt: skip
    audit.record(uow, "contact.stopped", f"account:{account}", payload)


def contact_recorded(
    uow: ApiUnitOfWork,
    *,
    account: str,
    attempt_id: int,
    status: str,
    channel: str,
    action: str,
    key: str,
    decision: Mapping[str, Any] | None,
) -> None:
    """An outbound contact attempt and the compliance decision it was checked against
    (``status``: planned, blocked, needs_approval, sent, failed …)."""
    audit.record(
        uow,
        f"contact.{status}",
        f"attempt:{attempt_id}",
        {
            "account": account,
            "attempt": attempt_id,
            "channel": channel,
            "action": action,
            "key": key,
            "decision": None if decision is None else dict(decision),
        },
    )


def contact_handed_off(
    uow: ApiUnitOfWork,
    *,
    account: str,
    attempt_id: int,
    sent: bool,
    channel: str,
    key: str,
    provider: str | None = None,
    provider_message_id: str | None = None,
    error: str | None = None,
) -> None:
    """What the provider said when an allowed contact was handed to it: ``contact.sent`` with
    its message id, or ``contact.failed`` with the error (the decision was recorded when the
    attempt was written)."""
    audit.record(
        uow,
        "contact.sent" if sent else "contact.failed",
        f"attempt:{attempt_id}",
        {
            "account": account,
            "attempt": attempt_id,
            "channel": channel,
            "key": key,
            "provider": provider,
            "provider_message_id": provider_message_id,
            "error": error,
        },
    )
