"""``amicable report NAME`` end to end on an imported sample: one JSON object per report with the
documented keys (docs/analytics.md), clear refusals, and ``report html --out`` writing the page.

Runs in-process through Typer's runner on the backend chosen by ``--db``.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from amicable.entrypoints.cli import app
from amicable.sim.sample import generate_sample

AS_OF = "2026-03-01"
WINDOW = ("--from", "2025-12-01", "--to", AS_OF, "--as-of", AS_OF)


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report_sample")
    generate_sample(out, accounts=30, seed=11, as_of=date(2026, 3, 1))
    return out


def run(url: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [*args, "--database-url", url])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def loaded(database_url: str, sample_dir: Path) -> str:
    for kind in ("customers", "invoices", "payments"):
        code, _out, err = run(database_url, "import", kind, str(sample_dir / f"{kind}.csv"))
        assert code == 0, err
    return database_url


def report(url: str, name: str, *extra: str) -> dict[str, object]:
    code, out, err = run(url, "report", name, *WINDOW, *extra, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert isinstance(data, dict)
    assert (data["report"], data["from"], data["to"]) == (name, "2025-12-01", AS_OF)
    return data


KEYS: dict[str, set[str]] = {
    "roll-rates": {"step_days", "periods", "overall"},
    "recovery": {"days", "currencies"},
    "ptp": {"as_of", "conversations", "conversations_with_promise", "capture_rate", "promises",
            "promises_per_conversation", "by_source", "by_status", "resolved", "kept_rate",
            "partially_kept_rate", "broken_rate"},
    "plans": {"plans", "by_status", "broken_rate", "broken_rate_of_resolved"},
    "touches": {"touches", "accounts", "touches_per_account", "channels"},
    "escalations": {"items", "escalations", "approvals", "decided", "by_kind", "by_source",
                    "by_reason", "by_status", "hours_to_decision"},
    "channels": {"within_days", "channels"},
    "cei": {"days", "currencies"},
    "summary": {"as_of", "kpis", "reports"},
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(KEYS))
def test_each_report_prints_one_json_object_with_its_keys(loaded: str, name: str) -> None:
    data = report(loaded, name)
    assert set(data) == {"report", "from", "to", *KEYS[name]}


def test_the_sample_book_gives_figures_that_add_up(loaded: str) -> None:
    recovery = report(loaded, "recovery")["currencies"]
    assert isinstance(recovery, dict) and recovery
    for figures in recovery.values():
        curve = figures["curve"]
        assert len(curve) == 91 and curve[0][0] == 0 and curve[-1][0] == 90
        shares = [p[2] for p in curve]
        assert all(s is not None for s in shares)
        assert shares == sorted(shares, key=float)  # cumulative: never goes down
        assert figures["collected"] == curve[-1][1]
    rolls = report(loaded, "roll-rates")
    assert [p["at"] for p in rolls["periods"]] == ["2025-12-01", "2025-12-31", "2026-01-30"]  # type: ignore[index]
    cei = report(loaded, "cei")["currencies"]
    assert isinstance(cei, dict)
    assert all(f["cei"] is not None for f in cei.values())


def test_within_sets_the_channel_horizon(loaded: str) -> None:
    assert report(loaded, "channels", "--within", "3")["within_days"] == 3
    code, _out, err = run(loaded, "report", "channels", "--within", "0")
    assert code == 2 and "--within must be at least 1 day" in err


def test_human_output_is_a_table(loaded: str) -> None:
    code, out, err = run(loaded, "report", "plans", *WINDOW)
    assert code == 0, err
    assert "broken_rate" in out and "n/a" in out  # no plans: an undefined rate, not 0


def test_report_html_writes_a_self_contained_page(loaded: str, tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    code, out, err = run(loaded, "report", "html", *WINDOW, "--out", str(target), "--json")
    assert code == 0, err
    assert json.loads(out) == {"report": "html", "out": str(target)}
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and "line-agent" in page
    assert "http" not in page


def test_unknown_report_and_bad_dates_are_refused(loaded: str) -> None:
    code, _out, err = run(loaded, "report", "nope")
    assert code == 2 and "no report 'nope'" in err
    code, _out, err = run(loaded, "report", "ptp", "--from", "2026-13-01")
    assert code == 2 and "--from '2026-13-01' is not a date" in err
    code, _out, err = run(loaded, "report", "ptp", "--from", "2026-03-02", "--to", "2026-03-01")
    assert code == 2 and "is after --to" in err
    code, _out, err = run(loaded, "report", "html")
    assert code == 2 and "needs --out" in err
