"""``amicable policy whatif`` end to end on the chosen database: a small hand-made portfolio, a policy
in force and proposed policies that change one segment; the JSON shape, the per-segment effect,
escalations, an invalid file refused with its line, and nothing written."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from amicable.entrypoints.cli import app
from amicable.sim.sample import generate_sample

AS_OF = "2026-03-02"

CUSTOMERS = """\
customer_id,name,type,tier,language,country,region,timezone,emails,phones,address,postal_code,consent_email,consent_sms,consent_call,consent_whatsapp,tags
B1,Acme Tools Inc,business,,en,US,NY,America/New_York,ap@acme.example,,1 Main St,10001,yes,,,,
B2,Bolt Supply LLC,business,,en,US,CA,America/Los_Angeles,ap@bolt.example,,2 Main St,90001,yes,,,,
B3,Crane Parts Co,business,,en,US,TX,America/Chicago,ap@crane.example,,3 Main St,73301,yes,,,,
C1,Dana Smith,consumer,,en,US,IL,America/Chicago,dana@mail.example,,4 Main St,60601,yes,,,,
C2,Eli Jones,consumer,,en,US,WA,America/Los_Angeles,eli@mail.example,,5 Main St,98101,yes,,,,
C3,Fay Brown,consumer,,en,US,NY,America/New_York,fay@mail.example,,6 Main St,10002,yes,,,,
D1,Gale Disputes Ltd,business,,en,US,NY,America/New_York,ap@gale.example,,7 Main St,10003,yes,,,,
E1,Hanse Handel GmbH,business,,de,DE,BE,Europe/Berlin,ap@hanse.example,,8 Hauptstr,10115,yes,,,,
P1,Paid Up Corp,business,,en,US,NY,America/New_York,ap@paid.example,,9 Main St,10004,yes,,,,
"""

INVOICES = """\
customer_id,customer_name,invoice_number,issue_date,due_date,currency,amount,open_amount,disputed,description
B1,Acme Tools Inc,INV-B1,2025-12-01,2026-01-15,USD,4800.00,4800.00,no,
B2,Bolt Supply LLC,INV-B2,2026-01-01,2026-02-01,USD,1250.00,1250.00,no,
B3,Crane Parts Co,INV-B3,2025-10-01,2025-11-15,USD,2600.00,2600.00,no,
C1,Dana Smith,INV-C1,2025-12-15,2026-01-20,USD,1800.00,1800.00,no,
C2,Eli Jones,INV-C2,2026-01-05,2026-02-05,USD,950.00,950.00,no,
C3,Fay Brown,INV-C3,2025-11-01,2025-12-01,USD,3200.00,3200.00,no,
D1,Gale Disputes Ltd,INV-D1,2026-01-01,2026-02-01,USD,700.00,700.00,yes,
E1,Hanse Handel GmbH,INV-E1,2026-01-01,2026-02-01,EUR,900.00,900.00,no,
P1,Paid Up Corp,INV-P1,2026-02-01,2026-04-01,USD,500.00,500.00,no,
"""

PLAN = """\
      plan:
        installments: {{min: 2, max: {max}}}
        frequencies: [monthly]
        max_term_days: {term}
        first_due_within_days: 14
        min_installment: "50.00"
"""


def policy_text(
    version: str,
    *,
    consumer_max: int = 3,
    consumer_term: int = 120,
    consumer_discount: str = "2",
    business_approval: str = "never",
) -> str:
    return f"""\
