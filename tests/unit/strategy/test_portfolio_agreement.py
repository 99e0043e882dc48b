"""The vectorised portfolio planner gives, for every account, the same answer as the per-account
path: ``policy.evaluate`` for segment, action and bounds; ``HeuristicRisk`` for P(pay); and
``compliance.decide`` (with the contact-window rule alone) for the earliest allowed instant."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import ROUND_CEILING, Decimal
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amicable.compliance import ComplianceContext, Debtor, ProposedContact, decide
from amicable.compliance.packs import parse_pack
from amicable.domain.errors import InvalidInput
from amicable.domain.money import Money
from amicable.policy.evaluate import evaluate
from amicable.policy.facts import AccountFacts
from amicable.policy.load import default_policy_text, load_policy
from amicable.policy.model import Action, CustomerType, DisputeStatus, Policy
from amicable.policy.optimise import HeuristicRisk
from amicable.strategy.nba import CHANNELS
from amicable.strategy.portfolio import ContactWindow, earliest_in_window, plan_portfolio

AS_OF = date(2026, 11, 2)
ZONES = ("America/New_York", "America/Los_Angeles", "Europe/Paris", "Asia/Tokyo", "UTC", None)
CURRENCIES = ("USD", "EUR", "GBP", "CAD", "JPY")
TAGS = ("vip", "legal", "slow")

# A policy exercising every condition kind the compiler handles.
RICH_POLICY = load_policy(
    """
version: "test-rich"
currency: USD
economics: {annual_discount_rate: "0.10", cost_per_contact: "1.50", external_agency_fee_pct: "25"}
segments:
  - name: disputed
    when: {dispute: open}
    action: hold
  - name: tagged_legal
    when: {tags: [legal, vip]}
    action: escalate
  - name: french_business
    when: {jurisdiction: [FR, US-CA], customer_type: [business]}
    action: negotiate
    terms:
      settlement: {max_discount_pct: "7.5", pay_within_days: 10}
  - name: promise_breakers
    when: {broken_promises: {min: 2}, aging_bucket: ["31-60", "61-90"]}
    action: escalate
  - name: risky
    when: {risk_band: [high, very_high]}
    action: negotiate
    approval: always
  - name: small_usd_enterprise
    when: {tier: [enterprise, gold], balance: {min: "10.01", max: "5000"}}
    action: negotiate
    terms:
      plan:
        installments: {min: 2, max: 4}
        frequencies: [monthly]
        max_term_days: 120
        first_due_within_days: 14
        min_installment: "25.50"
  - name: yen
    when: {currency: [JPY], days_past_due: {max: 90}}
    action: negotiate
    terms:
      plan:
        installments: {min: 3, max: 5}
        frequencies: [monthly]
        max_term_days: 180
        first_due_within_days: 14
        min_installment: "1000"
  - name: rest_usd
    when: {days_past_due: {max: 200}}
    action: negotiate
"""
)


def _account(i: int) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "account": st.just(f"A{i}"),
            "balance_minor": st.integers(1, 5_000_000),
            "currency": st.sampled_from(CURRENCIES),
            "days_past_due": st.integers(0, 400),
            "customer_type": st.sampled_from(("business", "consumer")),
            "tier": st.sampled_from((None, "enterprise", "gold", "smb")),
            "country": st.sampled_from((None, "US", "FR", "DE")),
            "region": st.sampled_from((None, "CA", "NY")),
            "dispute_open": st.booleans(),
            "tags": st.lists(st.sampled_from(TAGS), unique=True, max_size=3),
            "broken_promises": st.integers(0, 4),
            "on_time_share": st.one_of(st.none(), st.integers(0, 100).map(lambda n: n / 100)),
            "risk_band": st.sampled_from((None, "low", "medium", "high", "very_high")),
            "timezone": st.sampled_from(ZONES),
            "consent_email": st.booleans(),
            "consent_sms": st.booleans(),
            "consent_whatsapp": st.booleans(),
            "consent_call": st.booleans(),
            "final_notice_sent": st.booleans(),
        }
    )


portfolios = st.integers(1, 25).flatmap(lambda n: st.tuples(*(_account(i) for i in range(n))))
# hypothesis takes naive bounds and attaches the zone itself.
instants = st.datetimes(
    min_value=datetime(2026, 1, 1),  # noqa: DTZ001
    max_value=datetime(2027, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)
windows = st.builds(
    ContactWindow,
    start=st.sampled_from((time(6, 30), time(8), time(9, 15))),
    end=st.sampled_from((time(17), time(18), time(21))),
    days=st.frozensets(st.integers(0, 6), min_size=1),
)


def _facts(row: dict[str, Any]) -> AccountFacts:
    """The per-account path's facts, built as ``service.policies.policy_facts`` builds them."""
    return AccountFacts(
        balance=Money.from_minor(row["balance_minor"], row["currency"]),
        days_past_due=row["days_past_due"],
        customer_type=CustomerType(row["customer_type"]),
        dispute=DisputeStatus.OPEN if row["dispute_open"] else DisputeStatus.NONE,
        risk_band=row["risk_band"],
        tier=row["tier"],
        country=row["country"],
        region=row["region"],
        broken_promises=row["broken_promises"],
        tags=frozenset(row["tags"]),
        on_time_ratio=None if row["on_time_share"] is None else Decimal(str(row["on_time_share"])),
    )


