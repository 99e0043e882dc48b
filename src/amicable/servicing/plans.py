"""Installment plans as immutable state with pure transitions (events in -> state + events out).

A :class:`Plan` is the servicing side of an accepted agreement: numbered installments, each with a
due date, an amount, what has been paid on it and a status; the plan's own status (active,
completed, broken, cancelled); a renegotiation counter; a credit (money received beyond the plan); the
payments it received and where each one went; a ``version`` for optimistic locking; and ``as_of``,
the business date its statuses are computed at.

Transitions (all pure; none reads a clock):

* :func:`advance_to` moves the plan's business date forward: installments become *due* on their
  due date and *missed* the day after ``due_date + grace_days`` unless fully paid; a miss offers a
  renegotiation while ``renegotiations_used < max_renegotiations`` and breaks the plan once they
  are used (or once ``max_open_misses`` installments are missed at the same time).
* :func:`apply_payment` fills the oldest unpaid installment first; an overpayment rolls forward
  to later installments and any excess beyond the plan becomes ``credit`` (never lost). When every
  installment is paid or waived the plan completes.
* :func:`reverse_payment` (refund or chargeback) undoes what one payment did: its credit first,
  then its installment postings last-in first-out; credits other payments hold on the plan then
  cover the reopened installments (oldest first); a completed plan left with anything unpaid
  reopens.
* :func:`renegotiate` replaces the unpaid remainder by a new schedule of the same total, at most
  ``max_renegotiations`` times; :func:`waive_installment` forgives one installment;
  :func:`cancel` ends an active plan by a person's decision (the debt is owed as before the plan).
* :func:`due_reminders` says which reminders fall on a date (offsets before the due date and,
  while in grace, after it).

Every transition returns a :class:`Transition` with the new plan and the :class:`PlanEvent` s it
emitted, each carrying the :class:`Reason` (rule id + parameter) that decided it.

Invariants
----------
* ``0 <= paid <= amount`` for every installment; a payment's postings plus its credit equal what
  is left of it after reversals; the plan's ``credit`` is the sum of its payments' credits.
* Statuses are a function of (amount, paid, waived, due date, ``as_of``, grace) — recomputed,
  never edited by hand — except that a broken plan stays broken (a later payment is still applied).
* ``version`` increases by one on every transition that changes the plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from amicable.domain.errors import InvalidInput, NotFound
from amicable.domain.money import Currency, Money, currency

__all__ = [
    "Installment",
    "InstallmentStatus",
    "Plan",
    "PlanEvent",
    "PlanEventKind",
    "PlanPayment",
    "PlanStatus",
    "Reason",
    "Reminder",
    "ServicingRules",
    "Transition",
    "advance_to",
    "apply_payment",
    "cancel",
    "due_reminders",
    "new_plan",
    "renegotiate",
    "reverse_payment",
    "waive_installment",
]


class InstallmentStatus(StrEnum):
    SCHEDULED = "scheduled"  # not yet due, nothing paid
    DUE = "due"  # due date reached, inside grace, nothing paid
    PARTIALLY_PAID = "partially_paid"  # something paid, not all, not beyond grace
    PAID = "paid"
    MISSED = "missed"  # not fully paid after due date + grace
    WAIVED = "waived"


class PlanStatus(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    BROKEN = "broken"
    CANCELLED = "cancelled"


class PlanEventKind(StrEnum):
    INSTALLMENT_DUE = "installment_due"
    INSTALLMENT_PAID = "installment_paid"
    INSTALLMENT_PARTIALLY_PAID = "installment_partially_paid"
    INSTALLMENT_MISSED = "installment_missed"
    INSTALLMENT_REOPENED = "installment_reopened"
    INSTALLMENT_WAIVED = "installment_waived"
    CREDIT_RECORDED = "credit_recorded"
    CREDIT_RETURNED = "credit_returned"
    CREDIT_APPLIED = "credit_applied"
    PAYMENT_REVERSED = "payment_reversed"
    RENEGOTIATION_OFFERED = "renegotiation_offered"
    RENEGOTIATED = "renegotiated"
    RENEGOTIATION_REFUSED = "renegotiation_refused"
    PLAN_BROKEN = "plan_broken"
    PLAN_COMPLETED = "plan_completed"
    PLAN_REOPENED = "plan_reopened"
    PLAN_CANCELLED = "plan_cancelled"


@dataclass(frozen=True, slots=True)
class Reason:
    """Why something happened: the rule, its parameter and value, and a sentence for people."""

    rule_id: str
    parameter: str
    value: str
    message: str


@dataclass(frozen=True, slots=True)
class ServicingRules:
    """The servicing parameters (from the policy in force).

    Attributes:
        grace_days: days after the due date before an unpaid installment is missed.
        reminder_offsets_days: days *before* a due date on which a reminder goes out.
        overdue_reminder_offsets_days: days *after* a due date (inside grace) for a reminder.
        max_renegotiations: how many times the plan may be renegotiated; a miss after they are
            used breaks it.
        max_open_misses: this many installments missed at once break the plan whatever the
            renegotiation count (a debtor who never answers the renegotiation offer).
        version: the policy version these rules came from, stored in reasons.
    """

    grace_days: int = 5
    reminder_offsets_days: tuple[int, ...] = (3, 1)
    overdue_reminder_offsets_days: tuple[int, ...] = (1,)
    max_renegotiations: int = 1
    max_open_misses: int = 2
    version: str = "default"

    def __post_init__(self) -> None:
        for name in ("grace_days", "max_renegotiations"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InvalidInput(f"servicing rules: {name} must be an int >= 0, got {value!r}")
        if isinstance(self.max_open_misses, bool) or self.max_open_misses < 1:
            raise InvalidInput("servicing rules: max_open_misses must be an int >= 1")
        offsets = (*self.reminder_offsets_days, *self.overdue_reminder_offsets_days)
        if any(isinstance(o, bool) or not isinstance(o, int) or o < 0 for o in offsets):
            raise InvalidInput("servicing rules: reminder offsets must be ints >= 0")


@dataclass(frozen=True, slots=True)
class Installment:
    """One installment. ``paid_on`` is the date it became fully paid (``None`` while not)."""

    number: int
    due_date: date
    amount: Money
    paid: Money
    status: InstallmentStatus
    paid_on: date | None = None


@dataclass(frozen=True, slots=True)
class PlanPayment:
    """A payment the plan received and exactly where it went.

    ``postings`` are ``(installment number, amount)`` pairs in the order made; ``reversed`` is
    what refunds and chargebacks took back; ``credit`` is the part beyond the plan.
    """

    id: str
    amount: Money
    on: date
    postings: tuple[tuple[int, Money], ...]
    credit: Money
    reversed: Money


@dataclass(frozen=True, slots=True)
class Plan:
    """An installment plan. Build one with :func:`new_plan`."""

    id: str
    currency: Currency
    installments: tuple[Installment, ...]
    status: PlanStatus
    as_of: date
    version: int = 1
    renegotiations_used: int = 0
    credit: Money | None = None
    payments: tuple[PlanPayment, ...] = ()
    reference: str | None = None

    @property
    def credit_amount(self) -> Money:
        return self.credit if self.credit is not None else Money.zero(self.currency)

    def installment(self, number: int) -> Installment:
        for inst in self.installments:
            if inst.number == number:
                return inst
        raise NotFound(f"plan {self.id!r} has no installment {number}")

    def outstanding(self) -> Money:
        """What is still owed on installments that are not waived."""
        return Money.sum(
            (
                i.amount - i.paid
                for i in self.installments
                if i.status is not InstallmentStatus.WAIVED
            ),
            self.currency,
        )

    def table(self) -> list[tuple[int, str, str, str, str]]:
        """The schedule as rows ``(number, due ISO date, amount, paid, status)``."""
        return [
            (i.number, i.due_date.isoformat(), i.amount.amount_str(), i.paid.amount_str(), i.status)
            for i in self.installments
        ]


@dataclass(frozen=True, slots=True)
class PlanEvent:
    """Something that happened to a plan on a business date, with the rule that decided it."""

    kind: PlanEventKind
    on: date
    installment: int | None
    amount: Money | None
    reason: Reason


@dataclass(frozen=True, slots=True)
class Transition:
    """The result of a transition: the new plan and the events, in business-date order."""

    plan: Plan
    events: tuple[PlanEvent, ...]


@dataclass(frozen=True, slots=True)
class Reminder:
    """A reminder due on a date: ``offset_days`` before (negative: after) the due date."""

    plan_id: str
    installment: int
    due_date: date
    amount_due: Money
    offset_days: int
    reason: Reason


# -- construction -------------------------------------------------------------------------------


def new_plan(
    plan_id: str,
    schedule: Sequence[tuple[date, Money]],
    *,
    start: date,
    reference: str | None = None,
) -> Plan:
    """A plan with installments ``(due_date, amount)`` numbered from 1, as of ``start``.

    Refuses an empty schedule, mixed currencies, non-positive amounts and due dates that go
    backwards or fall before ``start``.
    """
    if not schedule:
        raise InvalidInput(f"plan {plan_id!r}: a plan needs at least one installment")
    cur = schedule[0][1].currency
    installments: list[Installment] = []
    previous: date | None = None
    for number, (due, amount) in enumerate(schedule, start=1):
        where = f"plan {plan_id!r} installment {number}"
        if amount.currency != cur:
            raise InvalidInput(f"{where}: {amount.code} differs from the plan's {cur.code}")
        if not amount.is_positive():
            raise InvalidInput(f"{where}: amount must be positive, got {amount}")
        if due < start:
            raise InvalidInput(f"{where}: due {due} is before the plan starts ({start})")
        if previous is not None and due < previous:
            raise InvalidInput(f"{where}: due {due} is before the previous installment")
        previous = due
        installments.append(
            Installment(number, due, amount, Money.zero(cur), InstallmentStatus.SCHEDULED)
        )
    plan = Plan(
        plan_id,
        currency(cur),
        tuple(installments),
        PlanStatus.ACTIVE,
        start,
        credit=Money.zero(cur),
        reference=reference,
    )
    # A first installment due on the start date is due at once.
    return replace(plan, installments=tuple(_restatus(i, start, None) for i in installments))


# -- helpers ------------------------------------------------------------------------------------


def _missed_from(inst: Installment, grace_days: int) -> date:
    return inst.due_date + timedelta(days=grace_days + 1)


def _status_at(inst: Installment, day: date, grace_days: int | None) -> InstallmentStatus:
    """The status an installment has on ``day`` (``grace_days`` None: never missed yet)."""
    if inst.status is InstallmentStatus.WAIVED:
        return InstallmentStatus.WAIVED
    if inst.paid >= inst.amount:
        return InstallmentStatus.PAID
    if grace_days is not None and day >= _missed_from(inst, grace_days):
        return InstallmentStatus.MISSED
    if inst.paid.is_positive():
        return InstallmentStatus.PARTIALLY_PAID
    if day >= inst.due_date:
        return InstallmentStatus.DUE
    return InstallmentStatus.SCHEDULED


def _restatus(inst: Installment, day: date, grace_days: int | None) -> Installment:
    return replace(inst, status=_status_at(inst, day, grace_days))


def _reason(rule_id: str, parameter: str, value: object, message: str) -> Reason:
    return Reason(rule_id, parameter, str(value), message)


def _is_settled(inst: Installment) -> bool:
    return inst.status in (InstallmentStatus.PAID, InstallmentStatus.WAIVED)


def _completion(plan: Plan, on: date, events: list[PlanEvent]) -> Plan:
    if plan.status is PlanStatus.ACTIVE and all(_is_settled(i) for i in plan.installments):
        events.append(
            PlanEvent(
                PlanEventKind.PLAN_COMPLETED,
                on,
                None,
                None,
                _reason(
                    "servicing.completion",
                    "installments_settled",
                    len(plan.installments),
                    "every installment is paid or waived",
                ),
            )
        )
        return replace(plan, status=PlanStatus.COMPLETED)
    return plan


def _bump(plan: Plan, before: Plan) -> Plan:
    return replace(plan, version=before.version + 1) if plan != before else plan


# -- transitions ----------------------------------------------------------------------------------


def advance_to(plan: Plan, as_of: date, rules: ServicingRules) -> Transition:
    """Move the plan's business date to ``as_of``, emitting due / missed / broken events in order."""
    if as_of < plan.as_of:
        raise InvalidInput(f"plan {plan.id!r} is at {plan.as_of}; cannot go back to {as_of}")
    # Every status change between the old and the new date happens on one of these days.
    milestones: set[date] = set()
    for inst in plan.installments:
        for day in (inst.due_date, _missed_from(inst, rules.grace_days)):
            if plan.as_of < day <= as_of:
                milestones.add(day)
    events: list[PlanEvent] = []
    current = plan
    for day in sorted(milestones):
        current = _step(current, day, rules, events)
    current = replace(current, as_of=as_of)
    current = replace(
        current,
        installments=tuple(_restatus(i, as_of, rules.grace_days) for i in current.installments),
    )
    return Transition(_bump(current, plan), tuple(events))


