"""Installment schedules: exact amounts, frequency, end-of-month, business days, rescheduling."""

from __future__ import annotations

import itertools
import sys
import threading
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from policy_helpers import AS_OF, balances, countries, facts, load_doc, policy_doc

from amicable.domain.errors import InvalidInput
from amicable.domain.money import Money
from amicable.policy.evaluate import evaluate
from amicable.policy.gate import Outcome, check
from amicable.policy.model import Frequency
from amicable.policy.offer import Offer, OfferKind, Payment
from amicable.policy.schedule import (
    PERIOD_DAYS,
    BusinessCalendar,
    build_plan,
    business_calendar,
    change_amount,
    grace_period,
    insert_installment,
    move_date,
    nominal_date,
)


@pytest.mark.parametrize(
    ("anchor", "k", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2026, 1, 31), 2, date(2026, 3, 31)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 1, 30), 1, date(2026, 2, 28)),
        (date(2026, 1, 30), 2, date(2026, 3, 30)),
        (date(2026, 11, 15), 3, date(2027, 2, 15)),
        (date(2026, 12, 31), 12, date(2027, 12, 31)),
    ],
)
def test_monthly_dates_keep_the_anchor_day_and_are_end_of_month_safe(
    anchor: date, k: int, expected: date
) -> None:
    assert nominal_date(anchor, Frequency.MONTHLY, k) == expected


def test_weekly_and_biweekly_dates_step_seven_and_fourteen_days() -> None:
    assert nominal_date(date(2026, 1, 1), Frequency.WEEKLY, 3) == date(2026, 1, 22)
    assert nominal_date(date(2026, 1, 1), Frequency.BIWEEKLY, 3) == date(2026, 2, 12)


def test_business_days_skip_weekends_and_the_debtors_public_holidays() -> None:
    fr = BusinessCalendar("FR")
    assert not fr.is_business_day(date(2026, 5, 1))  # Fête du Travail, a Friday
    assert fr.following(date(2026, 5, 1)) == date(2026, 5, 4)
    assert fr.preceding(date(2026, 5, 1)) == date(2026, 4, 30)
    assert BusinessCalendar(None).is_business_day(date(2026, 5, 1))
    us = business_calendar("US", "CA")
    assert not us.is_business_day(date(2026, 11, 26))  # Thanksgiving
    # California also closes the Friday after Thanksgiving: Thu, Fri, Sat, Sun.
    assert us.run_before(date(2026, 11, 30)) == 4 and us.run_after(date(2026, 11, 25)) == 4
    with pytest.raises(InvalidInput, match="no holiday calendar for 'ZZ'"):
        BusinessCalendar("ZZ")


def test_a_region_without_its_own_holidays_uses_the_national_calendar() -> None:
    paris = BusinessCalendar("FR", "IDF")  # Île-de-France has no regional holidays of its own
    assert not paris.is_business_day(date(2026, 7, 14))  # Fête nationale, a Tuesday
    assert paris.is_business_day(date(2026, 7, 15))
    # A region the tables do know keeps its own days: Alsace-Moselle's Saint-Étienne (26 Dec).
    alsace = BusinessCalendar("FR", "57")
    assert not alsace.is_business_day(date(2028, 12, 26))  # a Tuesday
    assert BusinessCalendar("FR").is_business_day(date(2028, 12, 26))


