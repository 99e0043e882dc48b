"""The pure analytics computations: ratios, percentiles, roll rates and recovery curves."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from amicable.domain.analytics import (
    ROLL_BUCKETS,
    RollSource,
    percentile,
    ratio,
    recovery_curve,
    roll_rates,
)
from amicable.domain.errors import InvalidInput
from amicable.domain.money import Money

AT = date(2026, 2, 1)


def test_a_ratio_is_rounded_half_even_to_four_places_and_undefined_over_zero() -> None:
    assert ratio(1, 3) == Decimal("0.3333")
    assert ratio(2, 3) == Decimal("0.6667")
    assert ratio(1, 80000) == Decimal("0.0000")  # 0.0000125 rounds down
    assert ratio(5, 0) is None
    assert ratio(0, 7) == Decimal("0.0000")


def test_percentiles_interpolate_between_order_statistics() -> None:
    values = [Decimal(v) for v in ("20", "2", "10")]
    assert percentile(values, 50) == Decimal("10")
    assert percentile(values, 90) == Decimal("18.0")
    assert percentile(values, 0) == Decimal("2")
    assert percentile(values, 100) == Decimal("20")
    assert percentile([Decimal("4")], 90) == Decimal("4")
    assert percentile([Decimal(1), Decimal(2)], 50) == Decimal("1.5")
    assert percentile([], 50) is None


def test_a_percentile_outside_0_to_100_is_refused() -> None:
    with pytest.raises(InvalidInput, match="between 0 and 100"):
        percentile([Decimal(1)], 101)


def test_roll_rates_bucket_by_the_first_date_and_count_only_what_stays_unpaid() -> None:
    sources = [
        RollSource(date(2026, 1, 10), "USD", 10000, 6000),  # 1-30, 60.00 unpaid
        RollSource(date(2026, 1, 25), "USD", 20000, 0),  # 1-30, paid
        RollSource(date(2026, 2, 10), "USD", 5000, 3000),  # current, due within the step
        RollSource(date(2026, 3, 20), "USD", 7000, 7000),  # current, still not due a step later
        RollSource(date(2025, 11, 20), "USD", 8000, 9000),  # 61-90, grew: capped at its base
        RollSource(date(2025, 6, 1), "USD", 4000, 4000),  # 120+: no next bucket, left out
        RollSource(date(2026, 1, 10), "USD", -500, -500),  # a credit is not a balance to roll
        RollSource(date(2026, 1, 20), "EUR", 1000, -200),  # overpaid: nothing rolled
    ]
    rolls = roll_rates(sources, AT)
    assert list(rolls) == ["EUR", "USD"]
    usd = {r.bucket: r for r in rolls["USD"]}
    assert [r.bucket for r in rolls["USD"]] == list(ROLL_BUCKETS)
    assert (usd["current"].base, usd["current"].rolled) == (Money.of("120.00", "USD"),
                                                            Money.of("30.00", "USD"))  # fmt: skip
    assert usd["1-30"].rate == Decimal("0.2000")
    assert usd["61-90"].to_json() == {"from": "61-90", "to": "91-120", "balance": "80.00",
                                      "rolled": "80.00", "rate": "1.0000"}  # fmt: skip
    assert usd["31-60"].rate is None and usd["31-60"].to_json()["rate"] is None
    eur = {r.bucket: r for r in rolls["EUR"]}
    assert eur["1-30"].rate == Decimal("0.0000")


def test_a_recovery_curve_accumulates_day_by_day() -> None:
    curve = recovery_curve(Money.of("380.00", "USD"), {4: 4000, 19: 20000, 45: 999}, 20)
    assert len(curve) == 21
    assert curve[0].to_json() == [0, "0.00", "0.0000"]
    assert curve[4].to_json() == [4, "40.00", "0.1053"]
    assert curve[20].to_json() == [20, "240.00", "0.6316"]


def test_a_recovery_curve_of_nothing_overdue_has_no_share() -> None:
    curve = recovery_curve(Money.zero("USD"), {}, 2)
    assert [p.share for p in curve] == [None, None, None]
    assert curve[1].to_json() == [1, "0.00", None]
    with pytest.raises(InvalidInput, match="days >= 0"):
        recovery_curve(Money.zero("USD"), {}, -1)
