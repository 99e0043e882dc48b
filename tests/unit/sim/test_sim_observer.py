"""The outside observer's KPIs from a hand-built record: recovery checkpoints, PTP capture and kept
rates, broken plans, touches, DSO, violations; exact reporting-currency conversion."""

from __future__ import annotations

from datetime import date

import pytest

from amicable.sim.observer import Observer, PromiseRecord, to_usd_cents


def test_reporting_currency_conversion_is_exact_and_refuses_unknown_currencies() -> None:
    assert to_usd_cents(10_000, "USD") == 10_000
    assert to_usd_cents(10_000, "GBP") == 12_700
    assert to_usd_cents(1, "EUR") == 1  # 1.08 cents rounds half-even to 1
    with pytest.raises(ValueError, match="JPY"):
        to_usd_cents(100, "JPY")


def test_kpis_from_a_hand_built_record() -> None:
    obs = Observer(accounts=10, opening_overdue_usd=100_000, overdue_accounts=4,
                   sales_year_usd=3_650_000)  # fmt: skip
    for day in range(1, 91):
        if day == 10:
            obs.paid(30_000, 25_000)  # 250.00 against the opening overdue, 50.00 current
        if day == 45:
            obs.paid(10_000, 10_000)
        obs.touch(day, "email" if day % 2 else "sms", allowed=day != 7)
        obs.end_of_day(day, open_usd=50_000)
    obs.conversations = 4
    kept = PromiseRecord("C1", date(2026, 3, 5), [(date(2026, 3, 10), 100)], True, paid=[True])
    broken = PromiseRecord("C2", date(2026, 3, 5), [(date(2026, 3, 10), 100)], True,
                           breaks_at=0, paid=[False], missed=True)  # fmt: skip
    later = PromiseRecord("C3", date(2026, 3, 5), [(date(2026, 9, 1), 100)], False)
    obs.promises += [kept, broken, later]
    obs.policy_violations = 0
    k = obs.kpis(last_day=date(2026, 5, 30), open_usd=50_000, escalations=2)
    assert k["recovered_30"] == "250.00" and k["recovered_pct_30"] == 25.0
    assert k["recovered_60"] == "350.00" and k["recovered_pct_90"] == 35.0
    assert k["recovered_end"] == "350.00" and k["collected_total"] == "400.00"
    assert k["promises"] == 3 and k["ptp_capture_rate"] == 75.0
    assert k["ptp_kept_rate"] == 50.0  # the promise not yet due is not counted
    assert k["broken_plans"] == 1
    assert k["touches"] == 90 and k["touches_per_account"] == 22.5
    assert k["compliance_violations"] == 1 and k["escalations"] == 2
    assert k["dso_end"] == 5.0  # 500.00 open / (36,500.00 a year / 365)
    series = obs.series(90)
    assert series["recovered_pct"][9] == [10, 25.0]
    assert len(series["touches_email"]) == 90 and series["touches_sms"][1] == [2, 1]


def test_checkpoints_past_the_run_are_none() -> None:
    obs = Observer(accounts=1, opening_overdue_usd=0, overdue_accounts=0, sales_year_usd=0)
    for day in range(1, 31):
        obs.end_of_day(day, open_usd=0)
    k = obs.kpis(last_day=date(2026, 3, 31), open_usd=0, escalations=0)
    assert k["recovered_30"] == "0.00" and k["recovered_60"] is None and k["dso_end"] is None
    assert k["recovered_pct_30"] == 0.0 and k["touches_per_account"] == 0.0
