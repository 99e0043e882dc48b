"""The agent loop's first slice: process every due account once (:func:`run_due`), take in a
debtor's message (:func:`receive_inbound`), and read the outbox (:func:`outbox_list`,
:func:`outbox_show`).

One pass of :func:`run_due` at instant ``now``:

1. **Hand-offs left over** (a crash between writing an attempt and handing it to the provider):
   every ``planned`` attempt is re-checked with ``compliance.decide`` at ``now`` and handed off
   again under its own dedupe key (the provider / recording outbox is idempotent by it); one
   still not allowed after a day is marked ``failed`` (stale), never sent late. A final notice a
   person approved is handed off the same way, and step 3 then plans its account from what was
   just sent (no reminder beside the notice).
   **Plan servicing** (first of all, :func:`~amicable.service.payments.service_plans` under the
   policy in force): every plan reminder, retry link, renegotiation offer and reminder of an open
   promise due today, and every one held by compliance on an earlier pass that is still relevant
   and not superseded by a newer one of its kind about the same installment, is decided on each
   written channel with an address (with the account's messages already written in the pass in
   its history) and written as an attempt with its decision — the first allowed channel is
   committed then handed off; none allowed → one ``blocked`` record a day with the soonest
   ``earliest_allowed_at``. While a person has the account's conversation (an escalation not yet
   closed, for any reason but ``arrangement_change``) they are held the same way under
   :data:`HUMAN_OWNED` — the debtor was told a person takes it from here — and go out, while
   still relevant, once the escalation is closed.
2. **Learning outcomes**: a sent attempt whose account's balance has since fallen is a
   ``success`` of its (segment, channel) arm; one with no payment after ``OUTCOME_DAYS`` is a
   ``failure``. The learning state is derived from these outcomes on every pass.
3. **Every account with an open overdue balance** and no active plan, open promise or open
   escalation, the largest overdue amount first (so the largest debts also reach the human queue
   first): the compliance context (:func:`~amicable.service.contact_context.contact_context`),
   one ``decide`` per candidate channel at ``now`` with the exact text that would be sent,
   ``automated=True``; then :func:`amicable.strategy.nba.plan_next_action`. A contact due now is
   written as an attempt *with its decision* and committed **before** the hand-off; the hand-off
   happens after the commit and its result is committed after it. A contact the planner times
   later than ``now`` (the channel's window opens later) is stored once per day as ``blocked``
   with its violations and earliest allowed instant, and so is a hold for want of any permitted
   channel. A ``final_notice`` is stored as ``needs_approval`` (never sent by the loop) and counted
   under ``escalated``, as are the planner's ``escalate`` decisions; the account is not silenced
   while the notice awaits approval: the planner's ordinary contact is carried out in the same
   pass, and later passes count only what was sent for the cadence. An account whose latest
   policy escalation (``planner:policy_escalate``) a person has decided and closed is planned with
   ``escalation_released``: chasing resumes without offers instead of escalating it again. Likewise
   an account whose latest follow-up escalation (``planner:follow_up_ended``) a person has closed is
   planned with ``follow_up_released``: chasing goes on at the stage's cadence instead of the
   same escalation coming back on the next pass.

Dedupe keys: ``<account>:<channel>:<action>:<day>`` for a contact, with a ``:blocked`` suffix for a
blocked one — at most one contact per account, channel and day, so running the same day twice
sends nothing twice. A plan message: ``<account>:plan:<plan>:<installment>:<kind>:<day it arose>``
(held: ``…:blocked:<day held>``), sent once whichever day it finally goes out.

Invariants: every attempt row carries the compliance decision it was checked against; nothing is
handed to a provider that is not committed first; nothing is sent that ``decide`` does not allow at
the instant it is sent; the clock is never read here (``now`` is a parameter).
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final

from amicable.compliance import (
    ComplianceContext,
    ComplianceDecision,
    ProposedContact,
    Violation,
    decide,
)
from amicable.domain.clock import SimulatedClock, ensure_utc
from amicable.domain.errors import AmicableError, ChannelUnavailable, InvalidInput, NotFound
from amicable.domain.money import Money
from amicable.negotiation.states import offer_to_json
from amicable.policy.evaluate import evaluate
from amicable.service import outcomes
from amicable.service.channels import ChannelSender, OutboundMessage, SendStatus
from amicable.service.contact_context import contact_context
from amicable.service.conversations import (
    LocalPortalLinks,
    NothingOwedError,
    PaymentLinks,
    handle_inbound,
    record_consent,
    resume_approved_terms,
)
from amicable.service.payments import OutboundIntent, service_plans
from amicable.service.payments_ports import StoredEscalation
from amicable.service.policies import policy_facts, policy_in_force
from amicable.service.ports import AccountInvoice, CustomerRef, CustomerRow
from amicable.service.queries import facts_of, resolve_account
from amicable.service.queue import open_item
from amicable.service.reminders import PLAN_KINDS, account_subject, plan_message, reminder
from amicable.service.runtime_ports import (
    FINAL_NOTICE_SETTLED,
    Attempt,
    InboundRecord,
    NewAttempt,
    RuntimeUnitOfWork,
)
from amicable.service.settled import settled_message
from amicable.servicing.plans import InstallmentStatus, PlanStatus
from amicable.servicing.promises import PaymentFact, part_left
from amicable.strategy.learning import ArmStats, LearningState
from amicable.strategy.nba import (
    AccountSituation,
    Action,
    ChannelEngagement,
    ChannelPermission,
    Engagement,
    NextAction,
    PlannerRules,
    plan_next_action,
)

__all__ = [
    "EMBEDDED_CHANNELS",
    "HUMAN_OWNED",
    "OUTCOME_DAYS",
    "SEND_SLOTS",
    "InboundResult",
    "RunReport",
    "offer_approved_terms",
    "outbox_list",
    "outbox_show",
    "receive_inbound",
    "run_days",
    "run_due",
]

log = logging.getLogger(__name__)

#: Channels the embedded loop plans on: written channels the recording outbox can take. Calls
#: and voicemail need the voice loop (not built yet), so the planner is never offered them.
EMBEDDED_CHANNELS: Final = ("email", "sms", "whatsapp")
#: Days after a touch within which a payment counts as its success (learning window).
OUTCOME_DAYS: Final = 14
#: A planned hand-off still not allowed this long after it was planned is given up (failed).
STALE_AFTER: Final = timedelta(days=1)
#: The escalation reason of an account the policy's segment hands to people.
_POLICY_ESCALATION: Final = "planner:policy_escalate"
_FOLLOW_UP_ESCALATION: Final = "planner:follow_up_ended"

_STOP_WORDS: Final = frozenset(
    {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "arret", "arrêt", "baja"}
)
_START_WORDS: Final = frozenset({"start", "unstop", "subscribe"})
_HELP_WORDS: Final = frozenset({"help", "info", "aide", "ayuda"})


@dataclass(slots=True)
class RunReport:
    """What one pass (or a simulated run of many passes) did.

    Attributes:
        processed: accounts the planner looked at.
        sent: attempts handed to a provider, per channel.
        blocked: attempts stored as blocked by compliance.
        escalated: accounts handed to people (``escalate`` decisions and final notices awaiting
            approval).
        errors: accounts or hand-offs that failed (nothing sent for them; logged).
    """

    processed: int = 0
    sent: dict[str, int] = field(default_factory=dict)
    blocked: int = 0
    escalated: int = 0
    errors: int = 0

    def add(self, other: RunReport) -> None:
        self.processed += other.processed
        for channel, n in other.sent.items():
            self.sent[channel] = self.sent.get(channel, 0) + n
        self.blocked += other.blocked
        self.escalated += other.escalated
        self.errors += other.errors

    def to_json(self) -> dict[str, Any]:
        return {
            "processed": self.processed,
            "sent": dict(sorted(self.sent.items())),
            "blocked": self.blocked,
            "escalated": self.escalated,
            "errors": self.errors,
        }


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _decision_parts(d: ComplianceDecision) -> dict[str, Any]:
    return {
        "allowed": d.allowed,
        "violations": tuple(v.to_json() for v in d.violations),
        "earliest_allowed_at": d.earliest_allowed_at,
        "packs": d.packs,
    }


def _history_without(ctx: ComplianceContext, attempt: Attempt) -> ComplianceContext:
    """The context as it was before ``attempt`` (so it does not count against itself)."""
    at = attempt.sent_at or attempt.new.planned_at
    kept = tuple(
        e
        for e in ctx.history
        if not (e.direction == "outbound" and e.channel == attempt.channel and e.at == at)
    )
    return replace(ctx, history=kept)


@dataclass(frozen=True, slots=True)
class _Account:
    ref: CustomerRef
    row: CustomerRow
    invoices: tuple[AccountInvoice, ...]
    attempts: tuple[Attempt, ...]
    inbound: tuple[InboundRecord, ...]
    unallocated: dict[str, int]
    settlements: tuple[tuple[date, date], ...]
    #: Set when the account was touched more recently than the planner's shortest cadence: its
    #: attempts and inbound messages were not read (``attempts`` and ``inbound`` are empty) and
    #: this, its last contact, stands for its history (see :func:`run_due`).
    quiet_since: datetime | None = None


def _contact_context(acct: _Account, today: date, collector_type: str | None) -> ComplianceContext:
    """The compliance context of an account the loop read (its file, invoices and history)."""
    return contact_context(
        acct.row.customer,
        acct.invoices,
        acct.attempts,
        acct.inbound,
        as_of=today,
        collector_type=collector_type,
    )


def _engagement(attempts: Sequence[Attempt], inbound: Sequence[InboundRecord]) -> Engagement:
    sent = [a for a in attempts if a.status in ("sent", "delivered") and a.sent_at is not None]
    replies = [e for e in inbound if e.kind == "message"]
    channels = []
    for channel in EMBEDDED_CHANNELS:
        n = sum(1 for a in sent if a.channel == channel)
        r = sum(1 for e in replies if e.channel == channel)
        if n or r:
            channels.append(ChannelEngagement(channel, sent=n, replied=r))
    return Engagement(
        channels=tuple(channels),
        response_hours=frozenset(e.received_at.hour for e in replies),
        # Only what reached the debtor is a touch: a final notice waiting for a person's approval
        # does not silence the ordinary reminders (issue #9: while the human queue was behind,
        # accounts at the final-notice age went without any contact for one to two weeks).
        last_contact_at=max((a.sent_at for a in sent if a.sent_at is not None), default=None),
        last_response_at=max((e.received_at for e in replies), default=None),
        touches=len(sent),
        final_notice_sent=any(
            a.new.action == "final_notice" and a.status in FINAL_NOTICE_SETTLED for a in attempts
        ),
        final_notice_pending=any(
            a.new.action == "final_notice" and a.status == "needs_approval" for a in attempts
        ),
    )


def _recipient(row: CustomerRow, channel: str) -> str | None:
    c = row.customer
    values = c.emails if channel == "email" else c.phones
    return values[0] if values else None


@dataclass(frozen=True, slots=True)
class _Candidate:
    channel: str
    recipient: str
    subject: str | None
    text: str
    lang: str
    decision: ComplianceDecision


def _hand_off(
    uow: RuntimeUnitOfWork,
    attempt_id: int,
    attempt: NewAttempt,
    account: str,
    sender: ChannelSender,
    now: datetime,
    report: RunReport,
) -> None:
    message = OutboundMessage(
        channel=attempt.channel,  # type: ignore[arg-type]  # validated by OutboundMessage
        to=attempt.recipient,
        text=attempt.text,
        dedupe_key=attempt.dedupe_key,
        subject=attempt.subject,
        account_ref=account,
    )
    try:
        result = sender.send(message)
    except ChannelUnavailable as exc:
        # Stays ``planned``: the next pass re-checks and retries under the same dedupe key.
        log.warning("hand-off of %s failed transiently: %s", attempt.dedupe_key, exc)
        report.errors += 1
        return
    except InvalidInput as exc:
        uow.runtime.mark_failed(attempt_id, str(exc))
        outcomes.contact_handed_off(
            uow, account=account, attempt_id=attempt_id, sent=False, channel=attempt.channel,
            key=attempt.dedupe_key, error=str(exc),
        )  # fmt: skip
        uow.commit()
        report.errors += 1
        return
    if result.status is SendStatus.REJECTED:
        error = result.error_message or "rejected by the provider"
        uow.runtime.mark_failed(attempt_id, error)
        outcomes.contact_handed_off(
            uow, account=account, attempt_id=attempt_id, sent=False, channel=attempt.channel,
            key=attempt.dedupe_key, provider=result.provider, error=error,
        )  # fmt: skip
    else:
        uow.runtime.mark_sent(
            attempt_id,
            provider=result.provider,
            provider_message_id=result.provider_message_id,
            sent_at=now,
        )
        outcomes.contact_handed_off(
            uow, account=account, attempt_id=attempt_id, sent=True, channel=attempt.channel,
            key=attempt.dedupe_key, provider=result.provider,
            provider_message_id=result.provider_message_id,
        )  # fmt: skip
        report.sent[attempt.channel] = report.sent.get(attempt.channel, 0) + 1
    uow.commit()


def _add_attempt(uow: RuntimeUnitOfWork, new: NewAttempt, account: str) -> int | None:
    """Write an attempt; a new one also gets its audit record (``contact.<status>`` with the
    compliance decision it was checked against), in the same transaction."""
    attempt_id = uow.runtime.add_attempt(new)
    if attempt_id is not None:
        outcomes.contact_recorded(
            uow, account=account, attempt_id=attempt_id, status=new.status, channel=new.channel,
            action=new.action, key=new.dedupe_key,
            decision={"allowed": new.allowed, "violations": list(new.violations),
                      "earliest_allowed_at": new.earliest_allowed_at, "packs": list(new.packs),
                      "planned_at": new.planned_at, "reasons": list(new.reasons)},
        )  # fmt: skip
    return attempt_id


def run_due(
    uow: RuntimeUnitOfWork,
    now: datetime,
    *,
    sender: ChannelSender,
    collector_type: str | None = None,
    rules: PlannerRules | None = None,
    links: PaymentLinks | None = None,
    seed: int = 0,
    shard: tuple[int, int] | None = None,
    channels: Collection[str] | None = None,
) -> RunReport:
    """Process all due work at ``now`` (see the module docstring); commits as it goes.

    ``channels`` limits the channels contacts are planned on to those the sender can deliver
    (default: every channel of :data:`EMBEDDED_CHANNELS`); a channel outside it is never chosen.

    ``shard=(k, n)`` processes only the accounts whose customer id is ``k`` modulo ``n`` (for
    ``n`` workers sharing one run: every account belongs to exactly one shard). Plan servicing
    (advancing plans, evaluating promises, the plan messages of every account) belongs to shard
    ``k == 0`` alone, so it runs once per pass whatever ``n`` is.
    """
    now = ensure_utc(now)
    today = now.date()
    report = RunReport()
    links = links or LocalPortalLinks()
    if shard is not None and not (shard[1] >= 1 and 0 <= shard[0] < shard[1]):
        raise InvalidInput(f"shard must be (k, n) with 0 <= k < n, got {shard!r}")

    def mine(cid: int) -> bool:
        return shard is None or cid % shard[1] == shard[0]

    usable = tuple(c for c in EMBEDDED_CHANNELS if channels is None or c in channels)
    if not usable:
        raise InvalidInput(
            f"no channel to contact debtors on: the sender delivers none of {EMBEDDED_CHANNELS}"
        )

    with uow:
        policy = policy_in_force(uow).policy
        # Plans first: what fell due, was missed or broke today, and the servicing messages due
        # (under the servicing rules of the policy just read).
        servicing = service_plans(uow, today) if shard is None or shard[0] == 0 else None
        invoices: dict[int, list[AccountInvoice]] = defaultdict(list)
        for inv in uow.reports.invoice_balances(today, open_only=True):
            invoices[inv.customer_id].append(inv)
        # Read in bulk once per pass (per-account queries made the loop cost ~12 ms an account).
        unallocated: dict[int, dict[str, int]] = defaultdict(dict)
        for (cid, code), minor in uow.reports.unallocated(today).items():
            unallocated[cid][code] = minor
        suspended = uow.runtime.suspended(today)
        # The accounts due for a decision: an open overdue balance, not suspended.
        overdue: dict[int, int] = {}
        for cid, owed in invoices.items():
            if mine(cid) and cid not in suspended:
                minor = sum(i.open_minor for i in owed if i.open_minor > 0 and i.due_date < today)
                if minor > 0:
                    overdue[cid] = minor
        leftover = [a for a in uow.runtime.attempts(status="planned") if mine(a.customer_id)]
        # Plan messages held earlier can only still be due for a plan still active or a promise
        # still open: only those accounts' plan attempts are read (not every one ever written).
        plan_work = (
            []
            if servicing is None
            else _plan_work(
                servicing.intents,
                uow.runtime.attempts(actions=PLAN_KINDS, customer_ids=servicing.serviced),
                today,
            )
        )
        # Only the accounts with work in this pass are read further: the ones due for a
        # decision, those with a hand-off left over, and (shard 0) those with plan messages (not
        # every account with open items: most owe nothing overdue today, and reading their
        # references and settlements each pass was ~6 % of a simulation).
        busy = {a.customer_id for a in leftover} | {w.customer_id for w in plan_work}
        needed = {*overdue, *busy}
        # Accounts touched more recently than the planner's shortest cadence: whatever else
        # their history holds, the planner's answer for them is the cadence's wait, or what its
        # rules before the cadence decide (a hold, an escalation, a promise's wait) — none of
        # which reads the history. Their attempts and inbound messages (most of a pass's, and
        # growing with every day of a run) are not read; their last contact stands for them.
        shortest = timedelta(days=min((rules or PlannerRules()).cadence_days.values()))
        touched = uow.runtime.last_sent([c for c in overdue if c not in busy]) if overdue else {}
        quiet = {cid: at for cid, at in touched.items() if now < at + shortest}
        full = needed - quiet.keys()
        refs = uow.reports.customer_refs(sorted(needed)) if needed else {}
        settled = uow.reports.settlements(sorted(needed), today) if needed else {}
        # Largest overdue amount first (minor units of the account's currency; no FX), so the
        # largest debts are worked first and reach the human queue first: its items are listed
        # by SLA, and items opened in the same pass share one.
        due = sorted(overdue, key=lambda cid: (-overdue[cid], refs[cid].external_id))
        by_customer: dict[int, list[Attempt]] = defaultdict(list)
        for a in uow.runtime.attempts(customer_ids=full) if full else ():
            by_customer[a.customer_id].append(a)
        inbound: dict[int, list[InboundRecord]] = defaultdict(list)
        for e in uow.runtime.inbound(customer_ids=full) if full else ():
            inbound[e.customer_id].append(e)
        # Customer rows of the accounts with work in this pass (not of every account with open
        # items: most owe nothing overdue today, and their rows were read for nothing).
        rows = uow.ledger.customers([refs[c].external_id for c in sorted(needed)])

        def account(cid: int) -> _Account:
            ref = refs[cid]
            if ref.external_id not in rows:
                rows.update(uow.ledger.customers([ref.external_id]))
            return _Account(
                ref,
                rows[ref.external_id],
                tuple(invoices.get(cid, ())),
                tuple(by_customer.get(cid, ())),
                tuple(inbound.get(cid, ())),
                unallocated.get(cid, {}),
                tuple(settled.get(cid, ())),
                quiet.get(cid),
            )

        # 1. hand-offs left over by a crash or a transient provider failure (and final notices a
        # person approved since the last pass)
        handed: set[int] = set()
        for a in leftover:
            acct = account(a.customer_id)
            ctx = _contact_context(acct, today, collector_type)
            proposal = ProposedContact(
                now, a.channel, a.new.debt_ids, a.new.text, False, a.new.lang, automated=True
            )
            if decide(_history_without(ctx, a), proposal).allowed:
                _hand_off(uow, a.id, a.new, a.account, sender, now, report)
                handed.add(a.customer_id)
            elif now - a.new.planned_at > STALE_AFTER:
                stale = "stale: not allowed to send within a day of planning"
                uow.runtime.mark_failed(a.id, stale)
                outcomes.contact_handed_off(
                    uow, account=a.account, attempt_id=a.id, sent=False, channel=a.channel,
                    key=a.new.dedupe_key, error=stale,
                )  # fmt: skip
                uow.commit()

        # What step 1 has just sent is in the history of its account's later decisions in this
        # pass (steps 1b and 3).
        if handed:
            fresh: dict[int, list[Attempt]] = defaultdict(list)
            for a in uow.runtime.attempts(customer_ids=handed):
                fresh[a.customer_id].append(a)
            by_customer.update(fresh)

        # 1b. plan servicing messages (reminders, retry links, renegotiation offers), and those
        # held by compliance earlier that are still relevant — held while a person has the
        # account's conversation (see HUMAN_OWNED)
        with_people = (
            uow.runtime.with_people({w.customer_id for w in plan_work}) if plan_work else {}
        )
        for pending in plan_work:
            cid = pending.customer_id
            acct = account(cid)
            try:
                wrote = _send_plan_message(
                    uow, acct, refs[cid].external_id, pending, now, sender,
                    collector_type, links, report, usable, with_person=with_people.get(cid),
                )  # fmt: skip
            except AmicableError as exc:
                uow.rollback()
                log.warning("plan message %s not processed: %s", pending.key, exc)
                report.errors += 1
                continue
            if wrote:
                # The account's next message in this pass (another installment's, step 3's) is
                # decided with this one in its history: the contact caps count it.
                by_customer[cid] = uow.runtime.attempts(customer_id=cid)

        # 2. learning outcomes
        for a in uow.runtime.attempts(pending_outcome=True):
            if not mine(a.customer_id) or a.sent_at is None:
                continue
            open_now = sum(
                i.open_minor
                for i in invoices.get(a.customer_id, ())
                if i.currency == a.new.currency
            )
            if open_now < a.new.balance_minor:
                uow.runtime.set_outcome(a.id, "success")
            elif now - a.sent_at >= timedelta(days=OUTCOME_DAYS):
                uow.runtime.set_outcome(a.id, "failure")
        uow.commit()
        learning = LearningState(
            {k: ArmStats(s, f) for k, (s, f) in uow.runtime.outcome_counts().items()}
        )

        # 3. every account with an open overdue balance; what steps 1 and 1b have just sent is
        # the latest touch of its account (an approved final notice is not followed by a
        # reminder beside it)
        stored = uow.payments.escalations() if due else ()
        released = _released(stored, _POLICY_ESCALATION)
        follow_up_released = _released(stored, _FOLLOW_UP_ESCALATION)
        for cid in due:
            report.processed += 1
            try:
                _process(
                    uow, account(cid), refs[cid].external_id, now, policy, learning, sender,
                    collector_type, rules, links, seed, report, usable,
                    released=cid in released, follow_up_released=cid in follow_up_released,
                )  # fmt: skip
            except AmicableError as exc:
                uow.rollback()
                log.warning("account %s not processed: %s", refs[cid].external_id, exc)
                report.errors += 1
    return report


def _released(stored: Sequence[StoredEscalation], reason: str) -> set[int]:
    """The accounts whose latest escalation for ``reason`` a person has decided (closed): the
    planner's escalation was put to people and the account handed back, so the planner goes on
    chasing instead of escalating it again (``planner:policy_escalate``: without offers;
    ``planner:follow_up_ended``: at the stage's cadence). A take-over keeps the escalation open
    (the account is suspended then), so it never counts here."""
    latest: dict[int, StoredEscalation] = {}
    for e in stored:  # in id order: the last one of an account wins
        if e.reason == reason:
            latest[e.customer_id] = e
    return {cid for cid, e in latest.items() if e.status == "closed"}


def _process(
    uow: RuntimeUnitOfWork,
    acct: _Account,
    ref: str,
    now: datetime,
    policy: Any,
    learning: LearningState,
    sender: ChannelSender,
    collector_type: str | None,
    rules: PlannerRules | None,
    links: PaymentLinks,
    seed: int,
    report: RunReport,
    channels: Sequence[str] = EMBEDDED_CHANNELS,
    *,
    released: bool = False,
    follow_up_released: bool = False,
) -> None:
    today = now.date()
    ledger = facts_of(
        acct.ref, acct.row.customer, acct.invoices, acct.unallocated, acct.settlements, today
    )[0]
    pfacts = policy_facts(ledger)
    if pfacts is None or ledger.currency is None:
        return
    space = evaluate(policy, pfacts, as_of=today)
    code = ledger.currency
    balance = pfacts.balance
    customer = acct.row.customer
    engagement = (
        _engagement(acct.attempts, acct.inbound)
        if acct.quiet_since is None
        else Engagement(last_contact_at=acct.quiet_since)
    )
    situation = AccountSituation(
        account=ref,
        customer_type=customer.customer_type,
        balance=balance,
        days_past_due=ledger.max_days_past_due,
        policy_action=space.action,
        plans_allowed=space.plan is not None,
        dispute_open=ledger.open_dispute,
        escalation_released=released,
        follow_up_released=follow_up_released,
    )
    # The planner first without the channels: most accounts in a pass get a decision that never
    # looks at them (a dispute, a policy hold or escalation, the cadence's wait), and then the
    # compliance context and one ``decide`` per channel with its reminder text (about a third of
    # an account's time) are not needed. Only when it reaches the channels (it answers "no
    # permitted channel" to none) is it asked again, with them — the same pure function on the
    # same facts, so the decision is the one it would have made with the channels from the start.
    action = plan_next_action(situation, (), engagement, learning, now=now, rules=rules, seed=seed)
    if not any(r.code == "no_permitted_channel" for r in action.reasons):
        if action.action is Action.ESCALATE:
            _escalate(uow, acct, ref, action, today, report)
        return  # otherwise a wait or a hold: carried out, it would store nothing
    if acct.quiet_since is not None:  # pragma: no cover - the cadence waits for a quiet account
        # Its history was not read on the ground that the cadence waits: the planner went past
        # the cadence all the same, so it is read and the account planned again in full.
        rid = acct.row.id
        history = replace(
            acct,
            attempts=tuple(uow.runtime.attempts(customer_id=rid)),
            inbound=tuple(uow.runtime.inbound(customer_id=rid)),
            quiet_since=None,
        )
        _process(
            uow, history, ref, now, policy, learning, sender, collector_type, rules, links, seed,
            report, channels, released=released, follow_up_released=follow_up_released,
        )  # fmt: skip
        return
    owed = [i for i in acct.invoices if i.open_minor > 0 and i.currency == code]
    debt_ids = tuple(i.number for i in owed)
    ctx = _contact_context(acct, today, collector_type)
    first = not any(a.status in ("sent", "delivered", "planned") for a in acct.attempts)
    link = links.link_for(ref, balance)
    third_party = ctx.collector_type == "third_party"
    consumer = customer.customer_type == "consumer"
    # The planner's tone is only known after planning; the text checked per channel is the
    # plain reminder at the stage's tone, and the final text is re-checked below.
    candidates: dict[str, _Candidate] = {}
    for channel in channels:
        to = _recipient(acct.row, channel)
        if to is None:
            continue
        r = reminder(
            action=channel, channel=channel, lang=customer.language, tone=1, name=customer.name,
            creditor=uow.org_name, balance=balance, invoices=debt_ids,
            days_past_due=ledger.max_days_past_due, link=link, third_party=third_party,
            consumer=consumer, first_communication=first,
        )  # fmt: skip
        proposal = ProposedContact(now, channel, debt_ids, r.text, first, r.lang, automated=True)
        candidates[channel] = _Candidate(
            channel, to, r.subject, r.text, r.lang, decide(ctx, proposal)
        )
    permissions = tuple(
        ChannelPermission(
            c.channel, c.channel not in ctx.debtor.opt_outs, c.decision.earliest_allowed_at
        )
        for c in candidates.values()
    )
    action = plan_next_action(
        situation, permissions, engagement, learning, now=now, rules=rules, seed=seed
    )
    if action.action is Action.ESCALATE:  # pragma: no cover - decided without the channels
        _escalate(uow, acct, ref, action, today, report)
        return
    act = _Act(
        uow, acct, ref, now, ctx, candidates, balance, debt_ids, ledger.max_days_past_due, link,
        first, sender, report,
    )  # fmt: skip
    if act.carry_out(action) and action.action is Action.FINAL_NOTICE:
        # The final notice waits for a person's approval; the debt is still reminded meanwhile
        # (the planner's ordinary contact, checked with compliance like any other).
        meanwhile = replace(engagement, final_notice_pending=True)
        act.carry_out(
            plan_next_action(
                situation, permissions, meanwhile, learning, now=now, rules=rules, seed=seed
            )
        )


def _escalate(
    uow: RuntimeUnitOfWork,
    acct: _Account,
    ref: str,
    action: NextAction,
    today: date,
    report: RunReport,
) -> None:
    """Into the human queue (the payments area's escalations): an open escalation suspends
    chasing, so the account is escalated once, not on every pass."""
    message = "; ".join(r.text for r in action.reasons)
    esc_id = uow.payments.add_escalation(
        acct.row.id, plan_id=None, promise_id=None,
        reason=f"planner:{action.reasons[0].code}", message=message, raised_on=today,
    )  # fmt: skip
    open_item(
        uow, customer_id=acct.row.id, source="planner", source_id=esc_id,
        source_ref=f"account:{ref}", reason=f"planner:{action.reasons[0].code}",
        summary=message,
    )  # fmt: skip
    uow.commit()
    report.escalated += 1


@dataclass(slots=True)
class _Act:
    """Carries out one planner decision about an account in a pass (see :func:`_process`)."""

    uow: RuntimeUnitOfWork
    acct: _Account
    ref: str
    now: datetime
    ctx: ComplianceContext
    candidates: dict[str, _Candidate]
    balance: Money
    debt_ids: tuple[str, ...]
    days_past_due: int
    link: str
    first: bool
    sender: ChannelSender
    report: RunReport

    def carry_out(self, action: NextAction) -> bool:
        """Store (and hand off) ``action``; true when it went to a person for approval."""
        uow, acct, ref, now, report = self.uow, self.acct, self.ref, self.now, self.report
        balance, debt_ids, candidates = self.balance, self.debt_ids, self.candidates
        reasons = tuple(r.to_json() for r in action.reasons)
        if action.action is Action.ESCALATE:  # pragma: no cover - handled by the caller
            raise InvalidInput("an escalation is not a contact")
        if action.channel is None:
            if action.action is Action.HOLD and any(
                r.code == "no_permitted_channel" for r in action.reasons
            ):
                for c in candidates.values():  # one blocked record per day: the evidence of why
                    _store_blocked(
                        uow, acct, ref, c, now, action, reasons, balance, debt_ids, report
                    )
                    break
            return False
        customer = acct.row.customer
        c = candidates[action.channel]
        r = reminder(
            action=action.action.value, channel=c.channel, lang=customer.language,
            tone=action.tone, name=customer.name, creditor=uow.org_name, balance=balance,
            invoices=debt_ids, days_past_due=self.days_past_due, link=self.link,
            third_party=self.ctx.collector_type == "third_party",
            consumer=customer.customer_type == "consumer", first_communication=self.first,
        )  # fmt: skip
        final = replace(c, subject=r.subject, text=r.text, lang=r.lang)
        if action.at > now:
            # The channel's window opens later: evidence of the block, once per day.
            _store_blocked(uow, acct, ref, final, now, action, reasons, balance, debt_ids, report)
            return False
        decision = decide(
            self.ctx, ProposedContact(now, c.channel, debt_ids, r.text, self.first, r.lang)
        )
        final = replace(final, decision=decision)
        if not decision.allowed:
            _store_blocked(uow, acct, ref, final, now, action, reasons, balance, debt_ids, report)
            return False
        status = "needs_approval" if action.needs_approval else "planned"
        new = _new_attempt(
            acct, final, now, action, reasons, balance, debt_ids, status,
            f"{ref}:{c.channel}:{action.action.value}:{now.date().isoformat()}",
        )  # fmt: skip
        attempt_id = _add_attempt(uow, new, ref)
        if attempt_id is not None and action.needs_approval:
            # Into the human queue as an approval request (released by ``queue approve``).
            open_item(
                uow, customer_id=acct.row.id, source="attempt", source_id=attempt_id,
                source_ref=new.dedupe_key, reason="final_notice",
                summary=f"{action.action.value} by {c.channel} to {ref}: {r.text[:200]}",
            )  # fmt: skip
        uow.commit()
        if attempt_id is None:
            return False  # already done today (a second pass on the same day)
        if action.needs_approval:
            report.escalated += 1
            return True
        _hand_off(uow, attempt_id, new, ref, sender=self.sender, now=now, report=report)
        return False


def _new_attempt(
    acct: _Account,
    c: _Candidate,
    now: datetime,
    action: NextAction,
    reasons: tuple[dict[str, str], ...],
    balance: Money,
    debt_ids: tuple[str, ...],
    status: str,
    key: str,
) -> NewAttempt:
    d = _decision_parts(c.decision)
    return NewAttempt(
        customer_id=acct.row.id, channel=c.channel, action=action.action.value, dedupe_key=key,
        planned_at=now, allowed=d["allowed"], violations=d["violations"],
        earliest_allowed_at=d["earliest_allowed_at"], packs=d["packs"], recipient=c.recipient,
        subject=c.subject, text=c.text, lang=c.lang, debt_ids=debt_ids, reasons=reasons,
        status=status, currency=balance.code, balance_minor=balance.minor, segment=action.segment,
    )  # fmt: skip


def _store_blocked(
    uow: RuntimeUnitOfWork,
    acct: _Account,
    ref: str,
    c: _Candidate,
    now: datetime,
    action: NextAction,
    reasons: tuple[dict[str, str], ...],
    balance: Money,
    debt_ids: tuple[str, ...],
    report: RunReport,
) -> None:
    if c.decision.allowed:
        return  # not a compliance block (the planner moved it to the debtor's active hours)
    key = f"{ref}:{c.channel}:{action.action.value}:{now.date().isoformat()}:blocked"
    new = _new_attempt(
        acct, c, now, action, reasons, balance, debt_ids, "blocked", key,
    )  # fmt: skip
    if _add_attempt(uow, new, ref) is not None:
        report.blocked += 1
    uow.commit()


# -- plan servicing messages -----------------------------------------------------------------

#: The strategy segment recorded on plan servicing attempts (their own learning arm).
PLAN_SEGMENT: Final = "plan_servicing"


@dataclass(frozen=True, slots=True)
class _PlanWork:
    """A plan servicing message to attempt: a fresh intent of today's run, or one held by
    compliance on an earlier pass. ``key`` (the dedupe key of the sent attempt) is
    ``<account>:plan:<plan>:<installment>:<kind>:<date the intent arose>``, written with the
    account's reference when it is known."""

    customer_id: int
    plan_key: str
    installment: int
    kind: str
    arose_on: date
    offset_days: int | None
    rule_id: str
    message: str
    renegotiable: bool = False

    @property
    def key(self) -> str:
        return f"plan:{self.plan_key}:{self.installment}:{self.kind}:{self.arose_on.isoformat()}"

    def reasons(self) -> tuple[dict[str, str], ...]:
        return (
            {
                "code": self.rule_id,
                "text": self.message,
                "plan": self.plan_key,
                "installment": str(self.installment),
                "kind": self.kind,
                "arose_on": self.arose_on.isoformat(),
                "offset_days": "" if self.offset_days is None else str(self.offset_days),
                "renegotiable": "yes" if self.renegotiable else "",
            },
        )


def _plan_work(
    intents: Sequence[OutboundIntent], attempts: Sequence[Attempt], today: date
) -> list[_PlanWork]:
    """Today's intents, then the held ones of earlier passes never sent since (oldest first),
    each only if no newer message of its kind about its installment arose."""
    work: dict[str, _PlanWork] = {}
    # One message about one missed installment, not two: the retry link also invites the debtor
    # to ask for a new schedule when a renegotiation is offered for the same miss.
    offered = {(i.plan_key, i.installment) for i in intents if i.kind == "renegotiation_offer"}
    relinked = {(i.plan_key, i.installment) for i in intents if i.kind == "retry_link"}
    # Today's intents first: a fresh one carries today's amounts and reasons.
    for i in intents:
        if i.kind == "renegotiation_offer" and (i.plan_key, i.installment) in relinked:
            continue
        if i.kind in PLAN_KINDS and i.installment is not None:
            renegotiable = i.kind == "retry_link" and (i.plan_key, i.installment) in offered
            w = _PlanWork(i.customer_id, i.plan_key, i.installment, i.kind, today,
                          i.offset_days, i.rule_id, i.message, renegotiable)  # fmt: skip
            work.setdefault(w.key, w)
    recorded: list[tuple[Attempt, _PlanWork]] = []
    for a in sorted(attempts, key=lambda a: a.new.planned_at):
        found = _recorded_work(a) if a.new.action in PLAN_KINDS else None
        if found is not None:
            recorded.append((a, found))
    # Written, sent or given up (stale, rejected): never attempted again.
    done = {w.key for a, w in recorded if a.status != "blocked"}
    held: dict[str, _PlanWork] = {}
    for a, w in recorded:
        if a.status == "blocked" and w.key not in done and w.key not in work:
            held.setdefault(w.key, w)
    # A newer message of the same kind about the same installment supersedes an older one still
    # held (two reminders of one installment are never sent together after a weekend).
    newest: dict[tuple[str, int, str], date] = {}
    for w in [*work.values(), *(w for _, w in recorded)]:
        slot = (w.plan_key, w.installment, w.kind)
        newest[slot] = max(newest.get(slot, w.arose_on), w.arose_on)
    return [
        w
        for w in [*work.values(), *held.values()]
        if w.arose_on == newest[(w.plan_key, w.installment, w.kind)]
    ]


def _recorded_work(a: Attempt) -> _PlanWork | None:
    """The plan work a stored plan servicing attempt was for (from its reasons)."""
    if not a.new.reasons:
        return None
    r = a.new.reasons[0]
    try:
        return _PlanWork(
            a.customer_id, r["plan"], int(r["installment"]), r["kind"],
            date.fromisoformat(r["arose_on"]),
            int(r["offset_days"]) if r.get("offset_days") else None, r["code"], r["text"],
            bool(r.get("renegotiable")),
        )  # fmt: skip
    except (KeyError, ValueError):
        return None


def _servicing_target(
    uow: RuntimeUnitOfWork, work: _PlanWork, today: date
) -> tuple[int, date, Money, bool, str | None] | None:
    """What a servicing message is about while it is still relevant: ``(number, due date, amount
    left, before the due date, creditor reference)`` of the plan's installment or the promise's
    part; ``None`` when there is nothing left to say (paid, completed, broken, renegotiated
    away, or a reminder before a date that has passed)."""
    if work.kind == "promise_reminder":
        promise = next(
            (
                sp.promise
                for sp in uow.payments.promises(customer_id=work.customer_id, status="open")
                if sp.promise.id == work.plan_key
            ),
            None,
        )
        if promise is None or not 1 <= work.installment <= len(promise.parts):
            return None  # kept or broken since
        due = promise.parts[work.installment - 1].on
        if today > due:
            return None  # the promise's own evaluation speaks after its date
        received = uow.payments.received_since(
            work.customer_id, promise.currency.code, promise.made_on
        )
        facts = [PaymentFact(Money.from_minor(m, promise.currency), on) for on, m in received]
        left = part_left(promise, facts, today, work.installment)
        return (work.installment, due, left, True, None) if left.is_positive() else None
    plan = uow.payments.plan(work.plan_key).plan
    if plan.status is not PlanStatus.ACTIVE:
        return None  # completed or broken since: nothing to remind of
    try:
        inst = plan.installment(work.installment)
    except NotFound:
        return None  # renegotiated away
    if (
        inst.status in (InstallmentStatus.PAID, InstallmentStatus.WAIVED)
        or inst.paid >= inst.amount
    ):
        return None
    before_due = work.kind == "plan_reminder" and (work.offset_days or 0) >= 0
    if before_due and today > inst.due_date:
        return None  # a reminder before the due date is no longer one; the overdue rules take over
    if work.kind == "plan_reminder" and not before_due and inst.status is InstallmentStatus.MISSED:
        return None  # a reminder inside grace after grace has run out
    return inst.number, inst.due_date, inst.amount - inst.paid, before_due, plan.reference


def _send_plan_message(
    uow: RuntimeUnitOfWork,
    acct: _Account,
    ref: str,
    work: _PlanWork,
    now: datetime,
    sender: ChannelSender,
    collector_type: str | None,
    links: PaymentLinks,
    report: RunReport,
    channels: Sequence[str] = EMBEDDED_CHANNELS,
    *,
    with_person: str | None = None,
) -> bool:
    """Attempt one plan servicing message while it is still relevant: through ``decide`` on each
    channel with a recipient (email, SMS, WhatsApp in that order); the first allowed is written
    with its decision, committed, then handed off; with none allowed, one ``blocked`` record a day
    carries the decision that allows soonest (and brings the message back on later passes).
    ``with_person`` (the reason of an escalated conversation a person has) holds it the same
    way, with :data:`HUMAN_OWNED` as the reason, until the escalation is closed.
    True when an attempt was written (the account's history changed)."""
    today = now.date()
    target = _servicing_target(uow, work, today)
    if target is None:
        return False  # nothing left to remind of
    number, due_date, amount, before_due, plan_reference = target
    customer = acct.row.customer
    owed = [i for i in acct.invoices if i.open_minor > 0 and i.currency == amount.code]
    debt_ids = tuple(i.number for i in owed) or (work.plan_key,)
    balance = Money.sum((Money.from_minor(i.open_minor, i.currency) for i in owed), amount.code)
    ctx = contact_context(
        customer, acct.invoices, acct.attempts, acct.inbound, as_of=today,
        collector_type=collector_type,
    )  # fmt: skip
    first = not any(a.status in ("sent", "delivered", "planned") for a in acct.attempts)
    link = links.link_for(ref, amount)
    key = f"{ref}:{work.key}"
    candidates: list[_Candidate] = []
    for channel in channels:
        to = _recipient(acct.row, channel)
        if to is None:
            continue
        m = plan_message(
            kind=work.kind, channel=channel, lang=customer.language, name=customer.name,
            creditor=uow.org_name, installment=number, amount=amount, due_date=due_date,
            overdue=not before_due, renegotiable=work.renegotiable, link=link,
            reference=plan_reference,
            third_party=ctx.collector_type == "third_party",
            consumer=customer.customer_type == "consumer", first_communication=first,
        )  # fmt: skip
        if with_person is not None:
            decision = _held_for_person(with_person)
        else:
            proposal = ProposedContact(
                now, channel, debt_ids, m.text, first, m.lang, automated=True
            )
            decision = decide(ctx, proposal)
        candidates.append(_Candidate(channel, to, m.subject, m.text, m.lang, decision))
    if not candidates:
        log.warning("plan message %s: the account has no written channel", key)
        return False
    allowed = [c for c in candidates if c.decision.allowed]
    if not allowed:
        far = datetime.max.replace(tzinfo=UTC)
        soonest = min(candidates, key=lambda c: c.decision.earliest_allowed_at or far)
        held = _plan_attempt(acct, soonest, now, work, balance, debt_ids, "blocked",
                             f"{key}:blocked:{today.isoformat()}")  # fmt: skip
        written = _add_attempt(uow, held, ref) is not None
        if written:
            report.blocked += 1
        uow.commit()
        return written
    new = _plan_attempt(acct, allowed[0], now, work, balance, debt_ids, "planned", key)
    attempt_id = _add_attempt(uow, new, ref)
    uow.commit()
    if attempt_id is None:
        return False  # already sent (a second pass on the same day)
    _hand_off(uow, attempt_id, new, ref, sender, now, report)
    return True


#: The rule a plan servicing message is held under while a person has the account's conversation.
#: The debtor was told a person would contact them and, for most reasons, that no payment would
#: be asked meanwhile (a hardship, a dispute, a lawyer or a wrong number are not met with
#: payment reminders either); only a request to change the arrangement itself leaves its
#: reminders going ("your arrangement stays as agreed").
HUMAN_OWNED: Final = "amicable.human_owned"


def _held_for_person(reason: str) -> ComplianceDecision:
    return ComplianceDecision(
        False,
        (
            Violation(
                HUMAN_OWNED,
                f"a person has this account's conversation (escalated: {reason}); plan "
                "messages wait until the escalation is closed",
                "amicable: the debtor was told a person takes the case from here",
            ),
        ),
        None,
    )


def _plan_attempt(
    acct: _Account,
    c: _Candidate,
    now: datetime,
    work: _PlanWork,
    balance: Money,
    debt_ids: tuple[str, ...],
    status: str,
    key: str,
) -> NewAttempt:
    d = _decision_parts(c.decision)
    return NewAttempt(
        customer_id=acct.row.id, channel=c.channel, action=work.kind, dedupe_key=key,
        planned_at=now, allowed=d["allowed"], violations=d["violations"],
        earliest_allowed_at=d["earliest_allowed_at"], packs=d["packs"], recipient=c.recipient,
        subject=c.subject, text=c.text, lang=c.lang, debt_ids=debt_ids, reasons=work.reasons(),
        status=status, currency=balance.code, balance_minor=balance.minor, segment=PLAN_SEGMENT,
    )  # fmt: skip


# -- inbound ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InboundResult:
    """What :func:`receive_inbound` did with one event.

    Attributes:
        event_id: the event's id (generated when none was given).
        duplicate: the event had been processed before; nothing was done again.
        kind: ``message``, ``opt_out``, ``opt_in`` or ``help``.
        result: the stored result: the agent's reply turn (``amicable chat`` line shape) for a
            message, the consent change for a keyword.
    """

    event_id: str
    duplicate: bool
    kind: str
    account: str
    channel: str
    result: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "duplicate": self.duplicate,
            "account": self.account,
            "channel": self.channel,
            "kind": self.kind,
            **self.result,
        }


def _keyword(text: str) -> str:
    word = text.strip().strip(".!").lower()
    if word in _STOP_WORDS:
        return "opt_out"
    if word in _START_WORDS:
        return "opt_in"
    if word in _HELP_WORDS:
        return "help"
    return "message"


def receive_inbound(
    uow: RuntimeUnitOfWork,
    account_ref: str,
    channel: str,
    text: str,
    *,
    now: datetime,
    event_id: str | None = None,
    provider: str = "cli",
    links: PaymentLinks | None = None,
    keyword: str | None = None,
) -> InboundResult:
    """Record one inbound message (idempotent by ``(provider, event_id)``) and act on it: a
    STOP / START / HELP keyword changes or explains the channel's consent; anything else is a
    turn of the account's conversation on ``channel`` (``handle_inbound``). ``keyword``
    (``opt_out`` / ``opt_in`` / ``help``) is a keyword the provider already acted on (Twilio's
    ``OptOutType``); None: detected from the text."""
    now = ensure_utc(now)
    if channel not in ("email", "sms", "whatsapp", "chat", "call"):
        raise InvalidInput(f"unknown inbound channel {channel!r}")
    if not text.strip():
        raise InvalidInput("an inbound message needs some text")
    if keyword not in (None, "opt_out", "opt_in", "help"):
        raise InvalidInput(f"unknown inbound keyword kind {keyword!r}")
    event_id = event_id or f"{provider}-{uuid.uuid4().hex}"
    kind = keyword or (_keyword(text) if channel != "call" else "message")
    with uow:
        ref = resolve_account(uow, account_ref)
        known = uow.runtime.inbound_event(provider, event_id)
        if known is not None:
            if known.customer_id != ref.id:
                raise InvalidInput(f"event {event_id!r} was already recorded for another account")
            return InboundResult(event_id, True, known.kind, ref.external_id, known.channel,
                                 known.result)  # fmt: skip
        row_id = uow.runtime.claim_inbound(
            provider=provider, event_id=event_id, customer_id=ref.id, channel=channel,
            kind=kind, text=text, received_at=now,
        )  # fmt: skip
        if row_id is None:  # claimed concurrently
            raise InvalidInput(f"event {event_id!r} is being processed")
        result: dict[str, Any]
        if kind in ("opt_out", "opt_in"):
            record_consent(uow, ref.external_id, channel, granted=kind == "opt_in", at=now,
                           source=f"inbound {text.strip().upper()} ({provider} {event_id})")  # fmt: skip
            reply = (
                "You will receive no more messages here. Reply START to opt back in."
                if kind == "opt_out"
                else "You are subscribed again. Reply STOP to opt out."
            )
            result = {"consent": {"channel": channel, "granted": kind == "opt_in"}, "reply": reply}
        elif kind == "help":
            result = {
                "reply": f"{uow.org_name}: messages about your account. Reply STOP to opt out.",
                "consent": None,
            }
        else:
            try:
                turn = handle_inbound(uow, ref.external_id, channel, text, today=now.date(),
                                      links=links)  # fmt: skip
                result = {**turn.to_json(), "consent": None}
            except NothingOwedError:
                # Paid up: no turn to take, but the message is kept, a stop honoured and a
                # matter for a person queued (amicable.service.settled) — never dropped.
                result = {
                    **settled_message(uow, ref, channel, text, today=now.date(),
                                      inbound_id=row_id, inbound_ref=f"{provider}:{event_id}"),
                    "consent": None,
                }  # fmt: skip
        uow.runtime.set_inbound_result(row_id, result)
        uow.commit()
    return InboundResult(event_id, False, kind, ref.external_id, channel, result)


# -- approved terms ---------------------------------------------------------------------------


def offer_approved_terms(
    uow: RuntimeUnitOfWork,
    conversation_id: int,
    *,
    item_id: int,
    collector_type: str | None = None,
    links: PaymentLinks | None = None,
) -> dict[str, Any] | None:
    """Put the terms a person approved back to the debtor of escalated conversation
    ``conversation_id`` (called by ``queue approve``, in its transaction; the caller commits).

    The conversation resumes with the terms on the table
    (:func:`~amicable.service.conversations.resume_approved_terms`) and the message saying so is
    written as a ``planned`` attempt on the conversation's channel, with the compliance decision
    at ``uow.now`` — the next pass re-checks it with ``decide`` and hands it off like an approved
    final notice (step 1), never outside the contact rules; one the rules never allow on that
    channel (an opt-out since) is stored ``blocked`` and never sent. On a channel the loop cannot write
    on (chat) or without an address, no attempt is written: the terms wait in the conversation
    for the debtor's next message. Returns ``{"terms", "conversation", "attempt"}`` (``attempt``
    ``None`` then), or ``None`` when the conversation proposed no terms. The attempt's dedupe
    key names the queue item ``item_id`` approved (one message per approval).
    """
    resumed = resume_approved_terms(uow, conversation_id, links=links)
    if resumed is None:
        return None
    turn, customer_id, ref = resumed
    state = turn.state
    if state.approved is None:  # pragma: no cover - resume_approved_terms always sets them
        raise InvalidInput(f"conversation {conversation_id} resumed without approved terms")
    terms = offer_to_json(state.approved)
    out: dict[str, Any] = {"terms": terms, "conversation": conversation_id, "attempt": None}
    if turn.reply is None or state.channel not in EMBEDDED_CHANNELS:
        return out
    row = uow.ledger.customers([ref])[ref]
    to = _recipient(row, state.channel)
    if to is None:
        return out
    now = uow.now
    today = now.date()
    invoices = [i for i in uow.reports.invoice_balances(today, customer_id) if i.open_minor]
    ctx = contact_context(
        row.customer, invoices, uow.runtime.attempts(customer_id=customer_id),
        uow.runtime.inbound(customer_id=customer_id), as_of=today, collector_type=collector_type,
    )  # fmt: skip
    owed = tuple(i.number for i in invoices if i.open_minor > 0)
    decision = decide(
        ctx,
        ProposedContact(now, state.channel, owed, turn.reply, False, state.lang, automated=True),
    )
    d = _decision_parts(decision)
    # Not allowed now but later (a contact window): planned, for the next pass to re-check. Never
    # allowed on this channel (an opt-out, a cease): blocked — the evidence, never handed off.
    allowed_later = decision.allowed or decision.earliest_allowed_at is not None
    status = "planned" if allowed_later else "blocked"
    open_minor = sum(i.open_minor for i in invoices if i.currency == state.currency)
    new = NewAttempt(
        customer_id=customer_id, channel=state.channel, action="approved_offer",
        dedupe_key=f"{ref}:{state.channel}:approved_offer:{item_id}", planned_at=now,
        allowed=d["allowed"], violations=d["violations"],
        earliest_allowed_at=d["earliest_allowed_at"], packs=d["packs"], recipient=to,
        subject=account_subject(state.lang, uow.org_name) if state.channel == "email" else None,
        text=turn.reply, lang=state.lang, debt_ids=owed,
        reasons=({"code": "approved_terms", "text": f"terms approved in conversation {conversation_id}"},),
        status=status, currency=state.currency, balance_minor=open_minor, segment="approved",
    )  # fmt: skip
    out["attempt"] = _add_attempt(uow, new, ref)
    return out


# -- outbox queries ---------------------------------------------------------------------------


def outbox_list(
    uow: RuntimeUnitOfWork, *, account: str | None = None, status: str | None = None
) -> list[Attempt]:
    """Outbox attempts, optionally of one account and / or one status."""
    with uow:
        cid = None if account is None else resolve_account(uow, account).id
        return uow.runtime.attempts(customer_id=cid, status=status)


def outbox_show(uow: RuntimeUnitOfWork, attempt_id: int) -> Attempt:
    """One attempt with its message and compliance decision."""
    with uow:
        found = uow.runtime.attempt(attempt_id)
    if found is None:
        raise NotFound(f"no outbox attempt {attempt_id}")
    return found


# -- simulated runs ---------------------------------------------------------------------------

#: The instants of a simulated day at which due work is processed (UTC): morning in Europe,
#: morning and afternoon on the US east coast, afternoon on the west coast — a few business-hour
#: slots so every debtor's contact window is met at least once a weekday.
SEND_SLOTS: Final = (time(9, 0), time(14, 0), time(19, 0))


def run_days(
    make_uow: Callable[[], RuntimeUnitOfWork],
    clock: SimulatedClock,
    *,
    start: date,
    until: date,
    sender: ChannelSender,
    not_before: datetime | None = None,
    slots: Sequence[time] = SEND_SLOTS,
    collector_type: str | None = None,
    rules: PlannerRules | None = None,
    seed: int = 0,
    channels: Collection[str] | None = None,
) -> RunReport:
    """Step ``clock`` through every slot of every day from ``start`` to ``until`` (inclusive),
    running :func:`run_due` at each; slots before ``not_before`` are skipped. ``processed`` counts
    account passes (an account looked at in three slots counts three times)."""
    if until < start:
        raise InvalidInput(f"--until {until} is before the start of the run {start}")
    total = RunReport()
    day = start
    while day <= until:
        for slot in slots:
            at = datetime.combine(day, slot, tzinfo=UTC)
            if not_before is not None and at < not_before:
                continue
            clock.set(at)
            total.add(
                run_due(
                    make_uow(), at, sender=sender, collector_type=collector_type, rules=rules,
                    seed=seed, channels=channels,
                )
            )  # fmt: skip
        day += timedelta(days=1)
    return total
