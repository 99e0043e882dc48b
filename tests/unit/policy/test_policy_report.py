"""The offers document, offer parsing for the gate, policy diffs and ``amicable policy validate``."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from policy_helpers import AS_OF, facts
from typer.testing import CliRunner

from amicable.domain.errors import InvalidInput, InvalidPolicy
from amicable.domain.money import Money
from amicable.entrypoints.cli import app
from amicable.policy.evaluate import evaluate
from amicable.policy.load import default_policy_text, load_default_policy
from amicable.policy.model import DisputeStatus
from amicable.policy.report import (
    breakdown_json,
    check_report,
    diff_policies,
    offers_report,
    parse_offer,
)

OFFER_KEYS = {
    "kind",
    "total",
    "currency",
    "down_payment",
    "installments",
    "discount",
    "requires_approval",
}


def _report(**kw: Any) -> dict[str, Any]:
    return offers_report(load_default_policy(), facts(**kw), as_of=AS_OF)


def test_the_offers_document_has_exactly_the_issue_shape() -> None:
    report = _report(balance="1200.00", days_past_due=45, country="US")
    assert set(report) == {
        "policy_version",
        "segment",
        "action",
        "bounds",
        "recommended",
        "ladder",
        "reasons",
    }
    assert (report["policy_version"], report["segment"], report["action"]) == (
        "2026-11",
        "standard",
        "negotiate",
    )
    offers = [report["recommended"], *report["ladder"]]
    assert report["ladder"][0] == report["recommended"]
    for offer in offers:
        assert set(offer) == OFFER_KEYS
        amounts = [Decimal(i["amount"]) for i in offer["installments"]]
        assert sum(amounts) == Decimal(offer["total"])
        dates = [i["due_date"] for i in offer["installments"]]
        assert dates == sorted(dates)
        if offer["down_payment"] is not None:
            assert offer["installments"][0]["amount"] == offer["down_payment"]
        assert all(
            isinstance(v, str) for v in (offer["total"], offer["discount"], *map(str, amounts))
        )
    assert report["bounds"]["plan"]["installments_max"] == {
        "value": 6,
        "rule": "segments[2].terms.plan.installments.max",
    }
    codes = [r["code"] for r in report["reasons"]]
    assert codes[:3] == ["segment_skipped", "segment_skipped", "segment_matched"]
    assert "condition_held" in codes and "recommended" in codes
    json.dumps(report)  # everything is JSON-serialisable as is


def test_a_held_account_reports_no_offer_and_why() -> None:
    report = _report(dispute=DisputeStatus.OPEN)
    assert report["action"] == "hold" and report["recommended"] is None and report["ladder"] == []
    assert report["bounds"]["plan"] is None and report["bounds"]["settlement"] is None
    assert report["reasons"][-2]["code"] == "action_hold"


def test_a_full_or_settlement_offer_holds_a_single_payment_and_no_down_payment() -> None:
    report = offers_report(
        load_default_policy(),
        facts("1200.00", days_past_due=5, probability_of_payment=Decimal("0.99")),
        as_of=AS_OF,
    )
    singles = [o for o in [report["recommended"], *report["ladder"]] if o["kind"] != "plan"]
    assert singles
    for offer in singles:
        assert len(offer["installments"]) == 1 and offer["down_payment"] is None
        assert offer["installments"][0]["amount"] == offer["total"]


def test_an_offer_round_trips_through_its_json_and_the_gate() -> None:
    policy = load_default_policy()
    f = facts("1200.00", country="US")
    report = offers_report(policy, f, as_of=AS_OF)
    space = evaluate(policy, f, as_of=AS_OF)
    for wire in [report["recommended"], *report["ladder"]]:
        offer = parse_offer(wire, "USD")
        checked = check_report(space, offer)
        assert checked["outcome"] in ("ok", "needs_approval")
        assert (checked["outcome"] == "needs_approval") == wire["requires_approval"]
        assert checked["policy_version"] == "2026-11" and checked["violations"] == []


def test_a_debtor_counter_offer_outside_the_policy_is_refused_with_reasons() -> None:
    space = evaluate(load_default_policy(), facts("1200.00", country="US"), as_of=AS_OF)
    counter = {
        "kind": "plan",
        "total": "1200.00",
        "currency": "USD",
        "down_payment": None,
        "installments": [{"due_date": f"2027-0{m}-01", "amount": "100.00"} for m in range(1, 10)]
        + [{"due_date": "2027-10-01", "amount": "300.00"}],
        "discount": "0.00",
        "frequency": "monthly",
    }
    report = check_report(space, parse_offer(counter, "USD"))
    assert report["outcome"] == "refused"
    codes = {v["code"] for v in report["violations"]}
    assert {
        "down_payment_below_minimum",
        "too_many_installments",
        "first_payment_too_late",
        "term_too_long",
    } <= codes


@pytest.mark.parametrize(
    ("obj", "fragment"),
    [
        ([], "must be a JSON object"),
        (
            {"kind": "plan", "total": 1200, "installments": []},
            'total: amounts are strings like "60.00"',
        ),
        ({"kind": "barter", "total": "1", "installments": []}, "kind: 'barter' is not one of"),
        ({"total": "1", "installments": []}, "kind: is required"),
        (
            {"kind": "full", "total": "1", "installments": [], "colour": "red"},
            "colour: unknown key",
        ),
        (
            {"kind": "full", "total": "1", "currency": "EUR", "installments": []},
            "the account in USD",
        ),
        ({"kind": "full", "total": "1.001", "installments": []}, "total: "),
        ({"kind": "full", "total": "1", "installments": {}}, "installments: must be a list"),
        (
            {
                "kind": "full",
                "total": "1",
                "installments": [{"due_date": "2026-13-01", "amount": "1"}],
            },
            "installments[0].due_date",
        ),
        (
            {"kind": "full", "total": "1", "installments": [{"due_date": 20261201, "amount": "1"}]},
            "installments[0].due_date",
        ),
        (
            {"kind": "full", "total": "1", "installments": [{"amount": "1"}]},
            "installments[0]: must be",
        ),
        (
            {
                "kind": "full",
                "total": "1",
                "installments": [{"due_date": "2026-12-01", "amount": 1.0}],
            },
            "installments[0].amount",
        ),
        (
            {"kind": "plan", "total": "1", "installments": [], "frequency": "daily"},
            "frequency: 'daily'",
        ),
        ({"kind": "plan", "total": "1", "installments": [], "down_payment": "x"}, "down_payment: "),
    ],
)
def test_a_malformed_offer_is_refused_naming_the_field(obj: Any, fragment: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_offer(obj, "USD")
    assert fragment in str(raised.value)


def test_the_breakdown_explains_every_candidate() -> None:
    from amicable.policy.optimise import optimise

    policy = load_default_policy()
    f = facts("1200.00", country="US")
    space = evaluate(policy, f, as_of=AS_OF)
    data = breakdown_json(optimise(policy, space, f))
    assert data["probability_of_payment"] == "0.8100" and data["write_off_value"] == "0.00"
    first = data["candidates"][0]
    assert first["kind"] == "full" and first["payments"][0]["days"] == 14
    assert Decimal(first["npv"]) == Decimal(first["expected_pv"]) - Decimal(first["expected_cost"])


def test_a_policy_diff_lists_changed_added_and_removed_paths_with_segments_by_name() -> None:
    a = default_policy_text()
    b = (
        a.replace('max_discount_pct: "5"', 'max_discount_pct: "4"')
        .replace('version: "2026-11"', 'version: "2026-12"\nfees: {eu_b2b_compensation: true}')
        .replace(
            "    when: {dispute: open}\n    action: hold                  # no collection contact; dispute workflow\n",
            "    action: hold\n    when: {dispute: [open]}\n",
        )
    )
    assert diff_policies(a, b) == [
        "+ fees.eu_b2b_compensation: True",
        "- segments[disputed].when.dispute: 'open'",
        "+ segments[disputed].when.dispute[0]: 'open'",
        "~ segments[standard].terms.settlement.max_discount_pct: '5' -> '4'",
        "~ segments[standard_cad].terms.settlement.max_discount_pct: '5' -> '4'",
        "~ segments[standard_eur].terms.settlement.max_discount_pct: '5' -> '4'",
        "~ segments[standard_gbp].terms.settlement.max_discount_pct: '5' -> '4'",
        "~ version: '2026-11' -> '2026-12'",
    ]
    assert diff_policies(a, a) == []
    assert diff_policies("segments: [a, b]\nx: []\n", "segments: [a]\nx: [1]\n") == [
        "- segments[1]: 'b'",
        "- x: []",
        "+ x[0]: 1",
    ]
    with pytest.raises(InvalidPolicy, match="policy B is not readable"):
        diff_policies(a, "x: [")


runner = CliRunner()


def test_policy_validate_prints_every_problem_as_json_and_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text('version: "1"\ncurrency: XXX\nsegments:\n  - {name: a, action: hold, x: 1}\n')
    result = runner.invoke(app, ["policy", "validate", str(bad), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {
        "valid": False,
        "problems": [
            {"path": "currency", "message": "unknown currency 'XXX': not an active ISO 4217 code"},
            {
                "path": "segments[0].x",
                "message": "unknown key 'x'; allowed: action, approval, name, terms, when",
            },
        ],
    }
    human = runner.invoke(app, ["policy", "validate", str(bad)])
    assert (
        human.exit_code == 1 and "segments[0].x" in human.stderr and "2 problem(s)" in human.stderr
    )


def test_policy_validate_accepts_the_default_policy_and_reports_an_unreadable_file(
    tmp_path: Path,
) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(default_policy_text())
    ok = runner.invoke(app, ["policy", "validate", str(good), "--json"])
    assert ok.exit_code == 0 and json.loads(ok.stdout) == {"valid": True, "problems": []}
    assert runner.invoke(app, ["policy", "validate", str(good)]).stdout.strip().endswith("valid")
    missing = runner.invoke(app, ["policy", "validate", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 2 and "cannot read" in missing.stderr


def test_money_in_an_offer_report_uses_the_account_currency_minor_units() -> None:
    report = offers_report(
        load_default_policy(), facts("1200.00", days_past_due=45), as_of=date(2026, 11, 20)
    )
    assert (
        report["bounds"]["plan"]["min_installment"]["value"] == Money.of("50", "USD").amount_str()
    )
