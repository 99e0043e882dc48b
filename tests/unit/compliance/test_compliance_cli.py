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
    # 09:00 in Denver on a Wednesday, outside the designated 15:00-17:00, one unanswered call in
    # the last 7 days: a call placed by a person is allowed at its own instant.
    assert answer == {
        "allowed": True,
        "violations": [],
        "earliest_allowed_at": "2026-04-08T15:00:00Z",
    }
    assert code == 0


def test_an_automated_call_without_call_consent_is_refused_under_the_tcpa() -> None:
    scenario = copy.deepcopy(ISSUE_SCENARIO)
    scenario["proposed"]["automated"] = True
    code, out, _ = check(scenario, "--json")
    answer = json.loads(out)
    # Only an SMS consent is recorded: an AI-voice call needs its own consent, and waiting for
    # it cannot help, so there is no earliest allowed instant.
    assert answer["allowed"] is False and code == 1
    assert [v["rule"] for v in answer["violations"]] == ["tcpa.prior_express_consent"]
    assert set(answer["violations"][0]) == {"rule", "message", "citation"}
    assert answer["earliest_allowed_at"] is None


def test_with_call_consent_an_automated_call_is_allowed_at_its_own_instant() -> None:
    scenario = copy.deepcopy(ISSUE_SCENARIO)
    scenario["proposed"]["automated"] = True
    scenario["debtor"]["consents"].append({"channel": "call", "given_at": "2026-01-02T10:00:00Z"})
    code, out, _ = check(scenario, "--json")
    assert code == 0, out
    assert json.loads(out)["allowed"] is True


def test_a_designated_inconvenient_time_blocks_and_points_to_the_end_of_it() -> None:
    scenario = copy.deepcopy(ISSUE_SCENARIO)
    scenario["proposed"]["at"] = "2026-04-08T21:30:00Z"  # 15:30 in Denver (MDT)
    code, out, _ = check(scenario, "--json")
    answer = json.loads(out)
    assert code == 1 and answer["allowed"] is False
    assert answer["earliest_allowed_at"] == "2026-04-08T23:00:00Z"  # 17:00 MDT


def test_without_json_check_prints_a_readable_verdict() -> None:
    scenario = copy.deepcopy(ISSUE_SCENARIO)
    scenario["proposed"]["automated"] = True
    code, out, _ = check(scenario)
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
