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


def _record(obs: Observer, *, paid_on: int, channel: str, open_usd: int) -> Observer:
    for day in range(1, 31):
        if day == paid_on:
            obs.paid(20_000, 15_000)
        obs.touch(day, channel, allowed=True)
        obs.end_of_day(day, open_usd=open_usd)
    return obs


def test_shards_observers_add_up_to_the_whole_portfolios_kpis() -> None:
    """A run split into shards: counts and amounts add up, ratios are over the whole."""
    a = _record(Observer(4, 60_000, 2, 365_000), paid_on=5, channel="email", open_usd=40_000)
    b = _record(Observer(6, 40_000, 3, 365_000), paid_on=20, channel="sms", open_usd=10_000)
    a.conversations, b.conversations = 3, 1
    a.promises.append(PromiseRecord("A", date(2026, 3, 5), [(date(2026, 3, 9), 100)], True,
                                    paid=[True]))  # fmt: skip
    b.promises.append(PromiseRecord("B", date(2026, 3, 5), [(date(2026, 3, 9), 100)], True,
                                    breaks_at=0, paid=[False], missed=True))  # fmt: skip
    b.compliance_violations = 1
    a.findings.append({"account": "A", "at": "2026-03-04T15:00:00+00:00"})
    b.findings.append({"account": "B", "at": "2026-03-02T15:00:00+00:00"})
    whole = Observer.merged([a, b])
    k = whole.kpis(last_day=date(2026, 3, 31), open_usd=50_000, escalations=0)
    assert k["accounts"] == 10 and k["overdue_accounts"] == 5 and k["opening_overdue"] == "1000.00"
    assert k["recovered_end"] == "300.00" and k["recovered_pct_end"] == 30.0
    assert k["recovered_30"] == "300.00" and k["collected_total"] == "400.00"
    assert k["touches"] == 60 and k["touches_per_account"] == 12.0
    assert k["conversations"] == 4 and k["promises"] == 2 and k["ptp_capture_rate"] == 50.0
    assert k["ptp_kept_rate"] == 50.0 and k["broken_plans"] == 1
    assert k["compliance_violations"] == 1
    assert k["dso_end"] == 25.0  # 500.00 open / (7,300.00 a year / 365)
    series = whole.series(30)
    assert series["recovered_pct"][4] == [5, 15.0] and series["recovered_pct"][19] == [20, 30.0]
    assert series["open_balance_usd"][0] == [1, 500]
    assert series["touches_email"][0] == [1, 1] and series["touches_sms"][0] == [1, 1]
    assert [f["account"] for f in whole.findings] == ["B", "A"]  # by instant


def test_observers_of_different_days_are_not_merged() -> None:
    a = _record(Observer(1, 0, 0, 0), paid_on=0, channel="email", open_usd=0)
    b = Observer(1, 0, 0, 0)
    b.end_of_day(1, open_usd=0)
    with pytest.raises(ValueError, match="same days"):
        Observer.merged([a, b])
    with pytest.raises(ValueError, match="nothing to merge"):
        Observer.merged([])