def _step(plan: Plan, day: date, rules: ServicingRules, events: list[PlanEvent]) -> Plan:
    updated: list[Installment] = []
    newly_missed: list[Installment] = []
    for inst in plan.installments:
        new = _restatus(inst, day, rules.grace_days)
        if new.status is not inst.status:
            if new.status is InstallmentStatus.DUE:
                events.append(
                    PlanEvent(
                        PlanEventKind.INSTALLMENT_DUE,
                        day,
                        inst.number,
                        inst.amount - inst.paid,
                        _reason(
                            "servicing.due",
                            "due_date",
                            inst.due_date.isoformat(),
                            "the installment's due date is reached",
                        ),
                    )
                )
            elif new.status is InstallmentStatus.MISSED:
                newly_missed.append(new)
                events.append(
                    PlanEvent(
                        PlanEventKind.INSTALLMENT_MISSED,
                        day,
                        inst.number,
                        inst.amount - inst.paid,
                        _reason(
                            "servicing.grace",
                            "grace_days",
                            rules.grace_days,
                            f"not fully paid {rules.grace_days} days after its due date",
                        ),
                    )
                )
        updated.append(new)
    result = replace(plan, installments=tuple(updated))
    if not newly_missed or result.status is not PlanStatus.ACTIVE:
        return result
    open_misses = sum(1 for i in updated if i.status is InstallmentStatus.MISSED)
    first = newly_missed[0].number
    if result.renegotiations_used >= rules.max_renegotiations:
        events.append(
            PlanEvent(
                PlanEventKind.PLAN_BROKEN,
                day,
                first,
                None,
                _reason(
                    "servicing.max_renegotiations",
                    "max_renegotiations",
                    rules.max_renegotiations,
                    "an installment was missed after every allowed renegotiation was used",
                ),
            )
        )
        return replace(result, status=PlanStatus.BROKEN)
    if open_misses >= rules.max_open_misses:
        events.append(
            PlanEvent(
                PlanEventKind.PLAN_BROKEN,
                day,
                first,
                None,
                _reason(
                    "servicing.max_open_misses",
                    "max_open_misses",
                    rules.max_open_misses,
                    f"{open_misses} installments are missed at once",
                ),
            )
        )
        return replace(result, status=PlanStatus.BROKEN)
    events.append(
        PlanEvent(
            PlanEventKind.RENEGOTIATION_OFFERED,
            day,
            first,
            None,
            _reason(
                "servicing.max_renegotiations",
                "renegotiations_left",
                rules.max_renegotiations - result.renegotiations_used,
                "a missed installment may be renegotiated (through the policy gate)",
            ),
        )
    )
    return result


