"""The next-best-action planner: what to do next on one account, on which channel, when, in
which tone — and why.

:func:`plan_next_action` is a pure function of the account's situation, what compliance allows
per channel (consent and ``earliest_allowed_at`` from ``compliance.decide``), engagement signals,
the learning state and ``now``. The rules, in the order they are applied (first match wins):

1. an open dispute → ``hold``; the policy's segment action ``hold`` / ``escalate`` → the same,
   unless a person has already decided that escalation and released the account
   (``escalation_released``): then the rules below apply with no offer at all (plain reminders,
   a payment link for the balance, the final notice with its approval) — never a plan offer, as
   an ``escalate`` segment allows no offer;
2. more than ``follow_up_days`` (365) past due → ``escalate`` (follow-up ended), unless a person
   has already decided that escalation and closed it (``follow_up_released``): then the rules
   below apply (chasing goes on at the stage's cadence) instead of the same escalation again;
3. a promise to pay or a payment plan in good standing → ``wait`` until it falls due
   (chasing is suspended);
4. not yet due and more than ``pre_due_days`` before the due date → ``wait``;
5. the last touch is more recent than the stage's cadence (re-engagement cadence once the
   debtor has been silent for ``silence_days`` late in the life of the debt) → ``wait``;
6. no channel with consent and a permitted time → ``hold`` (nothing lawful to do);
7. the final-notice age reached and no final notice sent or awaiting approval → ``final_notice``
   on the best written channel, which **needs human approval**; while it awaits that approval the
   account is not silenced: rule 8 goes on at the stage's cadence (``final_notice_pending``) —
   the approval is about the firm notice, not about whether the debt may be reminded;
8. otherwise a channel is chosen by expected value ``rate × m × V − cost``: ``rate`` is the
   learned success rate of the (segment, channel) arm (Thompson sampling with bounded
   exploration, :mod:`amicable.strategy.learning`), ``V`` the balance × P(pay) (risk model),
   ``m`` the engagement multiplier (replied on it ×2, stated preference ×1.5, opened but did not
   pay ×0.5 so the next touch switches channel, ignored twice ×0.3); the content is then a
   ``voicemail`` (calls unanswered twice), a ``payment_link`` (a message was opened but not
   paid: make paying one tap), a ``plan_offer`` (31+ days past due, risky, policy negotiates)
   or the plain channel reminder.

Timing: ``at = max(now, earliest_allowed_at)`` of the chosen channel — never earlier; when the
caller gives the hours compliance allows for the channel and the debtor has response hours,
``at`` moves to the first such hour within 24 h. The runtime re-checks compliance at ``at``
before sending (``compliance.decide`` is authoritative). Tone rises with the stage, broken
promises and unanswered touches, capped by the policy's ``max_tone``.

Invariants: pure (no clock, no I/O); a contact decision's channel always had consent and a
permitted time, and its ``at`` is never before that channel's ``earliest_allowed_at`` nor before
``now``; ``final_notice`` always has ``needs_approval``; every decision carries at least one
machine-readable reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final

from amicable.domain.clock import ensure_utc
from amicable.domain.errors import InvalidInput
from amicable.domain.money import Money
from amicable.policy.model import Action as PolicyAction
from amicable.strategy.learning import Choice, ExplorationBounds, LearningState, choose
from amicable.strategy.segments import segment_of, stage_of

__all__ = [
    "CHANNELS",
    "AccountSituation",
    "Action",
    "ChannelEngagement",
    "ChannelPermission",
    "Engagement",
    "NextAction",
    "PlannerRules",
    "Reason",
    "plan_next_action",
]

#: Contact channels, in the order ties are broken (cheapest and least intrusive first).
CHANNELS: Final = ("email", "sms", "whatsapp", "call")
_WRITTEN: Final = ("email", "whatsapp", "sms")


class Action(StrEnum):
    """What the planner decides."""

    WAIT = "wait"
    EMAIL = "email"
    SMS = "sms"
    WHATSAPP = "whatsapp"
    CALL = "call"
    VOICEMAIL = "voicemail"
    PAYMENT_LINK = "payment_link"
    PLAN_OFFER = "plan_offer"
    FINAL_NOTICE = "final_notice"
    ESCALATE = "escalate"
    HOLD = "hold"


_CHANNEL_ACTION: Final = {
    "email": Action.EMAIL,
    "sms": Action.SMS,
    "whatsapp": Action.WHATSAPP,
    "call": Action.CALL,
}


def _check_channel(channel: str) -> None:
    if channel not in CHANNELS:
        raise InvalidInput(f"unknown channel {channel!r}; known: {', '.join(CHANNELS)}")


@dataclass(frozen=True, slots=True)
class ChannelPermission:
    """What compliance and the debtor allow on one channel now.

    Attributes:
        channel: ``email``, ``sms``, ``whatsapp`` or ``call``.
        consent: consent in force and no opt-out.
        earliest_allowed_at: ``compliance.decide(...).earliest_allowed_at`` for a contact on this
            channel proposed at ``now`` (aware UTC); ``None``: not allowed within the horizon.
        preferred: the debtor said this is how they want to be reached.
        allowed_hours: UTC hours (0–23) compliance allows on the day, when the caller knows them;
            only then may the planner move a send to the debtor's active hours.
    """

    channel: str
    consent: bool
    earliest_allowed_at: datetime | None
    preferred: bool = False
    allowed_hours: frozenset[int] | None = None

    def __post_init__(self) -> None:
        _check_channel(self.channel)
        if self.earliest_allowed_at is not None:
            object.__setattr__(self, "earliest_allowed_at", ensure_utc(self.earliest_allowed_at))

    @property
    def permitted(self) -> bool:
        return self.consent and self.earliest_allowed_at is not None


@dataclass(frozen=True, slots=True)
class ChannelEngagement:
    """Engagement on one channel over the life of the debt (counts ``>= 0``).

    ``opened_not_paid`` is true when the latest touch on this channel was opened (or the call
    answered) and no payment followed.
    """

    channel: str
    sent: int = 0
    opened: int = 0
    replied: int = 0
    unanswered_calls: int = 0
    opened_not_paid: bool = False

    def __post_init__(self) -> None:
        _check_channel(self.channel)


@dataclass(frozen=True, slots=True)
class Engagement:
    """What the account's history of touches says.

    Attributes:
        channels: per-channel engagement (channels absent = never used).
        response_hours: UTC hours at which the debtor replied or paid before.
        last_contact_at: the latest touch (aware UTC), if any.
        last_response_at: the latest reply or payment (aware UTC), if any.
        touches: touches so far.
        final_notice_sent: a final notice has gone out (or a person decided it: a declined one is
            not asked for again).
        final_notice_pending: a final notice awaits a person's approval; only what was actually
            sent counts as a touch (``last_contact_at``), so ordinary reminders go on meanwhile.
    """

    channels: tuple[ChannelEngagement, ...] = ()
    response_hours: frozenset[int] = frozenset()
    last_contact_at: datetime | None = None
    last_response_at: datetime | None = None
    touches: int = 0
    final_notice_sent: bool = False
    final_notice_pending: bool = False

    def on(self, channel: str) -> ChannelEngagement:
        for c in self.channels:
            if c.channel == channel:
                return c
        return ChannelEngagement(channel)


@dataclass(frozen=True, slots=True)
class AccountSituation:
    """The account as the planner sees it.

    Attributes:
        account: the account reference (also keys the learning draw).
        customer_type: ``business`` or ``consumer``.
        balance: the open balance (positive).
        days_past_due: of the oldest open invoice (negative: days until due).
        probability: P(paid within 30 days past due) from the risk model, if scored.
        policy_action: the policy segment's action (negotiate / hold / escalate).
        plans_allowed: the policy's offer space allows payment plans.
        dispute_open: a dispute is open on the account.
        promise_due: the date of a promise to pay in progress (not broken), if any.
        plan_next_due: the next installment of a plan in good standing, if any.
        broken_promises: promises broken so far.
        max_tone: the policy's tone ceiling (1 friendly … 4 firm).
        escalation_released: the policy's ``escalate`` for this account was already put to a
            person, who decided it and closed it (did not take the account over): chasing
            resumes without offers instead of escalating the same account again.
        follow_up_released: the follow-up limit's ``escalate`` for this account was already put
            to a person, who decided it and closed it: chasing goes on instead of escalating the
            same account again on every pass.
    """

    account: str
    customer_type: str
    balance: Money
    days_past_due: int
    probability: float | None = None
    policy_action: PolicyAction = PolicyAction.NEGOTIATE
    plans_allowed: bool = True
    dispute_open: bool = False
    promise_due: date | None = None
    plan_next_due: date | None = None
    broken_promises: int = 0
    max_tone: int = 4
    escalation_released: bool = False
    follow_up_released: bool = False

    def __post_init__(self) -> None:
        if not self.balance.is_positive():
            raise InvalidInput(f"account {self.account}: balance must be positive")
        if not 1 <= self.max_tone <= 4:
            raise InvalidInput(f"account {self.account}: max_tone must be 1..4")


def _default_cadence() -> Mapping[str, int]:
    return MappingProxyType({"upcoming": 7, "early": 4, "mid": 6, "late": 10, "recovery": 21})


def _default_costs() -> Mapping[str, float]:
    return MappingProxyType({"email": 0.02, "sms": 0.08, "whatsapp": 0.05, "call": 1.50})


@dataclass(frozen=True, slots=True)
class PlannerRules:
    """Tunable rules of the planner (defaults documented in ``docs/strategy.md``).

    ``cadence_days``: minimum days between touches per stage; ``channel_cost``: cost of a touch
    in the account currency's major unit (a float: a ranking weight, never booked money).
    """

    cadence_days: Mapping[str, int] = field(default_factory=_default_cadence)
    channel_cost: Mapping[str, float] = field(default_factory=_default_costs)
    pre_due_days: int = 3
    final_notice_after_days: int = 60
    follow_up_days: int = 365
    silence_days: int = 45
    re_engage_days: int = 30
    exploration: ExplorationBounds = field(default_factory=ExplorationBounds)


@dataclass(frozen=True, slots=True)
class Reason:
    """A machine-readable reason (``code``) with a human sentence."""

    code: str
    text: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "text": self.text}


@dataclass(frozen=True, slots=True)
class NextAction:
    """The planner's decision.

    Attributes:
        action: what to do.
        channel: the channel of a contact action, else ``None``.
        at: when (aware UTC): the send time, or when to look again for ``wait``.
        tone: 1 (friendly) … 4 (firm), within the policy's ceiling.
        needs_approval: a human must approve before it is sent.
        segment: the strategy segment the account fell into.
        reasons: why, most important first.
        expected_value: expected recovery value of the touch (contacts only).
        learning: the learning choice that picked the channel (contacts chosen by learning).
    """

    action: Action
    channel: str | None
    at: datetime
    tone: int
    needs_approval: bool
    segment: str
    reasons: tuple[Reason, ...]
    expected_value: Money | None = None
    learning: Choice | None = None

    @property
    def is_contact(self) -> bool:
        return self.channel is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action.value,
            "channel": self.channel,
            "at": self.at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "tone": self.tone,
            "needs_approval": self.needs_approval,
            "segment": self.segment,
            "reasons": [r.to_json() for r in self.reasons],
            "expected_value": None
            if self.expected_value is None
            else self.expected_value.amount_str(),
            "learning": None if self.learning is None else self.learning.to_json(),
        }


def _tone(situation: AccountSituation, engagement: Engagement) -> int:
    base = {"upcoming": 1, "early": 1, "mid": 2, "late": 3, "recovery": 3}[
        stage_of(situation.days_past_due)
    ]
    if situation.broken_promises:
        base += 1
    if engagement.touches >= 6 and engagement.last_response_at is None:
        base += 1
    return max(1, min(situation.max_tone, base))


def _start_of_next_day(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)


def _multiplier(perm: ChannelPermission, eng: ChannelEngagement) -> tuple[float, list[Reason]]:
    m = 1.0
    why: list[Reason] = []
    if eng.replied:
        m *= 2.0
        why.append(Reason("responds_on_channel", f"the debtor has replied on {eng.channel}"))
    if perm.preferred:
        m *= 1.5
        why.append(Reason("stated_preference", f"the debtor prefers {eng.channel}"))
    if eng.opened_not_paid:
        m *= 0.5
        why.append(
            Reason("opened_not_paid", f"the last {eng.channel} was opened but not paid: switch")
        )
    if eng.sent >= 2 and not eng.opened and not eng.replied:
        m *= 0.3
        why.append(Reason("ignored_channel", f"{eng.sent} {eng.channel} touches ignored"))
    return m, why


def _active_hour(at: datetime, perm: ChannelPermission, hours: frozenset[int]) -> datetime | None:
    if not hours or not perm.allowed_hours:
        return None
    usable = hours & perm.allowed_hours
    if at.hour in usable:
        return at
    start = at.replace(minute=0, second=0, microsecond=0)
    for step in range(1, 25):
        candidate = start + timedelta(hours=step)
        if candidate.hour in usable:
            return candidate
    return None


def plan_next_action(
    situation: AccountSituation,
    permissions: tuple[ChannelPermission, ...],
    engagement: Engagement,
    learning: LearningState,
    *,
    now: datetime,
    rules: PlannerRules | None = None,
    seed: int = 0,
) -> NextAction:
    """The next best action for one account (rules in the module docstring)."""
    rules = rules or PlannerRules()
    now = ensure_utc(now)
    today = now.date()
    dpd = situation.days_past_due
    segment = str(segment_of(situation.customer_type, situation.probability, dpd))
    stage = stage_of(dpd)
    tone = _tone(situation, engagement)

    def outcome(action: Action, at: datetime, *why: Reason) -> NextAction:
        return NextAction(action, None, at, tone, action is Action.ESCALATE, segment, why)

    if situation.dispute_open:
        return outcome(Action.HOLD, now, Reason("dispute_open", "a dispute is open: no chasing"))
    if situation.policy_action is PolicyAction.HOLD:
        return outcome(Action.HOLD, now, Reason("policy_hold", "the policy segment says hold"))
    if situation.policy_action is PolicyAction.ESCALATE:
        if not situation.escalation_released:
            return outcome(
                Action.ESCALATE, now, Reason("policy_escalate", "the policy segment says escalate")
            )
        # A person decided the escalation and handed the account back: chase it like any other
        # account, but with no offer (an escalate segment allows none).
        plain = replace(
            situation,
            policy_action=PolicyAction.NEGOTIATE,
            plans_allowed=False,
            escalation_released=False,
        )
        planned = plan_next_action(
            plain, permissions, engagement, learning, now=now, rules=rules, seed=seed
        )
        if planned.action is Action.ESCALATE:
            return planned  # a new reason to escalate (follow-up ended) goes to a person again
        released = Reason(
            "escalation_released",
            "a person decided the policy's escalation: reminders resume, no offer",
        )
        return replace(planned, reasons=(*planned.reasons, released))
    if dpd > rules.follow_up_days and not situation.follow_up_released:
        return outcome(
            Action.ESCALATE,
            now,
            Reason("follow_up_ended", f"more than {rules.follow_up_days} days past due"),
        )
    if situation.promise_due is not None and situation.promise_due >= today:
        return outcome(
            Action.WAIT,
            _start_of_next_day(situation.promise_due),
            Reason("promise_in_progress", f"a promise to pay is due {situation.promise_due}"),
        )
    if situation.plan_next_due is not None and situation.plan_next_due >= today:
        return outcome(
            Action.WAIT,
            _start_of_next_day(situation.plan_next_due),
            Reason("plan_in_progress", f"a plan installment is due {situation.plan_next_due}"),
        )
    if dpd < -rules.pre_due_days:
        wake = today + timedelta(days=-dpd - rules.pre_due_days)
        return outcome(
            Action.WAIT,
            datetime.combine(wake, time(0), tzinfo=UTC),
            Reason("not_due", f"due in {-dpd} days; a courtesy reminder comes nearer the date"),
        )

    gap = rules.cadence_days[stage]
    cadence_reason = Reason("cadence", f"{stage} stage: at most one touch every {gap} days")
    last_response = engagement.last_response_at
    silent = last_response is None or (now - ensure_utc(last_response)).days >= rules.silence_days
    if dpd > 90 and silent and engagement.touches >= 3:
        gap = max(gap, rules.re_engage_days)
        cadence_reason = Reason(
            "re_engagement", f"no response for a long time: re-engage every {gap} days"
        )
    if engagement.last_contact_at is not None:
        next_touch = ensure_utc(engagement.last_contact_at) + timedelta(days=gap)
        if now < next_touch:
            return outcome(Action.WAIT, next_touch, cadence_reason)

    permitted = [p for p in permissions if p.permitted]
    if not permitted:
        return outcome(
            Action.HOLD,
            now,
            Reason("no_permitted_channel", "no channel has consent and a permitted time"),
        )
    by_channel = {p.channel: p for p in permitted}

    def send_at(perm: ChannelPermission) -> tuple[datetime, list[Reason]]:
        assert perm.earliest_allowed_at is not None  # permitted
        at = max(now, perm.earliest_allowed_at)
        why = []
        if at > now:
            why.append(Reason("compliance_window", f"{perm.channel} allowed from {at:%H:%M}Z"))
        moved = _active_hour(at, perm, engagement.response_hours)
        if moved is not None and moved != at:
            at = moved
            why.append(Reason("debtor_active_hours", f"the debtor responds around {at:%H}:00Z"))
        return at, why

    final_age = dpd >= rules.final_notice_after_days
    if final_age and not engagement.final_notice_sent and not engagement.final_notice_pending:
        written = [c for c in _WRITTEN if c in by_channel]
        if written:
            perm = by_channel[written[0]]
            at, why = send_at(perm)
            return NextAction(
                Action.FINAL_NOTICE,
                perm.channel,
                at,
                situation.max_tone,
                True,
                segment,
                (
                    Reason("final_notice_due", f"{dpd} days past due: final notice"),
                    Reason("needs_approval", "a final notice needs human approval"),
                    *why,
                ),
            )

    value = float(situation.balance.amount) * max(0.05, situation.probability or 0.5)
    weights: dict[str, float] = {}
    signals: dict[str, list[Reason]] = {}
    order: list[str] = [c for c in CHANNELS if c in by_channel]
    for name in order:
        m, why = _multiplier(by_channel[name], engagement.on(name))
        weights[name] = m * value
        signals[name] = why
    choice = choose(
        learning,
        segment,
        order,
        seed=seed,
        key=f"{situation.account}:{today.isoformat()}",
        bounds=rules.exploration,
        weights=weights,
        costs={c: rules.channel_cost.get(c, 0.0) for c in order},
    )
    channel = choice.action
    perm = by_channel[channel]
    eng = engagement.on(channel)
    at, timing = send_at(perm)
    reasons = [
        Reason(
            "expected_value" if not choice.explored else "exploration",
            f"{channel}: expected value {choice.means[channel]:.2f} "
            f"({choice.reason}; greedy {choice.greedy})",
        ),
        *signals[channel],
    ]
    action = _CHANNEL_ACTION[channel]
    switched = any(engagement.on(c).opened_not_paid for c in CHANNELS if c != channel)
    if channel == "call" and eng.unanswered_calls >= 2:
        action = Action.VOICEMAIL
        reasons.append(Reason("calls_unanswered", "calls go unanswered: limited voicemail"))
    elif channel != "call" and (switched or eng.opened_not_paid):
        action = Action.PAYMENT_LINK
        reasons.append(Reason("make_paying_easy", "opened but not paid: send a payment link"))
    elif (
        dpd > 30
        and situation.plans_allowed
        and (situation.probability is None or situation.probability < 0.5)
    ):
        action = Action.PLAN_OFFER
        reasons.append(Reason("plan_offer", "late and risky: offer a payment plan"))
    if final_age and engagement.final_notice_pending and not engagement.final_notice_sent:
        reasons.append(
            Reason(
                "final_notice_pending",
                "a final notice awaits approval: ordinary reminders go on meanwhile",
            )
        )
    # The posterior-mean value of the touch, rounded to the currency's minor unit.
    expected = Money.quantize(
        Decimal(repr(max(0.0, choice.means[channel]))),
        situation.balance.currency,
        rounding=ROUND_HALF_EVEN,
    )
    return NextAction(
        action,
        channel,
        at,
        tone,
        False,
        segment,
        (*reasons, cadence_reason, *timing),
        expected,
        choice,
    )