version: "{version}"
currency: USD
segments:
  - name: disputed
    when: {{dispute: open}}
    action: hold
  - name: consumers
    when: {{customer_type: consumer, currency: [USD]}}
    action: negotiate
    terms:
      settlement: {{max_discount_pct: "{consumer_discount}", pay_within_days: 10}}
{PLAN.format(max=consumer_max, term=consumer_term)}\
  - name: business
    when: {{customer_type: business, currency: [USD]}}
    action: negotiate
    approval: {business_approval}
    terms:
{PLAN.format(max=3, term=120)}"""


def run(url: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [*args, "--database-url", url])
    return result.exit_code, result.stdout, result.stderr


def run_json(url: str, *args: str) -> dict[str, object]:
    code, out, err = run(url, *args, "--json")
    assert code == 0, err + out
    data = json.loads(out)
    assert isinstance(data, dict)
    return data


@pytest.fixture
def portfolio(database_url: str, tmp_path: Path) -> str:
    (tmp_path / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")
    (tmp_path / "invoices.csv").write_text(INVOICES, encoding="utf-8")
    for kind in ("customers", "invoices"):
        data = run_json(database_url, "import", kind, str(tmp_path / f"{kind}.csv"))
        assert data["errors"] == [], data
    current = tmp_path / "current.yaml"
    current.write_text(policy_text("current"), encoding="utf-8")
    assert run_json(database_url, "policy", "apply", str(current))["id"] == "current#1"
    return database_url


def whatif(url: str, path: Path, text: str, *extra: str) -> dict[str, object]:
    path.write_text(text, encoding="utf-8")
    return run_json(url, "policy", "whatif", str(path), "--as-of", AS_OF, *extra)


def segment(data: dict[str, object], name: str) -> dict[str, dict[str, object]]:
    segments = data["by_segment"]
    assert isinstance(segments, list)
    (found,) = [s for s in segments if s["segment"] == name]
    return found  # type: ignore[no-any-return]


def test_json_shape_and_an_unchanged_policy_changes_nothing(portfolio: str, tmp_path: Path) -> None:
    data = whatif(portfolio, tmp_path / "same.yaml", policy_text("same"))
    assert set(data) == {
        "as_of",
        "accounts",
        "probabilities",
        "current",
        "proposed",
        "difference",
        "by_segment",
        "changed_accounts",
        "changed",
    }
    assert data["as_of"] == AS_OF
    # Every overdue account (P1 is not due yet): 3 business, 3 consumers, 1 disputed, 1 in EUR.
    assert data["accounts"] == 8
    assert data["probabilities"] == "heuristic"
    current, proposed = data["current"], data["proposed"]
    assert isinstance(current, dict) and isinstance(proposed, dict)
    assert current["policy"] == "current#1" and proposed["policy"] == "same"
    for side in (current, proposed):
        assert set(side) == {"policy", "accounts", "expected_recovery", "agreements", "escalations"}
        recovery = side["expected_recovery"]
        assert isinstance(recovery, dict) and set(recovery) == {"USD", "EUR"}
        assert Decimal(recovery["USD"]) > 0 and recovery["EUR"] == "0.00"  # EUR: no segment
        assert isinstance(side["agreements"], float) and 0 < side["agreements"] < 6
    assert current["expected_recovery"] == proposed["expected_recovery"]
    assert data["difference"] == {
        "expected_recovery": {"EUR": "0.00", "USD": "0.00"},
        "agreements": 0.0,
        "escalations": 0,
    }
    assert data["changed"] == [] and data["changed_accounts"] == 0
    names = [s["segment"] for s in data["by_segment"]]  # type: ignore[union-attr]
    assert names == ["(none)", "business", "consumers", "disputed"]
    # The disputed account is held (nothing offered) and the EUR one escalates (no segment).
    assert segment(data, "disputed")["current"]["expected_recovery"] == {"USD": "0.00"}
    assert segment(data, "(none)")["current"]["escalations"] == 1


def test_longer_plans_and_bigger_discounts_raise_recovery_in_their_segment_only(
    portfolio: str, tmp_path: Path
) -> None:
    text = policy_text("generous", consumer_max=10, consumer_term=330, consumer_discount="10")
    data = whatif(portfolio, tmp_path / "generous.yaml", text)
    consumers = segment(data, "consumers")
    diff = consumers["difference"]
    assert Decimal(diff["expected_recovery"]["USD"]) > 0  # type: ignore[index]
    assert diff["agreements"] > 0  # type: ignore[operator]
    assert diff["escalations"] == 0
    for other in ("business", "disputed", "(none)"):
        seg = segment(data, other)
        assert seg["current"] == seg["proposed"], other
    total = data["difference"]
    assert isinstance(total, dict)
    assert total["expected_recovery"]["USD"] == diff["expected_recovery"]["USD"]  # type: ignore[index]
    # The changed accounts are consumers, largest balance first, each saying why.
    changed = data["changed"]
    assert isinstance(changed, list) and changed
    assert {c["account"] for c in changed} <= {"C1", "C2", "C3"}
    balances = [Decimal(c["balance"]) for c in changed]
    assert balances == sorted(balances, reverse=True)
    for c in changed:
        assert any(w.startswith("opening offer") for w in c["why"]), c
        assert c["current"]["segment"] == c["proposed"]["segment"] == "consumers"
    # --top limits the list, not the count.
    limited = whatif(portfolio, tmp_path / "generous.yaml", text, "--top", "1")
    assert len(limited["changed"]) == 1  # type: ignore[arg-type]
    assert limited["changed_accounts"] == data["changed_accounts"]


def test_the_current_side_is_the_opening_offer_the_agent_makes(
    portfolio: str, tmp_path: Path
) -> None:
    text = policy_text("generous", consumer_max=10, consumer_term=330, consumer_discount="10")
    data = whatif(portfolio, tmp_path / "generous.yaml", text)
    for c in data["changed"]:  # type: ignore[union-attr]
        offers = run_json(portfolio, "offers", c["account"], "--as-of", AS_OF)
        recommended = offers["recommended"]
        assert isinstance(recommended, dict)
        mine = c["current"]["offer"]
        assert mine["kind"] == recommended["kind"]
        assert mine["total"] == recommended["total"]
        assert mine["down_payment"] == recommended["down_payment"]
        paid_after_down = len(recommended["installments"]) - (
            1 if recommended["down_payment"] is not None else 0
        )
        assert mine["installments"] == paid_after_down
        assert mine["requires_approval"] == recommended["requires_approval"]


def test_sending_agreements_to_people_raises_escalations(portfolio: str, tmp_path: Path) -> None:
    data = whatif(
        portfolio, tmp_path / "approve.yaml", policy_text("approve", business_approval="always")
    )
    business = segment(data, "business")
    # Every business offer now needs approval: B1 and B2 go to a person; B3 already did (its
    # final notice), so it counts once.
    assert business["difference"]["escalations"] == 2
    assert business["difference"]["expected_recovery"] == {"USD": "0.00"}
    assert data["difference"]["escalations"] == 2  # type: ignore[index]
    assert segment(data, "consumers")["difference"]["escalations"] == 0
    changed = {c["account"]: c for c in data["changed"]}  # type: ignore[union-attr]
    assert set(changed) == {"B1", "B2", "B3"}
    for c in changed.values():
        assert "offer_needs_approval" in c["proposed"]["needs_person"]
        assert "offer_needs_approval" not in c["current"]["needs_person"]


def test_final_notices_count_as_escalations_under_both(portfolio: str, tmp_path: Path) -> None:
    data = whatif(portfolio, tmp_path / "same.yaml", policy_text("same"))
    # B3 (107 days) and C3 (91 days) are past the final-notice age: a person approves it.
    current = data["current"]
    assert isinstance(current, dict)
    assert current["escalations"] == 3  # B3, C3 and the EUR account without a segment
    business = segment(data, "business")["current"]
    assert business["escalations"] == 1


def test_an_invalid_file_is_refused_with_its_line_and_nothing_is_compared(
    portfolio: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        policy_text("bad").replace('max_discount_pct: "2"', "max_discount_pct: 2.5"),
        encoding="utf-8",
    )
    code, out, err = run(portfolio, "policy", "whatif", str(bad), "--as-of", AS_OF)
    assert code == 1
    assert out == ""
    assert f"{bad}: line 11: segments[1].terms.settlement.max_discount_pct:" in err
    assert "nothing was compared" in err
    code, out, _ = run(portfolio, "policy", "whatif", str(bad), "--as-of", AS_OF, "--json")
    assert code == 1
    refused = json.loads(out)
    assert refused["valid"] is False and refused["file"] == str(bad)
    assert refused["problems"][0]["line"] == 11
    assert refused["problems"][0]["path"] == "segments[1].terms.settlement.max_discount_pct"


def test_a_what_if_writes_nothing(portfolio: str, tmp_path: Path) -> None:
    before = run_json(portfolio, "policy", "list")
    shown = run_json(portfolio, "policy", "show")
    text = policy_text("generous", consumer_max=10, consumer_term=330)
    whatif(portfolio, tmp_path / "generous.yaml", text)
    code, out, _ = run(portfolio, "policy", "whatif", str(tmp_path / "generous.yaml"))
    assert code == 0 and "current#1" in out  # the human form, as of today
    assert run_json(portfolio, "policy", "list") == before
    assert run_json(portfolio, "policy", "show") == shown
    assert run_json(portfolio, "plan", "--as-of", AS_OF)["policy_version"] == "current#1"


def test_before_any_version_the_packaged_default_is_read_not_stored(
    database_url: str, tmp_path: Path
) -> None:
    (tmp_path / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")
    (tmp_path / "invoices.csv").write_text(INVOICES, encoding="utf-8")
    for kind in ("customers", "invoices"):
        run_json(database_url, "import", kind, str(tmp_path / f"{kind}.csv"))
    data = whatif(database_url, tmp_path / "p.yaml", policy_text("p"))
    assert data["current"]["policy"] == "2026-11 (packaged default, not stored yet)"  # type: ignore[index]
    assert run_json(database_url, "policy", "list") == {"versions": []}


@pytest.mark.slow  # trains a gradient-boosting model (~10 s CPU)
def test_probabilities_come_from_the_trained_risk_model_when_there_is_one(
    database_url: str, tmp_path: Path
) -> None:
    sample = tmp_path / "sample"
    generate_sample(sample, accounts=40, seed=11, as_of=date(2026, 3, 1))
    for kind in ("customers", "invoices", "payments"):
        data = run_json(database_url, "import", kind, str(sample / f"{kind}.csv"))
        assert data["errors"] == [], data
    proposed = policy_text("p", consumer_max=10, consumer_term=330)
    before = whatif(database_url, tmp_path / "p.yaml", proposed)
    assert before["probabilities"] == "heuristic"
    run_json(database_url, "risk", "train", "--as-of", AS_OF)
    after = whatif(database_url, tmp_path / "p.yaml", proposed)
    assert after["probabilities"] == "model"
    assert after["accounts"] == before["accounts"]
    # Same portfolio and policies, other probabilities: other expected figures.
    assert after["current"] != before["current"]  # type: ignore[comparison-overlap]