def _window_pack(window: ContactWindow) -> Any:
    names = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return parse_pack(
        {
            "id": "test_window_only",
            "rules": [
                {
                    "id": "test.window",
                    "kind": "contact_window",
                    "citation": "test",
                    "channels": ["call", "voicemail", "sms", "whatsapp", "email", "chat"],
                    "params": {
                        "start": window.start.strftime("%H:%M"),
                        "end": window.end.strftime("%H:%M"),
                        "days": [names[d] for d in sorted(window.days)],
                    },
                }
            ],
        },
        "test",
    )


def _expected_next(row: dict[str, Any], action: Action, earliest: datetime | None) -> str:
    """The deterministic rules of ``strategy.nba.plan_next_action``, restated per account."""
    if row["dispute_open"] or action is Action.HOLD:
        return "hold"
    if action is Action.ESCALATE or row["days_past_due"] > 365:
        return "escalate"
    consented = [c for c in CHANNELS if row[f"consent_{c}"]] if earliest is not None else []
    if not consented:
        return "hold"
    written = [c for c in ("email", "whatsapp", "sms") if row[f"consent_{c}"]]
    if row["days_past_due"] >= 60 and not row["final_notice_sent"] and written:
        return "final_notice"
    return consented[0]


def _check_agreement(
    rows: tuple[dict[str, Any], ...], policy: Policy, now: datetime, window: ContactWindow
) -> None:
    frame = pl.DataFrame(list(rows))
    plan = plan_portfolio(frame, policy, as_of=AS_OF, now=now, window=window).to_dicts()
    pack = _window_pack(window)
    assert [p["account"] for p in plan] == [r["account"] for r in rows]
    for row, got in zip(rows, plan, strict=True):
        facts = _facts(row)
        space = evaluate(policy, facts, as_of=AS_OF)
        where = f"account {row['account']}: {row}"
        assert got["segment"] == space.segment, where
        assert got["segment_rule"] == space.segment_rule, where
        assert got["policy_action"] == space.action.value, where
        expected_p = HeuristicRisk().probability_of_payment(facts)
        assert abs(Decimal(repr(got["p_pay"])) - expected_p) < Decimal("1e-9"), where
        settle, plan_space = space.settlement, space.plan
        assert got["max_discount_pct"] == (
            None if settle is None else str(settle.max_discount_pct.value)
        ), where
        assert got["installments_min"] == (
            None if plan_space is None else plan_space.installments_min.value
        ), where
        assert got["installments_max"] == (
            None if plan_space is None else plan_space.installments_max.value
        ), where
        minimum = None if plan_space is None else plan_space.min_installment
        assert got["min_installment_minor"] == (
            None
            if minimum is None
            else int(
                (minimum.value.amount * 10**minimum.value.currency.minor_units).to_integral_value(
                    ROUND_CEILING
                )
            )
        ), where
        always = space.approval.always
        assert got["approval_always"] == (always is not None and always.value), where
        # The contact window: compliance.decide with that one rule, for a debtor in the zone.
        ctx = ComplianceContext("first_party", Debtor(type="business", timezone=row["timezone"]))
        decision = decide(ctx, ProposedContact(now, "email"), packs=[pack])
        assert earliest_in_window(now, row["timezone"], window) == decision.earliest_allowed_at
        expected_next = _expected_next(row, space.action, decision.earliest_allowed_at)
        assert got["next_action"] == expected_next, where
        contact = expected_next not in ("hold", "escalate")
        assert got["earliest_at"] == (decision.earliest_allowed_at if contact else None), where
        if contact:
            assert got["channel"] is not None and row[f"consent_{got['channel']}"], where


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=portfolios, now=instants, window=windows)
def test_the_vectorised_plan_equals_the_per_account_path_under_a_rich_policy(
    rows: tuple[dict[str, Any], ...], now: datetime, window: ContactWindow
) -> None:
    _check_agreement(rows, RICH_POLICY, now, window)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=portfolios, now=instants)
def test_the_vectorised_plan_equals_the_per_account_path_under_the_default_policy(
    rows: tuple[dict[str, Any], ...], now: datetime
) -> None:
    _check_agreement(
        rows, load_policy(default_policy_text()), now, ContactWindow(time(8), time(18))
    )


def test_an_account_with_a_non_positive_balance_is_refused_with_its_name() -> None:
    frame = pl.DataFrame(
        {
            "account": ["ok", "bad"],
            "balance_minor": [100, 0],
            "currency": ["USD", "USD"],
            "days_past_due": [3, 3],
            "customer_type": ["business", "business"],
        }
    )
    with pytest.raises(InvalidInput, match="'bad'"):
        plan_portfolio(
            frame,
            load_policy(default_policy_text()),
            as_of=AS_OF,
            now=datetime(2026, 11, 2, tzinfo=UTC),
        )


def test_missing_required_columns_are_named() -> None:
    with pytest.raises(InvalidInput, match="currency"):
        plan_portfolio(
            pl.DataFrame({"account": ["a"], "balance_minor": [1]}),
            load_policy(default_policy_text()),
            as_of=AS_OF,
            now=datetime(2026, 11, 2, tzinfo=UTC),
        )
