"""Fees and statutory interest: exact amounts, EU scope, clearing order."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from policy_helpers import facts

from amicable.domain.errors import InvalidInput
from amicable.domain.money import CURRENCIES, Money
from amicable.policy.fees import (
    OverdueInvoice,
    assess_fees,
    clear_payment,
    eu_b2b_applies,
    eu_compensation,
    late_fee,
    statutory_interest,
)
from amicable.policy.load import load_policy
from amicable.policy.model import ClearingPart, CustomerType, LateFee, Policy

EUR = CURRENCIES["EUR"]


@pytest.mark.parametrize(
    ("invoice", "expected"),
    [("1000.00", "20.00"), ("333.33", "10.00"), ("2000.00", "20.00"), ("0.00", "5.00")],
)
def test_a_configured_late_fee_is_fixed_plus_percent_capped(invoice: str, expected: str) -> None:
    rule = LateFee(fixed=Decimal(5), pct=Decimal("1.5"), max=Decimal(20))
    assert late_fee(rule, Money.of(invoice, "EUR"), EUR) == Money.of(expected, "EUR")


def test_a_late_fee_is_refused_in_a_currency_it_was_not_configured_in() -> None:
    with pytest.raises(InvalidInput, match="configured in EUR"):
        late_fee(LateFee(), Money.of("10", "USD"), EUR)


@pytest.mark.parametrize(
    ("principal", "reference", "country", "start", "end", "rate", "expected"),
    [
        # 10 000 × 12.50 % × 30/365 = 102.739726… → 102.74
        ("10000.00", "4.50", "DE", date(2024, 3, 1), date(2024, 3, 31), "12.50", "102.74"),
        # France: reference + 10 points: 10 000 × 14.50 % × 30/365 = 119.178082… → 119.18
        ("10000.00", "4.50", "FR", date(2024, 3, 1), date(2024, 3, 31), "14.50", "119.18"),
        # 1 234.56 × 10.15 % × 61/365 = 20.941858… → 20.94
        ("1234.56", "2.15", "IT", date(2025, 7, 1), date(2025, 8, 31), "10.15", "20.94"),
        # a leap year still counts 365 days a year: 1 000 × 8 % × 366/365 = 80.219178… → 80.22
        ("1000.00", "0", "NL", date(2024, 1, 1), date(2025, 1, 1), "8", "80.22"),
        # a tiny debt accrues less than half a cent in a day → 0.00
        ("0.05", "2", "ES", date(2024, 1, 1), date(2024, 1, 2), "10", "0.00"),
        # a negative reference rate; 1 825 × 7.50 % × 1/365 = 0.375 exactly → half up 0.38
        ("1825.00", "-0.50", "BE", date(2024, 1, 1), date(2024, 1, 2), "7.50", "0.38"),
        ("10000.00", "4.50", "DE", date(2024, 3, 31), date(2024, 3, 1), "12.50", "0.00"),
    ],
)
def test_statutory_interest_is_exact_on_an_actual_365_day_count(
    principal: str, reference: str, country: str, start: date, end: date, rate: str, expected: str
) -> None:
    calc = statutory_interest(
        Money.of(principal, "EUR"),
        reference_rate_pct=Decimal(reference),
        country=country,
        start=start,
        end=end,
    )
    assert calc.annual_rate_pct == Decimal(rate)
    assert calc.interest == Money.of(expected, "EUR")
    assert calc.day_count == "actual/365"
    assert calc.formula.endswith(f"= {expected} EUR (rounded half up)")


def test_statutory_interest_refuses_a_float_reference_rate() -> None:
    with pytest.raises(InvalidInput):
        statutory_interest(
            Money.of("1", "EUR"),
            reference_rate_pct=4.5,
            country="DE",
            start=date(2024, 1, 1),
            end=date(2024, 2, 1),  # type: ignore[arg-type]
        )


def test_eu_compensation_is_forty_euros_per_late_invoice_for_eu_businesses_only() -> None:
    assert eu_compensation(3) == Money.of("120.00", "EUR")
    assert eu_compensation(0) == Money.zero("EUR")
    with pytest.raises(InvalidInput):
        eu_compensation(-1)
    assert eu_b2b_applies(facts(country="FR"))
    assert not eu_b2b_applies(facts(country="FR", customer_type=CustomerType.CONSUMER))
    assert not eu_b2b_applies(facts(country="GB"))
    assert not eu_b2b_applies(facts())


@pytest.mark.parametrize(
    ("payment", "order", "expected"),
    [
        ("100.00", ("fees", "interest", "principal"), ("40.00", "20.94", "39.06", "0.00")),
        ("100.00", ("principal", "interest", "fees"), ("0.00", "0.00", "100.00", "0.00")),
        ("50.00", ("interest", "fees", "principal"), ("29.06", "20.94", "0.00", "0.00")),
        ("2000.00", ("fees", "interest", "principal"), ("40.00", "20.94", "1000.00", "939.06")),
    ],
)
def test_a_payment_clears_fees_interest_and_principal_in_the_policy_order(
    payment: str, order: tuple[str, ...], expected: tuple[str, ...]
) -> None:
    cleared = clear_payment(
        Money.of(payment, "EUR"),
        fees=Money.of("40.00", "EUR"),
        interest=Money.of("20.94", "EUR"),
        principal=Money.of("1000.00", "EUR"),
        order=[ClearingPart(o) for o in order],
    )
    got = (cleared.fees, cleared.interest, cleared.principal, cleared.unapplied)
    assert tuple(m.amount_str() for m in got) == expected


def test_a_clearing_order_must_name_each_part_once() -> None:
    zero = Money.zero("EUR")
    with pytest.raises(InvalidInput):
        clear_payment(zero, fees=zero, interest=zero, principal=zero, order=[ClearingPart.FEES])


def _fee_policy(extra: str = "") -> Policy:
    return load_policy(
        'version: "f"\ncurrency: EUR\nfees:\n'
        '  late_fee: {fixed: "5.00", pct: "1"}\n'
        "  eu_b2b_compensation: true\n"
        '  statutory_interest: {reference_rate_pct: "4.50"}\n'
        f"{extra}segments: [{{name: a, action: hold}}]\n"
    )


def test_fees_are_assessed_per_overdue_invoice_with_the_rule_they_came_from() -> None:
    invoices = [
        OverdueInvoice("INV-1", Money.of("10000.00", "EUR"), date(2024, 3, 1)),
        OverdueInvoice("INV-2", Money.of("500.00", "EUR"), date(2024, 3, 31)),  # not yet overdue
    ]
    lines = assess_fees(
        _fee_policy(), facts(country="FR", currency="EUR"), invoices, as_of=date(2024, 3, 31)
    )
    assert [(line.reference, line.kind, line.amount.amount_str(), line.rule) for line in lines] == [
        ("INV-1", "late_fee", "105.00", "fees.late_fee"),
        ("INV-1", "eu_compensation", "40.00", "fees.eu_b2b_compensation"),
        ("INV-1", "statutory_interest", "119.18", "fees.statutory_interest.reference_rate_pct"),
    ]


def test_a_plan_that_waives_fees_keeps_the_statutory_interest_and_consumers_get_no_eu_charges() -> (
    None
):
    invoice = [OverdueInvoice("INV-1", Money.of("10000.00", "EUR"), date(2024, 3, 1))]
    waived = assess_fees(
        _fee_policy(),
        facts(country="DE", currency="EUR"),
        invoice,
        as_of=date(2024, 3, 31),
        waive_fees=True,
    )
    assert [(line.kind, line.amount.amount_str()) for line in waived] == [
        ("statutory_interest", "102.74")
    ]
    consumer = facts(country="DE", currency="EUR", customer_type=CustomerType.CONSUMER)
    assert [
        line.kind for line in assess_fees(_fee_policy(), consumer, invoice, as_of=date(2024, 3, 31))
    ] == ["late_fee"]
    nothing = load_policy('version: "f"\ncurrency: EUR\nsegments: [{name: a, action: hold}]\n')
    assert (
        assess_fees(nothing, facts(country="DE", currency="EUR"), invoice, as_of=date(2024, 3, 31))
        == ()
    )