def apply_payment(
    plan: Plan,
    amount: Money,
    on: date,
    rules: ServicingRules,
    *,
    payment_id: str | None = None,
) -> Transition:
    """Apply a payment received on ``on``: oldest unpaid installment first, excess to credit.

    A payment dated after the plan's business date first advances the plan to that date (so a
    miss that happened before the payment is recorded as such). A back-dated payment is applied at
    the plan's current date; whether it was on time is judged by its own date.
    """
    if amount.currency != plan.currency:
        raise InvalidInput(f"plan {plan.id!r} is in {plan.currency.code}, payment in {amount.code}")
    if not amount.is_positive():
        raise InvalidInput(f"plan {plan.id!r}: payment must be positive, got {amount}")
    pid = payment_id if payment_id is not None else f"{plan.id}-pay-{len(plan.payments) + 1}"
    if any(p.id == pid for p in plan.payments):
        raise InvalidInput(f"plan {plan.id!r}: payment {pid!r} was already applied")
    events: list[PlanEvent] = []
    current = plan
    if on > plan.as_of:
        advanced = advance_to(plan, on, rules)
        current = replace(advanced.plan, version=plan.version)
        events.extend(advanced.events)
    left = amount
    postings: list[tuple[int, Money]] = []
    installments = list(current.installments)
    for index, inst in sorted(
        enumerate(installments), key=lambda pair: (pair[1].due_date, pair[1].number)
    ):
        if left.is_zero():
            break
        if inst.status is InstallmentStatus.WAIVED or inst.paid >= inst.amount:
            continue
        part = left.min(inst.amount - inst.paid)
        left = left - part
        postings.append((inst.number, part))
        paid = replace(inst, paid=inst.paid + part)
        if paid.paid == paid.amount:
            paid = replace(paid, paid_on=on)
        paid = _restatus(paid, current.as_of, rules.grace_days)
        installments[index] = paid
        events.append(_payment_event(paid, part, on, rules))
    credit = left
    if credit.is_positive():
        events.append(
            PlanEvent(
                PlanEventKind.CREDIT_RECORDED,
                on,
                None,
                credit,
                _reason(
                    "servicing.overpayment_credit",
                    "outstanding",
                    current.outstanding().amount_str(),
                    "the payment exceeds what the plan still owes; the excess is a credit",
                ),
            )
        )
    payment = PlanPayment(pid, amount, on, tuple(postings), credit, Money.zero(plan.currency))
    current = replace(
        current,
        installments=tuple(installments),
        payments=(*current.payments, payment),
        credit=current.credit_amount + credit,
    )
    current = _completion(current, on, events)
    return Transition(replace(current, version=plan.version + 1), tuple(events))


