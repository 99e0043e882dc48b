"""Loading and validating policy files: every problem reported, each with its location."""

from __future__ import annotations

import textwrap
from decimal import Decimal

import pytest

from amicable.domain.errors import InvalidPolicy
from amicable.policy.load import (
    Problem,
    default_policy_text,
    load_default_policy,
    load_policy,
    validate_text,
)
from amicable.policy.model import Action, CustomerType, DisputeStatus, Frequency

DESIGN_EXAMPLE = """
version: "2026-11"
currency: USD
economics:
  annual_discount_rate: "0.10"   # time value of money when comparing offers
  cost_per_contact: "1.50"
  external_agency_fee_pct: "25"   # the alternative to collecting in-house
segments:
  - name: disputed
    when: {dispute: open}
    action: hold                  # no collection contact; dispute workflow
  - name: enterprise
    when: {tier: [enterprise], balance: {min: "25000"}}
    action: negotiate
    approval: always              # every agreement needs a human
    terms: {pay_in_full_within_days: 30}
  - name: standard
    when: {days_past_due: {max: 180}}
    action: negotiate
    terms:
      settlement: {max_discount_pct: "5", pay_within_days: 10}
      plan:
        down_payment_min_pct: "10"
        installments: {min: 2, max: 6}
        frequencies: [weekly, biweekly, monthly]
        max_term_days: 180
        min_installment: "50.00"
        first_due_within_days: 14
        waive_late_fees: true
      approval_required_above: {balance: "10000", installments: 4, discount_pct: "3"}
  - name: late_stage
    when: {days_past_due: {min: 181}}
    action: escalate
"""


def _paths(text: str) -> list[str]:
    return [p.path for p in validate_text(textwrap.dedent(text))]


def test_the_design_example_is_accepted_with_its_keys_as_written() -> None:
    policy = load_policy(DESIGN_EXAMPLE)
    assert policy.version == "2026-11"
    assert [s.name for s in policy.segments] == ["disputed", "enterprise", "standard", "late_stage"]
    standard = policy.segments[2]
    assert standard.terms.plan is not None
    assert standard.terms.plan.installments.max == 6
    assert standard.terms.plan.frequencies == (
        Frequency.WEEKLY,
        Frequency.BIWEEKLY,
        Frequency.MONTHLY,
    )
    assert standard.terms.approval_required_above.discount_pct == Decimal(3)
    assert policy.segments[1].approval_always
    assert policy.segments[0].when.dispute == frozenset({DisputeStatus.OPEN})
    assert policy.economics.annual_discount_rate == Decimal("0.10")


def test_the_shipped_default_policy_is_valid_and_complete() -> None:
    assert validate_text(default_policy_text()) == []
    policy = load_default_policy()
    assert policy.segments[1].terms.plan is not None
    assert [s.action for s in policy.segments] == [
        Action.HOLD,
        Action.NEGOTIATE,
        Action.NEGOTIATE,
        Action.NEGOTIATE,
        Action.NEGOTIATE,
        Action.NEGOTIATE,
        Action.ESCALATE,
    ]
    # Each currency the sample portfolio uses has terms stated in its own money.
    assert [s.money_currency.code for s in policy.segments[2:6]] == ["USD", "EUR", "GBP", "CAD"]


