"""The risk model: features without look-ahead, calibrated probabilities, a backtest that beats
the days-past-due heuristic on the sample portfolio, cold start, storage and the risk port."""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategy_sample import sample_history

from amicable.domain.errors import InvalidInput
from amicable.domain.money import Money
from amicable.policy.facts import AccountFacts
from amicable.policy.optimise import RiskPort
from amicable.strategy.history import (
    CustomerProfile,
    InvoiceHistory,
    LedgerHistory,
    PaymentEvent,
)
from amicable.strategy.risk import (
    FEATURES,
    ModelRiskEstimator,
    RiskModel,
    backtest,
    features_at,
    heuristic_probability,
    snapshots,
    train,
)

SPLIT = date(2025, 10, 15)


@pytest.fixture(scope="module")
def history() -> LedgerHistory:
    return sample_history(500, 11)


@pytest.fixture(scope="module")
def report(history: LedgerHistory) -> dict[str, Any]:
    return backtest(history, SPLIT)


@pytest.fixture(scope="module")
def model(history: LedgerHistory) -> RiskModel:
    return train(history, cutoff=SPLIT)


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    def eq(x: Any, y: Any) -> bool:
        if isinstance(x, float) and isinstance(y, float) and math.isnan(x):
            return math.isnan(y)
        return bool(x == y)

    return a.keys() == b.keys() and all(eq(a[k], b[k]) for k in a)


def test_features_read_nothing_after_the_observation_date(history: LedgerHistory) -> None:
    by_customer: dict[str, list[InvoiceHistory]] = {}
    for inv in history.invoices:
        by_customer.setdefault(inv.customer, []).append(inv)
    checked = 0
    for inv in history.invoices[::7]:
        for offset in (0, 20, 45):
            at = inv.issue_date + timedelta(days=offset)
            if at > history.as_of:
                continue
            past = history.truncated(at)
            past_siblings = [i for i in past.invoices if i.customer == inv.customer]
            past_inv = next(i for i in past_siblings if i.number == inv.number)
            customer = history.customer(inv.customer)
            full = features_at(inv, customer, by_customer[inv.customer], at)
            truncated = features_at(past_inv, customer, past_siblings, at)
            assert _same(full, truncated), (inv.number, at)
            checked += 1
    assert checked > 100


def test_every_feature_row_has_exactly_the_documented_features(history: LedgerHistory) -> None:
    rows = snapshots(history)[:50]
    assert rows and all(tuple(s.features) == FEATURES for s in rows)


def test_a_snapshot_is_never_taken_after_the_invoice_was_paid(history: LedgerHistory) -> None:
    numbers = {i.number: i for i in history.invoices}
    for s in snapshots(history):
        settled = numbers[s.invoice].settled_on()
        assert settled is None or s.at < settled


def test_training_before_a_cutoff_ignores_everything_after_it(
    history: LedgerHistory, model: RiskModel
) -> None:
    again = train(history.truncated(SPLIT - timedelta(days=1)))
    probe = [s.features for s in snapshots(history, issued_from=SPLIT)[:200]]
    assert [p.probability for p in model.predict(probe)] == [
        p.probability for p in again.predict(probe)
    ]


def test_the_backtest_answer_has_exactly_the_five_keys(report: dict[str, Any]) -> None:
    assert set(report) == {"n", "auc", "brier", "calibration", "baseline_auc"}
    assert report["n"] > 300
    for row in report["calibration"]:
        assert set(row) == {"bin", "predicted", "observed", "n"}
    assert sum(row["n"] for row in report["calibration"]) == report["n"]


def test_the_model_beats_the_days_past_due_heuristic_on_a_held_out_period(
    report: dict[str, Any],
) -> None:
    assert report["auc"] > 0.85
    assert report["auc"] > report["baseline_auc"] + 0.1


def test_probabilities_are_calibrated_on_the_held_out_period(report: dict[str, Any]) -> None:
    n = report["n"]
    gap = sum(r["n"] * abs(r["predicted"] - r["observed"]) for r in report["calibration"]) / n
    assert gap < 0.12  # expected calibration error
    assert report["brier"] < 0.15


def test_training_is_deterministic_and_survives_storage(
    history: LedgerHistory, model: RiskModel
) -> None:
    probe = [s.features for s in snapshots(history, issued_from=SPLIT)[:100]]
    first = model.predict(probe)
    assert train(history, cutoff=SPLIT).predict(probe) == first
    restored = RiskModel.from_bytes(model.to_bytes())
    assert restored.predict(probe) == first
    assert (restored.kind, restored.trained_until) == ("model", SPLIT)


def test_a_foreign_blob_is_refused_with_a_clear_error() -> None:
    with pytest.raises(InvalidInput, match="cannot be read"):
        RiskModel.from_bytes(b"not a model")


def test_expected_days_to_pay_are_longer_for_riskier_snapshots(
    history: LedgerHistory, model: RiskModel
) -> None:
    rows = [s.features for s in snapshots(history, issued_from=SPLIT)]
    preds = model.predict(rows)
    safe = [p.expected_days for p in preds if p.probability > 0.8]
    risky = [p.expected_days for p in preds if p.probability < 0.2]
    assert safe and risky
    assert sum(risky) / len(risky) > sum(safe) / len(safe) + 20