def test_the_holiday_librarys_country_table_is_read_once_for_every_new_jurisdiction(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The library rebuilds its table on each call (about 16 ms): reading it for every new
    # (country, region) a process met was 2.5 % of a server's CPU over HTTP.
    import holidays

    from amicable.policy import schedule

    calls = []
    real = holidays.list_supported_countries

    def counting() -> dict[str, list[str]]:
        calls.append(1)
        return real()

    monkeypatch.setattr(holidays, "list_supported_countries", counting)
    schedule._supported_countries.cache_clear()
    try:
        for country, region in (("US", "CA"), ("US", "NY"), ("FR", None), ("DE", "BY")):
            assert BusinessCalendar(country, region).is_business_day(date(2025, 12, 25)) is False
        with pytest.raises(InvalidInput, match="no holiday calendar"):
            BusinessCalendar("XX")
    finally:
        schedule._supported_countries.cache_clear()
    assert len(calls) == 1


def test_adjust_moves_forward_unless_that_crosses_the_limit_then_backward() -> None:
    cal = BusinessCalendar("FR")
    friday_holiday = date(2026, 5, 1)
    assert cal.adjust(friday_holiday, earliest=date(2026, 4, 1), latest=date(2026, 6, 1)) == date(
        2026, 5, 4
    )
    assert cal.adjust(friday_holiday, earliest=date(2026, 4, 1), latest=date(2026, 5, 2)) == date(
        2026, 4, 30
    )
    assert cal.adjust(friday_holiday, earliest=date(2026, 5, 1), latest=date(2026, 5, 3)) is None


def test_a_plan_splits_in_minor_units_with_the_down_payment_first() -> None:
    offer = build_plan(
        Money.of("1000.00", "USD"),
        as_of=AS_OF,
        first_due=date(2026, 11, 27),
        first_due_latest=date(2026, 12, 4),
        latest=date(2027, 6, 1),
        frequency=Frequency.MONTHLY,
        count=3,
        down_payment=Money.of("100.00", "USD"),
        calendar=BusinessCalendar("US"),
    )
    assert offer is not None
    assert [(p.due_date.isoformat(), p.amount.amount_str()) for p in offer.payments] == [
        ("2026-11-27", "100.00"),
        ("2026-12-28", "300.00"),  # the 27th is a Sunday: following business day
        ("2027-01-27", "300.00"),
        ("2027-03-01", "300.00"),  # 27 February is a Saturday; the next business day is in March
    ]
    odd = build_plan(
        Money.of("100.00", "USD"),
        as_of=AS_OF,
        first_due=date(2026, 11, 23),
        first_due_latest=date(2026, 12, 4),
        latest=date(2027, 6, 1),
        frequency=Frequency.WEEKLY,
        count=3,
        down_payment=None,
        calendar=BusinessCalendar(None),
    )
    assert odd is not None
    assert [p.amount.amount_str() for p in odd.payments] == ["33.34", "33.33", "33.33"]


def test_a_plan_that_cannot_fit_its_limits_is_none_and_a_zero_count_is_an_error() -> None:
    args = dict(
        as_of=AS_OF,
        first_due=date(2026, 11, 23),
        first_due_latest=date(2026, 11, 23),
        frequency=Frequency.MONTHLY,
        down_payment=None,
        calendar=BusinessCalendar(None),
    )
    total = Money.of("100.00", "USD")
    assert build_plan(total, latest=date(2027, 1, 1), count=4, **args) is None  # type: ignore[arg-type]
    assert (
        build_plan(
            total, latest=date(2027, 1, 1), count=1, **{**args, "first_due": date(2026, 11, 22)}
        )
        is not None
    )  # type: ignore[arg-type]
    assert (
        build_plan(total, latest=date(2027, 1, 1), count=2, **{**args, "down_payment": total})
        is None
    )  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        build_plan(total, latest=date(2027, 1, 1), count=0, **args)  # type: ignore[arg-type]


@settings(max_examples=150, deadline=None)
@given(
    total=balances,
    frequency=st.sampled_from(list(Frequency)),
    count=st.integers(1, 12),
    down_pct=st.sampled_from([0, 10, 33]),
    country=countries,
    start=st.dates(date(2026, 1, 1), date(2028, 12, 31)),
    offset=st.integers(0, 14),
)
def test_every_schedule_sums_to_its_total_and_respects_frequency_term_and_business_days(
    total: Money,
    frequency: Frequency,
    count: int,
    down_pct: int,
    country: str | None,
    start: date,
    offset: int,
) -> None:
    cal = business_calendar(country)
    down = total.percent(down_pct, rounding="ROUND_CEILING") if down_pct else None
    latest = start + timedelta(days=400)
    offer = build_plan(
        total,
        as_of=start,
        first_due=start + timedelta(days=offset),
        first_due_latest=start + timedelta(days=offset + 7),
        latest=latest,
        frequency=frequency,
        count=count,
        down_payment=down,
        calendar=cal,
    )
    if offer is None:
        return
    assert Money.sum((p.amount for p in offer.payments), "USD") == total
    assert len(offer.installments) == count
    amounts = [p.amount.minor for p in offer.installments]
    assert max(amounts) - min(amounts) <= 1
    dates = [p.due_date for p in offer.payments]
    assert all(cal.is_business_day(d) for d in dates)
    assert dates == sorted(dates) and len(set(dates)) == len(dates)
    assert start <= dates[0] <= start + timedelta(days=offset + 7)
    assert dates[-1] <= latest
    lo, hi = PERIOD_DAYS[frequency]
    for a, b in itertools.pairwise(dates):
        gap = (b - a).days
        assert (
            lo - cal.run_before(a) - cal.run_after(b)
            <= gap
            <= hi + cal.run_after(a) + cal.run_before(b)
        )


def _space_and_plan() -> tuple[object, Offer]:
    space = evaluate(load_doc(policy_doc()), facts("1200.00", country="US"), as_of=AS_OF)
    offer = build_plan(
        Money.of("1200.00", "USD"),
        as_of=AS_OF,
        first_due=date(2026, 11, 27),
        first_due_latest=date(2026, 12, 4),
        latest=AS_OF + timedelta(days=180),
        frequency=Frequency.MONTHLY,
        count=3,
        down_payment=Money.of("120.00", "USD"),
        calendar=business_calendar("US"),
    )
    assert offer is not None
    return space, offer


def test_changing_an_amount_rebalances_the_later_payments_and_keeps_the_total() -> None:
    space, offer = _space_and_plan()
    changed = change_amount(offer, 1, Money.of("100.00", "USD"))
    assert [p.amount.amount_str() for p in changed.payments] == [
        "120.00",
        "100.00",
        "490.00",
        "490.00",
    ]
    assert check(space, changed).outcome is Outcome.OK  # type: ignore[arg-type]
    too_small = change_amount(offer, 1, Money.of("20.00", "USD"))
    assert "installment_below_minimum" in {v.code for v in check(space, too_small).violations}  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        change_amount(offer, 3, Money.of("10.00", "USD"))
    with pytest.raises(InvalidInput):
        change_amount(offer, 1, Money.of("1200.00", "USD"))
    with pytest.raises(InvalidInput, match="no payment #9"):
        change_amount(offer, 9, Money.of("1.00", "USD"))


def test_moving_a_date_goes_through_the_gate() -> None:
    space, offer = _space_and_plan()
    ok = move_date(offer, 3, date(2027, 3, 1))
    assert check(space, ok).accepted  # type: ignore[arg-type]
    weekend = move_date(offer, 2, date(2027, 1, 30))
    assert "not_a_business_day" in {v.code for v in check(space, weekend).violations}  # type: ignore[arg-type]


def test_inserting_an_installment_re_splits_and_the_gate_judges_the_cadence() -> None:
    space, offer = _space_and_plan()
    appended = insert_installment(offer, date(2027, 3, 29))
    assert [p.amount.amount_str() for p in appended.payments] == [
        "120.00",
        "270.00",
        "270.00",
        "270.00",
        "270.00",
    ]
    assert check(space, appended).accepted  # type: ignore[arg-type]
    squeezed = insert_installment(offer, date(2027, 1, 5))
    assert "cadence_not_allowed" in {v.code for v in check(space, squeezed).violations}  # type: ignore[arg-type]
    single = Offer(
        OfferKind.FULL, offer.total, (Payment(date(2026, 12, 1), offer.total),), Money.zero("USD")
    )
    with pytest.raises(InvalidInput):
        insert_installment(single, date(2027, 1, 5))


def test_a_grace_period_pushes_the_remaining_payments_to_business_days() -> None:
    space, offer = _space_and_plan()
    graced = grace_period(offer, 7, business_calendar("US"))
    assert [p.due_date for p in graced.payments] == [
        date(2026, 12, 4),
        date(2027, 1, 4),
        date(2027, 2, 3),
        date(2027, 3, 8),
    ]
    assert check(space, graced).accepted  # type: ignore[arg-type]
    # A grace in the middle stretches one gap beyond the cadence: the same gate refuses it.
    middle = grace_period(offer, 14, business_calendar("US"), from_index=1)
    assert middle.payments[0] == offer.payments[0]
    assert [v.code for v in check(space, middle).violations] == ["cadence_not_allowed"]  # type: ignore[arg-type]
    long = grace_period(offer, 120, business_calendar("US"))
    assert {"first_payment_too_late", "term_too_long"} <= {
        v.code for v in check(space, long).violations
    }  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        grace_period(offer, -1, business_calendar("US"))


def test_a_shared_calendar_answers_every_thread_right_while_it_fills_years_in() -> None:
    """``business_calendar`` hands one calendar to every API request thread. The holiday tables
    fill a year in on its first lookup (they mark the year known before filling it, and keep
    the year being filled on the object), so threads asking about new years at once were told a
    holiday was a business day unless the lookup holds the calendar's lock."""
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # make the threads interleave inside the holiday library
    try:
        wrong = 0
        for _ in range(20):
            cal = BusinessCalendar("US")
            answers: list[bool] = []
            start = threading.Barrier(8)

            def ask(
                year: int,
                cal: BusinessCalendar = cal,
                answers: list[bool] = answers,
                start: threading.Barrier = start,
            ) -> None:
                start.wait()
                answers.append(cal.is_business_day(date(year, 12, 25)))

            threads = [threading.Thread(target=ask, args=(2030 + i,)) for i in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert len(answers) == 8
            wrong += sum(answers)  # Christmas Day is never a business day
    finally:
        sys.setswitchinterval(switch)
    assert wrong == 0