def _payment_event(inst: Installment, part: Money, on: date, rules: ServicingRules) -> PlanEvent:
    if inst.paid < inst.amount:
        return PlanEvent(
            PlanEventKind.INSTALLMENT_PARTIALLY_PAID,
            on,
            inst.number,
            part,
            _reason(
                "servicing.allocation.oldest_first",
                "remaining",
                (inst.amount - inst.paid).amount_str(),
                "a partial payment fills the oldest unpaid installment first",
            ),
        )
    if on <= inst.due_date:
        reason = _reason("servicing.on_time", "due_date", inst.due_date.isoformat(), "paid on time")
    elif on < _missed_from(inst, rules.grace_days):
        reason = _reason(
            "servicing.grace", "grace_days", rules.grace_days, "paid late, within the grace period"
        )
    else:
        reason = _reason(
            "servicing.late", "grace_days", rules.grace_days, "paid after the grace period"
        )
    return PlanEvent(PlanEventKind.INSTALLMENT_PAID, on, inst.number, part, reason)


def reverse_payment(
    plan: Plan,
    payment_id: str,
    on: date,
    rules: ServicingRules,
    *,
    amount: Money | None = None,
    reason: str = "refund",
) -> Transition:
    """Undo ``amount`` of a payment (everything left of it when ``None``, as for a chargeback).

    Its credit goes back first, then its postings are undone last-in first-out; installments get
    their status back at the plan's date (a reopened installment past its grace is missed again,
    which can break the plan) and a completed plan reopens.
    """
    payment = next((p for p in plan.payments if p.id == payment_id), None)
    if payment is None:
        raise NotFound(f"plan {plan.id!r} has no payment {payment_id!r}")
    left_of_payment = payment.amount - payment.reversed
    wanted = left_of_payment if amount is None else amount
    if wanted.currency != plan.currency or not wanted.is_positive() or wanted > left_of_payment:
        raise InvalidInput(
            f"plan {plan.id!r}: cannot reverse {wanted} of payment {payment_id!r}; "
            f"{left_of_payment} is left of it"
        )
    events: list[PlanEvent] = [
        PlanEvent(
            PlanEventKind.PAYMENT_REVERSED,
            on,
            None,
            wanted,
            _reason(f"servicing.reversal.{reason}", "payment_id", payment_id, f"{reason} received"),
        )
    ]
    from_credit = wanted.min(payment.credit)
    if from_credit.is_positive():
        events.append(
            PlanEvent(
                PlanEventKind.CREDIT_RETURNED,
                on,
                None,
                from_credit,
                _reason(
                    "servicing.reversal.credit_first",
                    "credit",
                    payment.credit.amount_str(),
                    "the part of the payment beyond the plan is returned first",
                ),
            )
        )
    to_undo = wanted - from_credit
    # Net what the payment still holds on each installment, then undo from the last posting back.
    held: dict[int, Money] = {}
    for number, part in payment.postings:
        held[number] = held.get(number, Money.zero(plan.currency)) + part
    undone: list[tuple[int, Money]] = []
    for number, _ in reversed(payment.postings):
        if to_undo.is_zero():
            break
        take = to_undo.min(held[number])
        if take.is_zero():
            continue
        held[number] = held[number] - take
        to_undo = to_undo - take
        undone.append((number, take))
    by_number = {i.number: i for i in plan.installments}
    for number, take in undone:
        inst = by_number[number]
        reopened = replace(inst, paid=inst.paid - take, paid_on=None)
        by_number[number] = reopened
        events.append(
            PlanEvent(
                PlanEventKind.INSTALLMENT_REOPENED,
                on,
                number,
                take,
                _reason(
                    "servicing.reversal.lifo",
                    "payment_id",
                    payment_id,
                    "the reversal undoes the payment's last posting first",
                ),
            )
        )
    new_payment = replace(
        payment,
        reversed=payment.reversed + wanted,
        credit=payment.credit - from_credit,
        postings=(*payment.postings, *((n, -t) for n, t in undone)),
    )
    current = replace(
        plan,
        installments=tuple(by_number[i.number] for i in plan.installments),
        payments=tuple(new_payment if p.id == payment_id else p for p in plan.payments),
        credit=plan.credit_amount - from_credit,
    )
    current = _apply_credits(current, on, events)
    if current.status is PlanStatus.COMPLETED and not all(
        _is_settled(_restatus(i, current.as_of, None)) for i in current.installments
    ):
        current = replace(current, status=PlanStatus.ACTIVE)
        events.append(
            PlanEvent(
                PlanEventKind.PLAN_REOPENED,
                on,
                None,
                None,
                _reason(
                    "servicing.reversal.reopen",
                    "payment_id",
                    payment_id,
                    "a reversal left an installment unpaid",
                ),
            )
        )
    # Re-evaluate statuses at the plan's date as if the reopened installments had just reached
    # their milestones, so a reopened installment past grace is missed (and may break the plan).
    rewound = replace(
        current,
        installments=tuple(
            _restatus(i, current.as_of, None) if i.number in dict(undone) else i
            for i in current.installments
        ),
    )
    stepped = _step(rewound, current.as_of, rules, events) if undone else rewound
    if on > stepped.as_of:
        later = advance_to(stepped, on, rules)
        events.extend(later.events)
        stepped = later.plan
    return Transition(replace(stepped, version=plan.version + 1), tuple(events))