BAD_FILES = [
    pytest.param(
        """
        version: "1"
        currency: USD
        segments:
          - {name: a, action: hold, colour: red}
        """,
        [("segments[0].colour", "unknown key 'colour'")],
        id="unknown key",
    ),
    pytest.param(
        """
        version: "1"
        currency: USD
        segments:
          - {name: a, action: hold, when: {days_past_due: {max: "ten"}}}
        """,
        [("segments[0].when.days_past_due.max", "must be a whole number")],
        id="wrong type",
    ),
    pytest.param(
        """
        version: "1"
        currency: USD
        segments:
          - name: a
            action: negotiate
            terms:
              plan: {installments: {min: 6, max: 2}, frequencies: [weekly], max_term_days: 90, first_due_within_days: 7}
        """,
        [("segments[0].terms.plan.installments", "min (6) is greater than max (2)")],
        id="min above max",
    ),
    pytest.param(
        """
        version: "1"
        currency: USD
        segments:
          - name: a
            action: negotiate
            terms: {settlement: {max_discount_pct: "150", pay_within_days: 10}}
        """,
        [("segments[0].terms.settlement.max_discount_pct", "a percentage must be at most 100")],
        id="percentage above 100",
    ),
    pytest.param(
        """
        version: "1"
        currency: USD
        segments:
          - name: a
            action: negotiate
            terms: {settlement: {max_discount_pct: 5.0, pay_within_days: 10}}
        """,
        [("segments[0].terms.settlement.max_discount_pct", 'write the number as a string ("5")')],
        id="float refused",
    ),
    pytest.param(
        """
        version: "1"
        currency: USD
        segments:
          - name: a
            action: negotiate
            terms:
              plan: {installments: {min: 1, max: 2}, frequencies: [weekly], max_term_days: 90,
                     first_due_within_days: 7, min_installment: "-5"}
        """,
        [("segments[0].terms.plan.min_installment", "must not be negative")],
        id="negative amount",
    ),
    pytest.param(
        """
        version: "1"
        currency: ZZZ
        segments:
          - {name: a, action: hold, when: {currency: [EUR, QQQ]}}
        """,
        [
            ("currency", "unknown currency 'ZZZ'"),
            ("segments[0].when.currency[1]", "unknown currency 'QQQ'"),
        ],
        id="unknown currency",
    ),
    pytest.param(
        """
        version: "1"
        currency: USD
        segments:
          - {name: all, action: negotiate}
          - {name: big, action: escalate, when: {balance: {min: "1000"}}}
        """,
        [("segments[1]", "unreachable: every account it matches is taken first by segments[0]")],
        id="unreachable after a catch-all",
    ),
    pytest.param(
        """
        version: "1"
        currency: USD
        segments:
          - {name: young, action: negotiate, when: {days_past_due: {max: 180}}}
          - {name: middle, action: negotiate, when: {days_past_due: {min: 30, max: 90}}}
        """,
        [("segments[1]", "unreachable")],
        id="unreachable inside an earlier range",
    ),
    pytest.param(
        """
        version: "1"
        currency: USD
        segments:
          - {name: young, action: negotiate, when: {days_past_due: {max: 180}}}
          - {name: old, action: escalate, when: {days_past_due: {min: 180}}}
        """,
        [("segments[1]", "overlaps segments[0] ('young') on days_past_due")],
        id="overlapping ranges",
    ),
    pytest.param(
        """
        version: "1"
        currency: USD
        segments:
          - {name: a, action: hold, when: {tier: [gold], tags: [vip]}}
          - {name: b, action: hold, when: {tier: [gold], tags: [vip, new]}}
        """,
        [("segments[1]", "unreachable")],
        id="unreachable by tags",
    ),
    pytest.param(
        """
        version: "1"
        currency: USD
        segments:
          - {name: a, action: dunning}
          - {name: a, action: hold, when: {customer_type: [alien], dispute: maybe, aging_bucket: [old], risk_band: [grim]}}
        """,
        [
            ("segments[0].action", "unknown value 'dunning'"),
            ("segments[1].when.customer_type[0]", "unknown value 'alien'"),
            ("segments[1].when.dispute", "unknown value 'maybe'"),
            ("segments[1].when.aging_bucket[0]", "unknown value 'old'"),
            ("segments[1].when.risk_band[0]", "unknown value 'grim'"),
        ],
        id="unknown enum values",
    ),
    pytest.param(
        """
        currency: USD
        segments:
          - {action: hold}
          - name: p
            action: negotiate
            terms: {plan: {installments: {min: 1, max: 2}}}
        """,
        [
            ("version", "is required"),
            ("segments[0].name", "is required"),
            ("segments[1].terms.plan.frequencies", "is required"),
            ("segments[1].terms.plan.max_term_days", "is required"),
            ("segments[1].terms.plan.first_due_within_days", "is required"),
        ],
        id="missing required keys",
    ),
    pytest.param(
        """
        version: "1"
        currency: USD
        segments:
          - {name: a, action: hold, when: {jurisdiction: [NO, usa, US-CA]}}
        """,
        [
            ("segments[0].when.jurisdiction[0]", "was read as a boolean; quote it"),
            ("segments[0].when.jurisdiction[1]", "not an ISO 3166 country"),
        ],
        id="jurisdiction codes and the Norway problem",
    ),
    pytest.param(
        """
        version: "1"
        currency: USD
        currency: EUR
        segments: []
        """,
        [("", "key 'currency' appears more than once"), ("segments", "must be a non-empty list")],
        id="duplicate key and empty segments",
    ),
    pytest.param(
        """
        version: "1"
        currency: USD
        segments:
          - name: a
            action: hold
            terms: {settlement: {max_discount_pct: "5", pay_within_days: 1}}
          - name: b
            action: negotiate
            when: {tier: [x]}
            approval: sometimes
            terms:
              plan: {installments: {min: 10, max: 12}, frequencies: [monthly], max_term_days: 90, first_due_within_days: 120}
        """,
        [
            ("segments[0].terms", "terms apply only to negotiate segments"),
            ("segments[1].approval", "unknown value 'sometimes'"),
            ("segments[1].terms.plan.first_due_within_days", "longer than max_term_days"),
        ],
        id="terms on hold, bad approval, window longer than term",
    ),
    pytest.param(
        """
        version: "1"
        currency: USD
        segments:
          - name: b
            action: negotiate
            terms:
              plan: {installments: {min: 10, max: 12}, frequencies: [monthly], max_term_days: 90, first_due_within_days: 10}
        """,
        [("segments[0].terms.plan.installments.min", "no plan fits")],
        id="no plan fits the term",
    ),
    pytest.param(
        """
        version: "1"
        currency: JPY
        economics: {annual_discount_rate: "2", cost_per_contact: 1.5, external_agency_fee_pct: "101", bogus: 1}
        fees:
          late_fee: {fixed: "10.5", pct: "x"}
          statutory_interest: {}
          clearing_order: [fees, fees, principal]
          eu_b2b_compensation: "yes"
        segments:
          - {name: a, action: hold, when: {balance: {min: "10.5"}}}
        """,
        [
            ("economics.bogus", "unknown key"),
            ("economics.annual_discount_rate", "must be at most 1"),
            ("economics.cost_per_contact", "not the float 1.5"),
            ("economics.external_agency_fee_pct", "at most 100"),
            ("fees.late_fee.fixed", "more decimals than JPY allows"),
            ("fees.late_fee.pct", "is not a number"),
            ("fees.statutory_interest.reference_rate_pct", "is required"),
            ("fees.clearing_order", "each exactly once"),
            ("fees.eu_b2b_compensation", "must be true or false"),
            ("segments[0].when.balance.min", "more decimals than JPY allows"),
        ],
        id="economics and fees",
    ),
    pytest.param(
        "version: [1\n",
        [("", "not valid YAML: line")],
        id="yaml syntax error",
    ),
    pytest.param(
        "- just a list\n",
        [("", "must be a mapping")],
        id="not a mapping",
    ),
]


