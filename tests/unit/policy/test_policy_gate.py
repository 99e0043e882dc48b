"""The gate: every bound refused with its rule path; approvals; everything collected at once."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from policy_helpers import AS_OF, STANDARD_TERMS, facts, load_doc, policy_doc

from amicable.domain.money import Money
from amicable.policy.evaluate import OfferSpace, evaluate
from amicable.policy.gate import Outcome, _follows, check
from amicable.policy.model import DisputeStatus, Frequency
from amicable.policy.offer import Offer, OfferKind, Payment
from amicable.policy.schedule import PERIOD_DAYS, business_calendar

USD = "USD"


def m(amount: str) -> Money:
    return Money.of(amount, USD)


def _space(balance: str = "1200.00", **doc: Any) -> OfferSpace:
    return evaluate(load_doc(policy_doc(**doc)), facts(balance, country="US"), as_of=AS_OF)


def plan(
    dates_amounts: list[tuple[str, str]],
    *,
    down: bool = True,
    freq: Frequency | None = Frequency.WEEKLY,
    total: str = "1200.00",
) -> Offer:
    payments = tuple(Payment(date.fromisoformat(d), m(a)) for d, a in dates_amounts)
    return Offer(
        OfferKind.PLAN, m(total), payments, m("0"), payments[0].amount if down else None, freq
    )


# AS_OF is Friday 2026-11-20 (US: Thanksgiving is Thursday 2026-11-26).
GOOD_PLAN = [
    ("2026-11-27", "120.00"),
    ("2026-12-04", "360.00"),
    ("2026-12-11", "360.00"),
    ("2026-12-18", "360.00"),
]


def test_a_plan_inside_every_bound_is_ok() -> None:
    decision = check(_space(), plan(GOOD_PLAN))
    assert decision.outcome is Outcome.OK, decision.violations
    assert decision.policy_version == "t1" and decision.accepted


def test_a_settlement_and_paying_in_full_inside_the_bounds_are_ok() -> None:
    space = _space()
    settle = Offer(
        OfferKind.SETTLEMENT, m("1176.00"), (Payment(date(2026, 11, 30), m("1176.00")),), m("24.00")
    )
    full = Offer(OfferKind.FULL, m("1200.00"), (Payment(date(2026, 12, 4), m("1200.00")),), m("0"))
    assert check(space, settle).outcome is Outcome.OK
    assert check(space, full).outcome is Outcome.OK


T = "segments[0].terms"
BOUNDS = [
    # (name, offer, expected violation code, rule)
    (
        "too few installments",
        plan([("2026-11-27", "120.00"), ("2026-12-04", "1080.00")]),
        "too_few_installments",
        f"{T}.plan.installments.min",
    ),
    (
        "too many installments",
        plan(
            [("2026-11-27", "120.00")]
            + [
                (d, "180.00")
                for d in [
                    "2026-12-04",
                    "2026-12-11",
                    "2026-12-18",
                    "2026-12-24",
                    "2026-12-31",
                    "2027-01-08",
                    "2027-01-15",
                ]
            ]
        ),
        "too_many_installments",
        f"{T}.plan.installments.max",
    ),
    (
        "down payment too small",
        plan(
            [
                ("2026-11-27", "60.00"),
                ("2026-12-04", "380.00"),
                ("2026-12-11", "380.00"),
                ("2026-12-18", "380.00"),
            ]
        ),
        "down_payment_below_minimum",
        f"{T}.plan.down_payment_min_pct",
    ),
    (
        "no down payment",
        plan(
            [("2026-11-27", "400.00"), ("2026-12-04", "400.00"), ("2026-12-11", "400.00")],
            down=False,
        ),
        "down_payment_below_minimum",
        f"{T}.plan.down_payment_min_pct",
    ),
    (
        "installment below minimum",
        plan([("2026-11-27", "1000.00"), ("2026-12-04", "40.00"), ("2026-12-11", "160.00")]),
        "installment_below_minimum",
        f"{T}.plan.min_installment",
    ),
    (
        "first payment too late",
        plan([("2026-12-07", "120.00"), ("2026-12-14", "540.00"), ("2026-12-21", "540.00")]),
        "first_payment_too_late",
        f"{T}.plan.first_due_within_days",
    ),
    (
        "term too long",
        plan(
            [
                ("2026-11-27", "120.00"),
                ("2027-03-26", "360.00"),
                ("2027-04-26", "360.00"),
                ("2027-05-26", "360.00"),
            ],
            freq=Frequency.MONTHLY,
        ),
        "term_too_long",
        f"{T}.plan.max_term_days",
    ),
    (
        "weekend payment",
        plan(
            [("2026-11-27", "120.00"), ("2026-12-05", "540.00"), ("2026-12-11", "540.00")],
            freq=None,
        ),
        "not_a_business_day",
        None,
    ),
    (
        "holiday payment",
        plan([("2026-11-26", "120.00"), ("2026-12-03", "540.00"), ("2026-12-10", "540.00")]),
        "not_a_business_day",
        None,
    ),
    (
        "irregular cadence",
        plan(
            [("2026-11-27", "120.00"), ("2026-12-01", "540.00"), ("2026-12-22", "540.00")],
            freq=None,
        ),
        "cadence_not_allowed",
        f"{T}.plan.frequencies",
    ),
    (
        "cadence not the declared frequency",
        plan(GOOD_PLAN, freq=Frequency.MONTHLY),
        "cadence_not_allowed",
        f"{T}.plan.frequencies",
    ),
    (
        "discounted plan",
        replace(plan(GOOD_PLAN, total="1200.00"), discount=m("10.00")),
        "total_plus_discount_is_not_balance",
        None,
    ),
    (
        "sum mismatch",
        plan(
            [
                ("2026-11-27", "120.00"),
                ("2026-12-04", "360.00"),
                ("2026-12-11", "360.00"),
                ("2026-12-18", "350.00"),
            ]
        ),
        "payments_do_not_sum_to_total",
        None,
    ),
    (
        "dates out of order",
        plan(
            [
                ("2026-11-27", "120.00"),
                ("2026-12-11", "360.00"),
                ("2026-12-04", "360.00"),
                ("2026-12-18", "360.00"),
            ]
        ),
        "payments_not_in_date_order",
        None,
    ),
    (
        "before as of",
        plan(
            [
                ("2026-11-19", "120.00"),
                ("2026-11-27", "360.00"),
                ("2026-12-04", "360.00"),
                ("2026-12-11", "360.00"),
            ]
        ),
        "payment_before_as_of",
        None,
    ),
    (
        "zero payment",
        plan(
            [
                ("2026-11-27", "120.00"),
                ("2026-12-04", "0.00"),
                ("2026-12-11", "540.00"),
                ("2026-12-18", "540.00"),
            ]
        ),
        "non_positive_payment",
        None,
    ),
    (
        "down payment not first",
        replace(plan(GOOD_PLAN), down_payment=m("130.00")),
        "down_payment_mismatch",
        None,
    ),
    (
        "settlement discount above maximum",
        Offer(
            OfferKind.SETTLEMENT,
            m("1139.99"),
            (Payment(date(2026, 11, 30), m("1139.99")),),
            m("60.01"),
        ),
        "discount_above_maximum",
        f"{T}.settlement.max_discount_pct",
    ),
    (
        "settlement due too late",
        Offer(
            OfferKind.SETTLEMENT,
            m("1176.00"),
            (Payment(date(2026, 12, 1), m("1176.00")),),
            m("24.00"),
        ),
        "due_too_late",
        f"{T}.settlement.pay_within_days",
    ),
    (
        "settlement in two payments",
        Offer(
            OfferKind.SETTLEMENT,
            m("1176.00"),
            (Payment(date(2026, 11, 23), m("576.00")), Payment(date(2026, 11, 30), m("600.00"))),
            m("24.00"),
        ),
        "not_a_single_payment",
        None,
    ),
    (
        "settlement with down payment",
        Offer(
            OfferKind.SETTLEMENT,
            m("1176.00"),
            (Payment(date(2026, 11, 30), m("1176.00")),),
            m("24.00"),
            m("1176.00"),
        ),
        "unexpected_down_payment",
        None,
    ),
    (
        "full payment too late",
        Offer(OfferKind.FULL, m("1200.00"), (Payment(date(2026, 12, 7), m("1200.00")),), m("0")),
        "due_too_late",
        f"{T}.pay_in_full_within_days",
    ),
    (
        "full payment with discount",
        Offer(
            OfferKind.FULL, m("1190.00"), (Payment(date(2026, 12, 4), m("1190.00")),), m("10.00")
        ),
        "discount_not_allowed",
        None,
    ),
    (
        "negative discount",
        Offer(
            OfferKind.SETTLEMENT,
            m("1210.00"),
            (Payment(date(2026, 11, 30), m("1210.00")),),
            m("-10.00"),
        ),
        "negative_discount",
        None,
    ),
    ("no payments", Offer(OfferKind.FULL, m("1200.00"), (), m("0")), "no_payments", None),
    (
        "plan with a discount",
        Offer(
            OfferKind.PLAN,
            m("1190.00"),
            tuple(
                Payment(date.fromisoformat(d), m(a))
                for d, a in [("2026-11-27", "120.00"), ("2026-12-04", "1070.00")]
            ),
            m("10.00"),
            m("120.00"),
            Frequency.WEEKLY,
        ),
        "discount_not_allowed",
        None,
    ),
    (
        "frequency not allowed",
        plan(GOOD_PLAN, freq=Frequency.BIWEEKLY),
        "cadence_not_allowed",
        f"{T}.plan.frequencies",
    ),
]


@pytest.mark.parametrize(("name", "offer", "code", "rule"), BOUNDS, ids=[b[0] for b in BOUNDS])
def test_each_bound_refuses_an_offer_beyond_it_and_names_the_rule(
    name: str, offer: Offer, code: str, rule: str | None
) -> None:
    decision = check(_space(), offer)
    assert decision.outcome is Outcome.REFUSED
    found = [v for v in decision.violations if v.code == code]
    assert found, decision.violations
    if rule is not None:
        assert found[0].rule == rule


def test_a_frequency_the_policy_does_not_list_is_refused() -> None:
    terms = {**STANDARD_TERMS, "plan": {**STANDARD_TERMS["plan"], "frequencies": ["monthly"]}}
    decision = check(_space(terms=terms), plan(GOOD_PLAN))
    assert [v.code for v in decision.violations] == ["frequency_not_allowed"]
    assert decision.violations[0].rule == f"{T}.plan.frequencies"


def test_the_gate_reports_every_violation_of_one_offer_not_only_the_first() -> None:
    offer = plan([("2026-12-12", "10.00"), ("2026-12-13", "20.00")], freq=None)
    codes = {v.code for v in check(_space(), offer).violations}
    assert {
        "payments_do_not_sum_to_total",
        "down_payment_below_minimum",
        "too_few_installments",
        "installment_below_minimum",
        "first_payment_too_late",
        "not_a_business_day",
        "cadence_not_allowed",
    } <= codes


def test_offers_of_a_kind_the_segment_does_not_allow_are_refused() -> None:
    space = _space(terms={})
    settle = Offer(
        OfferKind.SETTLEMENT, m("1176.00"), (Payment(date(2026, 11, 30), m("1176.00")),), m("24.00")
    )
    assert [v.code for v in check(space, settle).violations] == ["settlement_not_allowed"]
    assert [v.code for v in check(space, plan(GOOD_PLAN)).violations] == ["plan_not_allowed"]


def test_a_held_account_refuses_every_offer_and_an_offer_in_another_currency_is_refused() -> None:
    doc = policy_doc()
    doc["segments"].insert(0, {"name": "disputed", "action": "hold", "when": {"dispute": "open"}})
    held = evaluate(load_doc(doc), facts(dispute=DisputeStatus.OPEN), as_of=AS_OF)
    decision = check(held, plan(GOOD_PLAN))
    assert [v.code for v in decision.violations] == ["no_offer_allowed"]
    assert decision.violations[0].rule == "segments[0].action"
    euro = Offer(
        OfferKind.FULL,
        Money.of("1200", "EUR"),
        (Payment(date(2026, 12, 4), Money.of("1200", "EUR")),),
        Money.zero("EUR"),
    )
    assert [v.code for v in check(_space(), euro).violations] == ["currency_mismatch"]


APPROVALS = [
    (
        "balance above",
        "20000.00",
        [("2026-11-27", "2000.00")]
        + [(d, "6000.00") for d in ["2026-12-04", "2026-12-11", "2026-12-18"]],
        "approval_balance",
        f"{T}.approval_required_above.balance",
    ),
    (
        "installments above",
        "1200.00",
        [("2026-11-27", "120.00")]
        + [
            (d, "216.00")
            for d in ["2026-12-04", "2026-12-11", "2026-12-18", "2026-12-24", "2026-12-31"]
        ],
        "approval_installments",
        f"{T}.approval_required_above.installments",
    ),
]


@pytest.mark.parametrize(
    ("name", "balance", "payments", "code", "rule"), APPROVALS, ids=[a[0] for a in APPROVALS]
)
def test_an_offer_above_an_approval_threshold_needs_approval(
    name: str, balance: str, payments: list[tuple[str, str]], code: str, rule: str
) -> None:
    decision = check(_space(balance), plan(payments, total=balance))
    assert decision.outcome is Outcome.NEEDS_APPROVAL, decision.violations
    assert [(r.code, r.rule) for r in decision.approvals] == [(code, rule)]


def test_a_discount_above_the_approval_threshold_needs_approval_and_serialises() -> None:
    offer = Offer(
        OfferKind.SETTLEMENT, m("1152.00"), (Payment(date(2026, 11, 30), m("1152.00")),), m("48.00")
    )
    decision = check(_space(), offer)
    assert decision.outcome is Outcome.NEEDS_APPROVAL
    assert decision.to_json()["approvals"] == [
        {
            "code": "approval_discount",
            "message": "discount 4% is above 3%",
            "rule": f"{T}.approval_required_above.discount_pct",
        }
    ]


def test_a_segment_with_approval_always_needs_approval_for_every_offer() -> None:
    space = _space(approval="always")
    decision = check(space, plan(GOOD_PLAN))
    assert decision.outcome is Outcome.NEEDS_APPROVAL
    assert decision.approvals[0].rule == "segments[0].approval"


def test_a_refused_offer_serialises_its_violations() -> None:
    data = check(_space(), Offer(OfferKind.FULL, m("1200.00"), (), m("0"))).to_json()
    assert data["outcome"] == "refused"
    assert data["violations"] == [
        {
            "code": "no_payments",
            "message": "the offer has no payments",
            "parameter": "installments",
            "rule": None,
        }
    ]


def test_a_plan_whose_country_has_no_calendar_is_refused_closed() -> None:
    space = replace(_space(), country="ZZ")
    assert "no_business_calendar" in {v.code for v in check(space, plan(GOOD_PLAN)).violations}


def test_an_empty_plan_is_refused_once_for_having_no_payments() -> None:
    empty = Offer(OfferKind.PLAN, m("1200.00"), (), m("0"))
    assert [v.code for v in check(_space(), empty).violations] == ["no_payments"]


def test_an_offer_mixing_currencies_cannot_be_built() -> None:
    from amicable.domain.errors import CurrencyMismatch

    with pytest.raises(CurrencyMismatch):
        Offer(OfferKind.FULL, m("1"), (Payment(AS_OF, Money.of("1", "EUR")),), m("0"))


# -- property: nothing the gate accepts breaks a bound -------------------------------------------


@st.composite
def random_offers(draw: st.DrawFn, balance: Money) -> Offer:
    """Offers scattered around the default bounds: most are refused, some accepted."""
    kind = draw(st.sampled_from([OfferKind.FULL, OfferKind.SETTLEMENT, *[OfferKind.PLAN] * 4]))
    start = AS_OF + timedelta(days=draw(st.integers(-1, 16)))
    if kind is not OfferKind.PLAN:
        pct = draw(st.sampled_from([0, 1, 3, 5, 6])) if kind is OfferKind.SETTLEMENT else 0
        discount = balance.percent(pct, rounding="ROUND_FLOOR")
        total = balance - discount
        return Offer(kind, total, (Payment(start, total),), discount)
    count = draw(st.integers(1, 7))
    down_pct = draw(st.sampled_from([0, 5, 10, 20, 30]))
    down = balance.percent(down_pct, rounding="ROUND_CEILING") if down_pct else None
    rest = balance - down if down is not None else balance
    even = st.just([1] * count)
    weights = draw(even | st.lists(st.integers(1, 3), min_size=count, max_size=count))
    parts = rest.allocate(weights)
    gap = draw(st.sampled_from([7, 14, 30, 31]))
    amounts = ([down] if down is not None else []) + parts
    if draw(st.booleans()):  # careful: on business days
        cal = business_calendar("US")
        dates = [cal.following(start + timedelta(days=gap * k)) for k in range(len(amounts))]
    else:  # sloppy: anywhere near the cadence
        jitter = draw(st.lists(st.integers(0, 3), min_size=count + 1, max_size=count + 1))
        dates = [start + timedelta(days=gap * k + jitter[k]) for k in range(len(amounts))]
    freq = draw(st.sampled_from([None, *Frequency]))
    return Offer(
        kind,
        balance,
        tuple(Payment(d, a) for d, a in zip(dates, amounts, strict=True)),
        Money.zero("USD"),
        down,
        freq,
    )


@settings(max_examples=500, deadline=None)
@given(data=st.data(), minor=st.integers(10_000, 2_000_000))
def test_nothing_the_gate_accepts_breaks_a_bound(data: st.DataObject, minor: int) -> None:
    balance = Money.from_minor(minor, USD)
    space = evaluate(load_doc(policy_doc()), facts(balance.amount_str(), country="US"), as_of=AS_OF)
    offer = data.draw(random_offers(balance))
    accepted = check(space, offer).accepted
    event(f"{offer.kind.value} {'accepted' if accepted else 'refused'}")
    if not accepted:
        return
    dates = [p.due_date for p in offer.payments]
    assert Money.sum((p.amount for p in offer.payments), USD) == offer.total
    assert offer.total + offer.discount == balance
    assert dates == sorted(set(dates)) and dates[0] >= AS_OF
    if offer.kind is OfferKind.FULL:
        assert (
            offer.discount.is_zero()
            and dates == [dates[0]]
            and dates[0] <= AS_OF + timedelta(days=14)
        )
    elif offer.kind is OfferKind.SETTLEMENT:
        assert offer.discount.amount * 100 <= balance.amount * 5
        assert len(dates) == 1 and dates[0] <= AS_OF + timedelta(days=10)
    else:
        assert offer.discount.is_zero()
        assert offer.down_payment is not None and offer.down_payment.amount * 10 >= balance.amount
        assert 2 <= len(offer.installments) <= 6
        assert all(p.amount >= m("50.00") for p in offer.installments)
        assert dates[0] <= AS_OF + timedelta(days=14) and dates[-1] <= AS_OF + timedelta(days=180)
        cal = business_calendar("US")
        assert all(cal.is_business_day(d) for d in dates)
        gaps = {(b - a).days for a, b in itertools.pairwise(dates)}
        assert gaps <= set(range(3, 12)) or gaps <= set(range(10, 19)) or gaps <= set(range(24, 36))


@settings(max_examples=300, deadline=None)
@given(
    start=st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31)),
    gaps=st.lists(st.integers(1, 40), min_size=1, max_size=6),
    frequency=st.sampled_from(list(Frequency)),
)
def test_a_cadence_follows_a_frequency_exactly_when_each_gap_fits_it_give_or_take_the_days_off(
    start: date, gaps: list[int], frequency: Frequency
) -> None:
    """Every gap must lie within the frequency's period widened by the non-business days around
    its two dates (a date moved off a weekend or holiday) — the rule written out in full here,
    with every run of days off looked up, whatever the gap."""
    cal = business_calendar("US", "CA")
    dates = list(itertools.accumulate([start, *gaps], lambda d, g: d + timedelta(days=g)))
    offer = Offer(
        OfferKind.PLAN, m(f"{len(dates)}.00"), tuple(Payment(d, m("1.00")) for d in dates), m("0")
    )
    lo, hi = PERIOD_DAYS[frequency]
    expected = all(
        lo - cal.run_before(a) - cal.run_after(b)
        <= (b - a).days
        <= hi + cal.run_after(a) + cal.run_before(b)
        for a, b in itertools.pairwise(dates)
    )
    event(f"follows={expected}")
    assert _follows(offer, frequency, cal) is expected