def _tiny() -> LedgerHistory:
    c = CustomerProfile("C1")
    inv = InvoiceHistory(
        "I-1",
        "C1",
        date(2026, 1, 1),
        date(2026, 1, 31),
        10_000,
        "USD",
        (PaymentEvent("I-1", date(2026, 2, 3), 10_000),),
    )
    return LedgerHistory(as_of=date(2026, 3, 31), customers=[c], invoices=[inv])


def test_too_little_history_falls_back_to_the_cold_start_heuristic() -> None:
    model = train(_tiny())
    assert model.kind == "heuristic"
    row = features_at(
        _tiny().invoices[0], CustomerProfile("C1"), _tiny().invoices, date(2026, 2, 1)
    )
    (prediction,) = model.predict([row])
    assert prediction.source == "heuristic"
    assert prediction.probability == pytest.approx(heuristic_probability(row))


@settings(max_examples=60, deadline=None)
@given(
    dpd=st.integers(-60, 400),
    more=st.integers(1, 200),
    on_time=st.one_of(st.none(), st.floats(0, 1)),
    over30=st.integers(0, 5),
)
def test_the_heuristic_is_a_probability_that_falls_as_days_past_due_grow(
    dpd: int, more: int, on_time: float | None, over30: int
) -> None:
    def row(d: int) -> dict[str, Any]:
        return {"days_past_due": d, "hist_on_time_share": on_time, "overdue_over_30": over30}

    p, later = heuristic_probability(row(dpd)), heuristic_probability(row(dpd + more))
    assert 0 < later <= p < 1


def test_the_model_plugs_into_the_policy_risk_port(model: RiskModel) -> None:
    estimator: RiskPort = ModelRiskEstimator(model)
    fresh = AccountFacts(
        balance=Money.of("500.00", "USD"),
        days_past_due=0,
        on_time_ratio=Decimal(1),
        payments_made=5,
    )
    stale = AccountFacts(
        balance=Money.of("500.00", "USD"),
        days_past_due=150,
        on_time_ratio=Decimal(0),
        payments_made=5,
    )
    p_fresh = estimator.probability_of_payment(fresh)
    p_stale = estimator.probability_of_payment(stale)
    assert isinstance(p_fresh, Decimal) and Decimal(0) <= p_stale <= p_fresh <= Decimal(1)
    assert p_fresh - p_stale > Decimal("0.3")
    scored = AccountFacts(
        balance=Money.of("500.00", "USD"), days_past_due=150, probability_of_payment=Decimal("0.42")
    )
    assert estimator.probability_of_payment(scored) == Decimal("0.42")


def test_a_backtest_after_the_end_of_the_history_is_refused(history: LedgerHistory) -> None:
    with pytest.raises(InvalidInput, match="after the end"):
        backtest(history, history.as_of + timedelta(days=1))


def test_the_optimiser_uses_the_model_through_the_risk_port(model: RiskModel) -> None:
    from amicable.policy.evaluate import evaluate
    from amicable.policy.load import load_default_policy
    from amicable.policy.optimise import optimise

    policy = load_default_policy()
    facts = AccountFacts(
        balance=Money.of("1200.00", "USD"), days_past_due=45, country="US", region="CA"
    )
    space = evaluate(policy, facts, as_of=date(2026, 3, 1))
    estimator = ModelRiskEstimator(model)
    result = optimise(policy, space, facts, risk=estimator)
    assert result.probability == estimator.probability_of_payment(facts)


def test_customer_stats_change_the_score_of_an_account(
    history: LedgerHistory, model: RiskModel
) -> None:
    from amicable.strategy.risk import customer_stats

    facts = AccountFacts(balance=Money.of("800.00", "USD"), days_past_due=5)
    by_customer: dict[str, list[InvoiceHistory]] = {}
    for inv in history.invoices:
        by_customer.setdefault(inv.customer, []).append(inv)
    scores = []
    for invoices in list(by_customer.values())[:150]:
        stats = customer_stats(invoices, SPLIT)
        if stats.paid_count >= 2:
            scores.append(ModelRiskEstimator(model, stats).probability_of_payment(facts))
    assert len(set(scores)) > 5  # the history, not only the facts, drives the score


def test_a_history_refuses_unknown_customers_duplicates_and_future_payments() -> None:
    c = CustomerProfile("C1")
    inv = InvoiceHistory("I-1", "C1", date(2026, 1, 1), date(2026, 1, 31), 100, "USD")
    with pytest.raises(InvalidInput, match="unknown customer"):
        LedgerHistory(as_of=date(2026, 3, 1), customers=[], invoices=[inv])
    with pytest.raises(InvalidInput, match="twice"):
        LedgerHistory(as_of=date(2026, 3, 1), customers=[c], invoices=[inv, inv])
    paid_later = InvoiceHistory(
        "I-2", "C1", date(2026, 1, 1), date(2026, 1, 31), 100, "USD",
        (PaymentEvent("I-2", date(2026, 3, 5), 100),),
    )  # fmt: skip
    with pytest.raises(InvalidInput, match="after the history"):
        LedgerHistory(as_of=date(2026, 3, 1), customers=[c], invoices=[paid_later])
    with pytest.raises(InvalidInput, match="due date before issue"):
        InvoiceHistory("I-3", "C1", date(2026, 1, 31), date(2026, 1, 1), 100, "USD")
    with pytest.raises(InvalidInput, match="amount must be positive"):
        InvoiceHistory("I-4", "C1", date(2026, 1, 1), date(2026, 1, 31), 0, "USD")