@pytest.mark.parametrize(("text", "expected"), BAD_FILES)
def test_a_bad_policy_file_reports_every_problem_with_its_location(
    text: str, expected: list[tuple[str, str]]
) -> None:
    problems = validate_text(textwrap.dedent(text))
    for path, fragment in expected:
        assert any(p.path == path and fragment in p.message for p in problems), (
            path,
            fragment,
            problems,
        )
    assert len(problems) >= len(expected)
    with pytest.raises(InvalidPolicy) as raised:
        load_policy(textwrap.dedent(text))
    assert raised.value.problems == tuple(problems)


def test_a_file_with_many_problems_reports_all_of_them_not_only_the_first() -> None:
    text = """
    version: "1"
    currency: USD
    segments:
      - {name: a, action: hold, when: {days_past_due: {min: 9, max: 3}}}
      - name: b
        action: negotiate
        terms:
          settlement: {max_discount_pct: "120", pay_within_days: -1}
          approval_required_above: {balance: "1.001", installments: "3", discount_pct: 2.5}
    """
    assert _paths(text) == [
        "segments[0].when.days_past_due",
        "segments[1].terms.settlement.max_discount_pct",
        "segments[1].terms.settlement.pay_within_days",
        "segments[1].terms.approval_required_above.balance",
        "segments[1].terms.approval_required_above.installments",
        "segments[1].terms.approval_required_above.discount_pct",
    ]
    with pytest.raises(InvalidPolicy, match=r"and 1 more"):
        load_policy(textwrap.dedent(text))


