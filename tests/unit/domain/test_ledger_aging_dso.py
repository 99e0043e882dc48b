"""Aging buckets, DSO (standard and countback), CEI and the days-late profile."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amicable.domain.accounts import payment_profile
from amicable.domain.aging import BUCKETS, AgedItem, age, bucket_for
from amicable.domain.dso import MonthSales, cei, countback_dso, months_back, standard_dso
from amicable.domain.errors import CurrencyMismatch, InvalidInput
from amicable.domain.money import Money

AS_OF = date(2026, 3, 31)


def usd(x: str) -> Money:
    return Money.of(x, "USD")


@pytest.mark.parametrize(
    ("days", "bucket"),
    [(-3, "current"), (0, "current"), (1, "1-30"), (30, "1-30"), (31, "31-60"), (60, "31-60"),
     (61, "61-90"), (90, "61-90"), (91, "91-120"), (120, "91-120"), (121, "120+"), (999, "120+")],
)  # fmt: skip
def test_each_bucket_starts_and_ends_on_the_right_day(days: int, bucket: str) -> None:
    assert bucket_for(days) == bucket


def test_aging_groups_open_amounts_per_currency() -> None:
    items = [
        AgedItem(AS_OF, usd("10.00")),
        AgedItem(AS_OF - timedelta(days=45), usd("20.00")),
        AgedItem(AS_OF - timedelta(days=200), Money.of("500", "JPY")),
        AgedItem(AS_OF - timedelta(days=5), usd("0.00")),
    ]
    report = age(items, AS_OF).to_json()
    assert report["as_of"] == "2026-03-31"
    assert report["currencies"] == {
        "JPY": {"current": "0", "1-30": "0", "31-60": "0", "61-90": "0", "91-120": "0",
                "120+": "500", "total": "500"},
        "USD": {"current": "10.00", "1-30": "0.00", "31-60": "20.00", "61-90": "0.00",
                "91-120": "0.00", "120+": "0.00", "total": "30.00"},
    }  # fmt: skip


@given(st.lists(st.tuples(st.integers(-(10**8), 10**8), st.integers(-30, 400)), max_size=50))
def test_the_buckets_always_sum_exactly_to_the_total(raw: list[tuple[int, int]]) -> None:
    items = [AgedItem(AS_OF - timedelta(days=d), Money.from_minor(m, "USD")) for m, d in raw]
    report = age(items, AS_OF, by_key=True)
    if "USD" in report.currencies:
        b = report.currencies["USD"]
        assert sum(b.bucket(n).minor for n in BUCKETS) == b.total.minor == sum(m for m, _ in raw)


def test_standard_dso_is_ending_ar_over_sales_times_days() -> None:
    assert standard_dso(usd("300.00"), usd("900.00"), 90) == Decimal("30.0")
    assert standard_dso(usd("300.00"), usd("0.00"), 90) is None
    with pytest.raises(InvalidInput):
        standard_dso(usd("1.00"), usd("1.00"), 0)
    with pytest.raises(CurrencyMismatch):
        standard_dso(usd("1.00"), Money.of("1.00", "EUR"), 30)


def test_countback_dso_consumes_whole_months_then_a_fraction() -> None:
    """AR 1,500; this month (31 days) sold 1,000, the month before (28 days) sold 1,000:
    31 days + half of 28 = 45.0."""
    months = [MonthSales(31, usd("1000.00")), MonthSales(28, usd("1000.00"))]
    assert countback_dso(usd("1500.00"), months) == Decimal("45.0")
    assert countback_dso(usd("0.00"), months) == Decimal("0.0")
    assert countback_dso(usd("5000.00"), months) == Decimal("59.0")  # history too short: a floor
    assert countback_dso(usd("10.00"), [MonthSales(30, usd("0.00"))]) is None


def test_months_back_counts_only_the_elapsed_part_of_the_current_month() -> None:
    windows = months_back(date(2026, 3, 10), 3)
    assert windows == [
        (date(2026, 3, 1), date(2026, 3, 10)),
        (date(2026, 2, 1), date(2026, 2, 28)),
        (date(2026, 1, 1), date(2026, 1, 31)),
    ]


def test_cei_follows_the_textbook_formula() -> None:
    # (1000 + 500 - 600) / (1000 + 500 - 300) * 100 = 75.0
    assert cei(usd("1000.00"), usd("500.00"), usd("600.00"), usd("300.00")) == Decimal("75.0")
    assert cei(usd("0.00"), usd("100.00"), usd("100.00"), usd("100.00")) is None


def test_the_days_late_profile_counts_early_payments_as_on_time() -> None:
    due = date(2026, 1, 31)
    profile = payment_profile(
        [(due, due - timedelta(days=3)), (due, due), (due, due + timedelta(days=10)),
         (due, due + timedelta(days=30))]
    )  # fmt: skip
    assert profile.to_json() == {
        "settlements": 4,
        "average_days_late": "10.0",
        "median_days_late": "5.0",
        "on_time_share": "0.50",
        "max_days_late": 30,
    }


def test_without_history_the_profile_says_unknown_not_punctual() -> None:
    assert payment_profile([]).to_json()["average_days_late"] is None