def _apply_credits(plan: Plan, on: date, events: list[PlanEvent]) -> Plan:
    """Use credits of other payments to cover installments a reversal reopened (oldest first).

    A credit is the debtor's money already held against the plan: when an installment reopens it
    pays that installment before anyone chases the debtor for it.
    """
    if not plan.credit_amount.is_positive():
        return plan
    installments = list(plan.installments)
    payments = list(plan.payments)
    for p_index, payment in enumerate(payments):
        credit = payment.credit
        postings = list(payment.postings)
        for index, inst in sorted(
            enumerate(installments), key=lambda pair: (pair[1].due_date, pair[1].number)
        ):
            if credit.is_zero():
                break
            if inst.status is InstallmentStatus.WAIVED or inst.paid >= inst.amount:
                continue
            part = credit.min(inst.amount - inst.paid)
            credit = credit - part
            postings.append((inst.number, part))
            paid = replace(inst, paid=inst.paid + part)
            installments[index] = replace(paid, paid_on=on) if paid.paid == paid.amount else paid
            events.append(
                PlanEvent(
                    PlanEventKind.CREDIT_APPLIED,
                    on,
                    inst.number,
                    part,
                    _reason(
                        "servicing.credit_applied",
                        "payment_id",
                        payment.id,
                        "a credit held on the plan covers a reopened installment",
                    ),
                )
            )
        payments[p_index] = replace(payment, credit=credit, postings=tuple(postings))
    return replace(
        plan,
        installments=tuple(installments),
        payments=tuple(payments),
        credit=Money.sum((p.credit for p in payments), plan.currency),
    )