def test_disjoint_sibling_segments_and_precedence_by_different_keys_are_valid() -> None:
    text = """
    version: 7
    currency: EUR
    segments:
      - {name: vip, action: escalate, when: {tier: [enterprise], balance: {min: "25000"}}}
      - {name: young, action: negotiate, when: {days_past_due: {max: 180}}}
      - {name: old, action: escalate, when: {days_past_due: {min: 181}}}
      - {name: consumers, action: hold, when: {customer_type: consumer, jurisdiction: [US-CA, FR]}}
      - {name: usd, action: hold, when: {currency: [USD], balance: {max: "10.00"}, broken_promises: {min: 2}}}
    """
    policy = load_policy(textwrap.dedent(text))
    assert policy.version == "7"
    assert policy.segments[3].when.customer_type == frozenset({CustomerType.CONSUMER})
    assert policy.segments[4].money_currency.code == "USD"


def test_a_problem_prints_its_location_and_serialises_to_json() -> None:
    problem = Problem("segments[2].terms", "bad")
    assert str(problem) == "segments[2].terms: bad"
    assert str(Problem("", "bad")) == "<file>: bad"
    assert problem.to_json() == {"path": "segments[2].terms", "message": "bad"}


@pytest.mark.parametrize(
    ("fragment", "path", "message"),
    [
        ("when: {balance: {}}", "segments[0].when.balance", "give min, max or both"),
        (
            "when: {broken_promises: {}}",
            "segments[0].when.broken_promises",
            "give min, max or both",
        ),
        ("when: {tier: []}", "segments[0].when.tier", "non-empty list"),
        ("when: {tier: [7, '']}", "segments[0].when.tier[1]", "non-empty string"),
        ("when: {balance: {min: abc}}", "segments[0].when.balance.min", "is not a number"),
        ("when: {balance: {min: .nan}}", "segments[0].when.balance.min", "not the float"),
        (
            "when: {balance: {min: '1', max: abc}}",
            "segments[0].when.balance.max",
            "is not a number",
        ),
        ("when: {balance: {min: 'NaN'}}", "segments[0].when.balance.min", "not a finite number"),
        ("when: {balance: {min: '9', max: '1'}}", "segments[0].when.balance", "min (9) is greater"),
        ("when: {balance: {min: true}}", "segments[0].when.balance.min", "got a boolean"),
        ("when: {days_past_due: {min: 1.0}}", "segments[0].when.days_past_due.min", "whole number"),
        ("when: {days_past_due: 5}", "segments[0].when.days_past_due", "must be a mapping"),
        ("when: {tier: {a: 1}}", "segments[0].when.tier", "non-empty list"),
        ("name: ' '", "segments[0].name", "non-empty string"),
        ("{1: x}", "segments[0].1", "key must be a string"),
    ],
)
def test_each_malformed_value_is_named_with_its_path(
    fragment: str, path: str, message: str
) -> None:
    base = "{name: a, action: hold}" if not fragment.startswith("{") else fragment
    seg = base if fragment.startswith("{") else "{name: a, action: hold, " + fragment + "}"
    problems = validate_text(f'version: "1"\ncurrency: USD\nsegments:\n  - {seg}\n')
    assert any(p.path == path and message in p.message for p in problems), problems


def test_version_must_be_text_or_a_number_and_fees_load_when_valid() -> None:
    problems = validate_text("version: [x]\ncurrency: USD\nsegments: [{name: a, action: hold}]\n")
    assert [p.path for p in problems] == ["version"]
    policy = load_policy(
        textwrap.dedent(
            """
            version: "f"
            currency: EUR
            fees:
              late_fee: {fixed: "5.00", pct: "1.5", max: "20.00"}
              eu_b2b_compensation: true
              statutory_interest: {reference_rate_pct: "-0.50"}
              clearing_order: [principal, interest, fees]
            segments: [{name: a, action: hold}]
            """
        )
    )
    assert policy.fees.eu_b2b_compensation and policy.fees.statutory_interest
    assert policy.fees.reference_rate_pct == Decimal("-0.50")
    assert [p.value for p in policy.fees.clearing_order] == ["principal", "interest", "fees"]
    assert policy.fees.late_fee is not None and policy.fees.late_fee.max == Decimal(20)


