"""The dry-run CLI contract: ``amicable compliance check --json < scenario.json``, explain, packs."""

from __future__ import annotations

import copy
import json
from typing import Any

from typer.testing import CliRunner

from amicable.entrypoints.cli import app

runner = CliRunner()

ISSUE_SCENARIO: dict[str, Any] = {
    "collector": {"type": "third_party"},
    "debtor": {
        "type": "consumer",
        "address": {"country": "US", "region": "CO", "postal_code": "80202"},
        "phones": ["+13035550100"],
        "timezone": None,
        "inconvenient_times": [
            {"days": ["sat", "sun"]},
            {"days": ["mon", "tue", "wed", "thu", "fri"], "from": "15:00", "to": "17:00"},
        ],
        "cease": False,
        "opt_outs": ["sms"],
        "consents": [{"channel": "sms", "given_at": "2026-01-02T10:00:00Z", "revoked_at": None}],
        "attorney": False,
        "bankruptcy": False,
    },
    "debts": [
        {"id": "D1", "consumer": True, "delinquent_since": "2025-01-10", "time_barred": False}
    ],
    "history": [
        {
            "at": "2026-04-01T14:00:00Z",
            "channel": "call",
            "direction": "outbound",
            "outcome": "no_answer",
            "debt_ids": ["D1"],
            "consent_to_call": None,
        }
    ],
    "proposed": {
        "at": "2026-04-08T15:00:00Z",
        "channel": "call",
        "debt_ids": ["D1"],
        "text": None,
        "first_communication": False,
    },
}


def check(scenario: Any, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["compliance", "check", *args], input=json.dumps(scenario))
    # Rich wraps long error lines; compare messages with whitespace collapsed.
    return result.exit_code, result.stdout, " ".join(result.stderr.split())


def test_the_issue_scenario_is_answered_in_the_documented_shape() -> None:
    code, out, _ = check(ISSUE_SCENARIO, "--json")
    answer = json.loads(out)
    assert set(answer) == {"allowed", "violations", "earliest_allowed_at"}
    # No call consent recorded: an AI-voice call is refused under the TCPA, and nothing else.
    assert answer["allowed"] is False and code == 1
    assert [v["rule"] for v in answer["violations"]] == ["tcpa.prior_express_consent"]
    assert set(answer["violations"][0]) == {"rule", "message", "citation"}
    assert answer["earliest_allowed_at"] is None


def test_with_call_consent_the_issue_scenario_is_allowed_at_its_own_instant() -> None:
    scenario = copy.deepcopy(ISSUE_SCENARIO)
    scenario["debtor"]["consents"].append({"channel": "call", "given_at": "2026-01-02T10:00:00Z"})
    code, out, _ = check(scenario, "--json")
    assert code == 0
    assert json.loads(out) == {
        "allowed": True,
        "violations": [],
        "earliest_allowed_at": "2026-04-08T15:00:00Z",
    }


def test_a_blocked_time_reports_the_earliest_allowed_instant() -> None:
    scenario = copy.deepcopy(ISSUE_SCENARIO)
    scenario["debtor"]["consents"].append({"channel": "call", "given_at": "2026-01-02T10:00:00Z"})
    scenario["proposed"]["at"] = "2026-04-08T21:30:00Z"  # 15:30 in Denver, inside the 15-17 block
    answer = json.loads(check(scenario, "--json")[1])
    assert [v["rule"] for v in answer["violations"]] == ["regf.designated_inconvenient_time"]
    assert answer["earliest_allowed_at"] == "2026-04-08T23:00:00Z"


def test_unknown_fields_are_refused_with_their_path_and_exit_2() -> None:
    scenario = copy.deepcopy(ISSUE_SCENARIO)
    scenario["debtor"]["address"]["zip"] = "80202"
    scenario["history"][0]["note"] = "x"
    code, out, err = check(scenario, "--json")
    assert code == 2 and out == ""
    assert "debtor.address.zip: unknown field" in err
    assert "history[0].note: unknown field" in err


def test_bad_values_and_bad_json_are_refused_with_exit_2() -> None:
    scenario = copy.deepcopy(ISSUE_SCENARIO)
    scenario["proposed"]["at"] = "2026-04-08 15:00"  # no zone
    scenario["proposed"]["debt_ids"] = ["D9"]
    code, _, err = check(scenario, "--json")
    assert code == 2
    assert "proposed.at" in err and "proposed.debt_ids[0]" in err
    result = runner.invoke(app, ["compliance", "check", "--json"], input="{not json")
    assert result.exit_code == 2 and "not valid JSON" in result.stderr


def test_missing_optional_fields_take_the_documented_defaults() -> None:
    minimal = {
        "debtor": {"timezone": "America/Chicago"},
        "proposed": {"at": "2026-04-08T15:00:00Z", "channel": "email"},
    }
    code, out, _ = check(minimal, "--json")
    # Defaults: third-party collector, consumer debtor, no history, no debts: an email at 10:00 CDT.
    assert code == 0, out
    assert json.loads(out)["allowed"] is True


def test_without_json_check_prints_a_readable_verdict() -> None:
    code, out, _ = check(ISSUE_SCENARIO)
    assert code == 1
    assert out.startswith("BLOCKED")
    assert "tcpa.prior_express_consent" in out and "earliest allowed: never" in out


def test_explain_describes_a_rule_and_refuses_an_unknown_one() -> None:
    result = runner.invoke(app, ["compliance", "explain", "regf.call_frequency", "--json"])
    doc = json.loads(result.stdout)
    assert doc["pack"] == "us_fdcpa_regf" and doc["kind"] == "call_frequency"
    assert doc["params"]["max_calls"] == 7 and "1006.14(b)" in doc["citation"]
    human = runner.invoke(app, ["compliance", "explain", "ma.initiated_contact_cap"])
    assert "940 CMR 7.04(1)(f)" in human.stdout
    missing = runner.invoke(app, ["compliance", "explain", "nope"])
    assert missing.exit_code == 2 and "unknown rule" in missing.stderr


def test_packs_lists_every_shipped_pack() -> None:
    doc = json.loads(runner.invoke(app, ["compliance", "packs", "--json"]).stdout)
    ids = {p["id"] for p in doc["packs"]}
    assert ids == {
        "us_fdcpa_regf",
        "us_tcpa",
        "us_ma",
        "us_wa",
        "us_ca",
        "us_ny",
        "uk_fca_conc7",
        "eu_fr_b2b",
        "first_party_b2b",
    }
    assert "first_party_b2b" in runner.invoke(app, ["compliance", "packs"]).stdout