def renegotiate(
    plan: Plan,
    schedule: Sequence[tuple[date, Money]],
    on: date,
    rules: ServicingRules,
) -> Transition:
    """Replace every unsettled installment by ``schedule`` (same total as what is outstanding).

    Partially paid installments are closed at what was paid; unpaid ones are removed; the new
    installments are numbered after the last kept one. Refused (an event, plan unchanged) when
    every allowed renegotiation is used or the plan is not active.
    """
    if plan.status is not PlanStatus.ACTIVE or plan.renegotiations_used >= rules.max_renegotiations:
        refused = PlanEvent(
            PlanEventKind.RENEGOTIATION_REFUSED,
            on,
            None,
            None,
            _reason(
                "servicing.max_renegotiations",
                "max_renegotiations",
                rules.max_renegotiations,
                f"plan is {plan.status}; {plan.renegotiations_used} renegotiation(s) used",
            ),
        )
        return Transition(plan, (refused,))
    outstanding = plan.outstanding()
    total = Money.sum((amount for _, amount in schedule), plan.currency) if schedule else None
    if total != outstanding:
        raise InvalidInput(
            f"plan {plan.id!r}: the new schedule totals {total}, the plan still owes {outstanding}"
        )
    kept: list[Installment] = []
    for inst in plan.installments:
        if _is_settled(inst):
            kept.append(inst)
        elif inst.paid.is_positive():
            kept.append(
                replace(inst, amount=inst.paid, status=InstallmentStatus.PAID, paid_on=inst.paid_on)
            )
    start = max(on, plan.as_of)
    fresh = new_plan(plan.id, schedule, start=start)
    offset = max((i.number for i in kept), default=0)
    added = [replace(i, number=i.number + offset) for i in fresh.installments]
    event = PlanEvent(
        PlanEventKind.RENEGOTIATED,
        on,
        None,
        outstanding,
        _reason(
            "servicing.max_renegotiations",
            "renegotiations_used",
            plan.renegotiations_used + 1,
            f"{len(added)} new installment(s) replace the unpaid remainder",
        ),
    )
    current = replace(
        plan,
        installments=(*kept, *added),
        renegotiations_used=plan.renegotiations_used + 1,
        as_of=start,
        version=plan.version + 1,
    )
    return Transition(current, (event,))