def test_a_plan_with_a_down_payment_of_100_percent_is_refused() -> None:
    text = """
    version: "1"
    currency: USD
    segments:
      - name: a
        action: negotiate
        terms:
          plan: {installments: {min: 1, max: 2}, frequencies: weekly, max_term_days: 60,
                 first_due_within_days: 7, down_payment_min_pct: "100", waive_late_fees: 1}
          pay_in_full_within_days: -3
    """
    assert _paths(text) == [
        "segments[0].terms.plan.down_payment_min_pct",
        "segments[0].terms.plan.waive_late_fees",
        "segments[0].terms.pay_in_full_within_days",
    ]


def test_settlement_and_plan_require_their_keys() -> None:
    text = """
    version: "1"
    currency: USD
    segments:
      - {name: a, action: negotiate, terms: {settlement: {max_discount_pct: "5"}, plan: {installments: {min: 2}, frequencies: [weekly], max_term_days: 30, first_due_within_days: 3}}}
    """
    assert _paths(text) == [
        "segments[0].terms.settlement.pay_within_days",
        "segments[0].terms.plan.installments",
    ]


@pytest.mark.parametrize(
    ("text", "path", "fragment"),
    [
        ("economics: []", "economics", "must be a mapping"),
        ("fees: 5", "fees", "must be a mapping"),
        ("fees: {late_fee: 5}", "fees.late_fee", "must be a mapping"),
        ("fees: {statutory_interest: 5}", "fees.statutory_interest", "must be a mapping"),
    ],
)
def test_top_level_sections_of_the_wrong_type_are_reported(
    text: str, path: str, fragment: str
) -> None:
    problems = validate_text(
        f'version: "1"\ncurrency: USD\n{text}\nsegments: [{{name: a, action: hold}}]\n'
    )
    assert [(p.path, fragment in p.message) for p in problems] == [(path, True)]


@pytest.mark.parametrize(
    ("segment", "path"),
    [
        ("5", "segments[0]"),
        ("{name: a, action: negotiate, when: 5}", "segments[0].when"),
        ("{name: a, action: negotiate, terms: 5}", "segments[0].terms"),
        ("{name: a, action: negotiate, terms: {settlement: 5}}", "segments[0].terms.settlement"),
        ("{name: a, action: negotiate, terms: {plan: 5}}", "segments[0].terms.plan"),
        (
            "{name: a, action: negotiate, terms: {approval_required_above: 5}}",
            "segments[0].terms.approval_required_above",
        ),
        ("{name: a, action: negotiate, when: {balance: 5}}", "segments[0].when.balance"),
        (
            "{name: a, action: negotiate, terms: {plan: {installments: 5, frequencies: [weekly], max_term_days: 9, first_due_within_days: 1}}}",
            "segments[0].terms.plan.installments",
        ),
    ],
)
def test_nested_sections_of_the_wrong_type_are_reported(segment: str, path: str) -> None:
    problems = validate_text(f'version: "1"\ncurrency: USD\nsegments:\n  - {segment}\n')
    assert [p.path for p in problems] == [path]
    assert "must be a mapping" in problems[0].message


def test_duplicate_segment_names_are_reported_at_the_second() -> None:
    problems = _paths(
        """
        version: "1"
        currency: USD
        segments:
          - {name: a, action: hold, when: {tier: [x]}}
          - {name: a, action: hold, when: {tier: [y]}}
        """
    )
    assert problems == ["segments[1].name"]


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        (
            "{days_past_due: {max: 90}, tier: [a]}",
            "{days_past_due: {max: 180}, tier: [a], risk_band: [low]}",
        ),
        ("{tier: [a], tags: [x]}", "{tier: [a]}"),
        ("{tags: [x, y]}", "{tags: [x], tier: [a]}"),
        ("{tier: [a]}", "{tier: [b]}"),
        ("{balance: {max: '100'}}", "{balance: {min: '100.01'}}"),
        ("{tier: [a, b]}", "{tier: [b, c], risk_band: [low]}"),
    ],
)
def test_later_segments_that_still_catch_some_accounts_are_valid(earlier: str, later: str) -> None:
    text = f'version: "1"\ncurrency: USD\nsegments:\n  - {{name: e, action: hold, when: {earlier}}}\n  - {{name: l, action: hold, when: {later}}}\n'
    assert validate_text(text) == []