def waive_installment(plan: Plan, number: int, on: date, *, reason: str) -> Transition:
    """Forgive what is left of one installment (``reason`` is recorded); may complete the plan."""
    inst = plan.installment(number)
    if _is_settled(inst):
        raise InvalidInput(f"plan {plan.id!r} installment {number} is already {inst.status}")
    events = [
        PlanEvent(
            PlanEventKind.INSTALLMENT_WAIVED,
            on,
            number,
            inst.amount - inst.paid,
            _reason("servicing.waiver", "reason", reason, "the installment was waived"),
        )
    ]
    current = replace(
        plan,
        installments=tuple(
            replace(i, status=InstallmentStatus.WAIVED) if i.number == number else i
            for i in plan.installments
        ),
    )
    current = _completion(current, on, events)
    return Transition(replace(current, version=plan.version + 1), tuple(events))


def cancel(plan: Plan, on: date, *, reason: str) -> Transition:
    """End an active plan by a person's decision, for ``reason`` (recorded): it is no longer
    serviced — no reminders, misses or breaks — and what it did not collect is owed as the
    invoices say, as before it was agreed. What it received stays where it went. Only an active
    plan can be cancelled (``InvalidInput`` otherwise, as for an empty reason)."""
    if plan.status is not PlanStatus.ACTIVE:
        raise InvalidInput(f"plan {plan.id!r} is {plan.status}: only an active plan is cancelled")
    if not reason.strip():
        raise InvalidInput(f"plan {plan.id!r}: a cancellation needs a reason")
    event = PlanEvent(
        PlanEventKind.PLAN_CANCELLED,
        on,
        None,
        plan.outstanding(),
        _reason("servicing.cancelled", "reason", reason.strip(), "the plan was cancelled"),
    )
    return Transition(
        replace(plan, status=PlanStatus.CANCELLED, version=plan.version + 1), (event,)
    )


def due_reminders(plan: Plan, as_of: date, rules: ServicingRules) -> list[Reminder]:
    """The reminders that fall on ``as_of`` for an active plan (each still goes through compliance)."""
    if plan.status is not PlanStatus.ACTIVE:
        return []
    reminders: list[Reminder] = []
    for inst in plan.installments:
        if inst.status is InstallmentStatus.WAIVED or inst.paid >= inst.amount:
            continue
        for offset in sorted(set(rules.reminder_offsets_days), reverse=True):
            if inst.due_date - timedelta(days=offset) == as_of:
                reminders.append(
                    Reminder(
                        plan.id,
                        inst.number,
                        inst.due_date,
                        inst.amount - inst.paid,
                        offset,
                        _reason(
                            "servicing.reminder_before_due",
                            "reminder_offsets_days",
                            offset,
                            f"reminder {offset} day(s) before the due date",
                        ),
                    )
                )
        for offset in sorted(set(rules.overdue_reminder_offsets_days)):
            if offset > rules.grace_days:
                continue  # after grace the missed-payment rule speaks, not a reminder
            if offset > 0 and inst.due_date + timedelta(days=offset) == as_of:
                reminders.append(
                    Reminder(
                        plan.id,
                        inst.number,
                        inst.due_date,
                        inst.amount - inst.paid,
                        -offset,
                        _reason(
                            "servicing.reminder_in_grace",
                            "overdue_reminder_offsets_days",
                            offset,
                            f"reminder {offset} day(s) after the due date, inside grace",
                        ),
                    )
                )
    return reminders
