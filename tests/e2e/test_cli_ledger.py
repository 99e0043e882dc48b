"""The ledger CLI end to end: sample files -> import -> aging / DSO / accounts, as a user runs it.

Runs in-process through Typer's runner (fast) on the backend chosen by ``--db``; one test runs the
real ``amicable`` console script in a subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from amicable.entrypoints.cli import app
from amicable.sim.sample import generate_sample

AS_OF = "2026-03-01"


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    generate_sample(out, accounts=40, seed=7, as_of=date(2026, 3, 1))
    return out


def run(url: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [*args, "--database-url", url])
    return result.exit_code, result.stdout, result.stderr


def run_json(url: str, *args: str) -> dict[str, object]:
    code, out, err = run(url, *args, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert isinstance(data, dict)
    return data


def import_sample(url: str, sample_dir: Path) -> None:
    for kind in ("customers", "invoices", "payments"):
        data = run_json(url, "import", kind, str(sample_dir / f"{kind}.csv"))
        assert data["errors"] == [] and data["imported"], data


def test_the_sample_imports_and_a_second_import_changes_nothing(
    database_url: str, sample_dir: Path
) -> None:
    import_sample(database_url, sample_dir)
    for kind in ("customers", "invoices", "payments"):
        data = run_json(database_url, "import", kind, str(sample_dir / f"{kind}.csv"))
        assert (data["imported"], data["updated"], data["errors"]) == (0, 0, [])
        assert data["unchanged"]


def test_import_json_prints_exactly_one_object_with_the_four_keys(
    database_url: str, sample_dir: Path
) -> None:
    code, out, _ = run(
        database_url, "import", "invoices", str(sample_dir / "invoices.csv"), "--json"
    )
    assert code == 0
    assert len(out.strip().splitlines()) == 1
    assert set(json.loads(out)) == {"imported", "updated", "unchanged", "errors"}


BAD = """customer_id,customer_name,invoice_number,issue_date,due_date,currency,amount,open_amount,disputed,description
C1,Red Rock Diner,A-1,2026-01-05,2026-02-04,USD,100.00,100.00,no,
C1,Red Rock Diner,A-2,2026-02-30,2026-03-04,USD,100.00,100.00,no,
C1,Red Rock Diner,A-3,2026-01-05,2026-02-04,XXX,100.00,100.00,no,
C1,Red Rock Diner,,2026-01-05,2026-02-04,USD,100.00,100.00,no,
C1,Red Rock Diner,A-1,2026-01-05,2026-02-04,USD,100.00,100.00,no,
C1,Red Rock Diner,A-6,2026-01-05,2026-02-04,USD,ten,100.00,no,
C1,Red Rock Diner,A-7,2026-02-05,2026-02-04,USD,100.00,100.00,no,
C1,Red Rock Diner,A-8,2026-01-05,2026-02-04,USD,100.00,120.00,no,
C1,Red Rock Diner,A-9,2026-01-05,2026-02-04,USD,100.00,100.00,no,
"""


def test_a_file_with_bad_rows_is_refused_with_every_error_and_nothing_written(
    database_url: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD)
    code, out, _ = run(database_url, "import", "invoices", str(bad), "--json")
    assert code == 1
    data = json.loads(out)
    assert [e["line"] for e in data["errors"]] == [3, 4, 5, 6, 7, 8, 9]
    assert data["imported"] == 0
    listing = run_json(database_url, "accounts", "list")
    assert listing["accounts"] == []


def test_skip_invalid_writes_the_good_rows_and_still_exits_1(
    database_url: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD)
    code, out, _ = run(database_url, "import", "invoices", str(bad), "--json", "--skip-invalid")
    assert code == 1
    assert json.loads(out)["imported"] == 2
    aging = run_json(database_url, "aging", "--as-of", AS_OF)
    assert aging["currencies"]["USD"]["total"] == "200.00"  # type: ignore[index]


def test_dry_run_writes_nothing(database_url: str, sample_dir: Path) -> None:
    data = run_json(
        database_url, "import", "invoices", str(sample_dir / "invoices.csv"), "--dry-run"
    )
    assert data["imported"]
    assert run_json(database_url, "accounts", "list")["accounts"] == []


def test_reports_have_the_documented_json_shapes(database_url: str, sample_dir: Path) -> None:
    import_sample(database_url, sample_dir)
    aging = run_json(database_url, "aging", "--as-of", AS_OF)
    assert aging["as_of"] == AS_OF
    for buckets in aging["currencies"].values():  # type: ignore[attr-defined]
        assert list(buckets) == ["current", "1-30", "31-60", "61-90", "91-120", "120+", "total"]
        assert all(isinstance(v, str) for v in buckets.values())
    by_customer = run_json(database_url, "aging", "--as-of", AS_OF, "--by", "customer")
    assert by_customer["customers"]
    for method in ("standard", "countback"):
        dso = run_json(database_url, "dso", "--as-of", AS_OF, "--days", "90", "--method", method)
        assert dso["method"] == method and dso["currencies"]
    accounts = run_json(database_url, "accounts", "list", "--as-of", AS_OF)["accounts"]
    first = accounts[0]  # type: ignore[index]
    shown = run_json(database_url, "accounts", "show", first["external_id"], "--as-of", AS_OF)
    assert shown["customer"]["name"] == first["name"]  # type: ignore[index]
    assert {"balances", "open_invoices", "payments", "days_late"} <= set(shown)


def test_organisations_keep_their_data_apart(database_url: str, sample_dir: Path) -> None:
    code, _, err = run(database_url, "import", "invoices", str(sample_dir / "invoices.csv"),
                       "--org", "acme")  # fmt: skip
    assert code == 2 and "amicable orgs create acme" in " ".join(err.split())
    assert run_json(database_url, "orgs", "create", "acme")["name"] == "acme"
    names = [o["name"] for o in run_json(database_url, "orgs", "list")["organisations"]]  # type: ignore[attr-defined]
    assert names == ["default", "acme"]
    run_json(database_url, "import", "invoices", str(sample_dir / "invoices.csv"), "--org", "acme")
    assert run_json(database_url, "accounts", "list")["accounts"] == []
    assert run_json(database_url, "accounts", "list", "--org", "acme")["accounts"]


def test_an_unknown_account_is_a_clear_error(database_url: str) -> None:
    code, _, err = run(database_url, "accounts", "show", "Nobody")
    assert code == 2 and "no account 'Nobody'" in err


def test_the_console_script_migrates_a_fresh_sqlite_file_on_first_use(
    tmp_path: Path, sample_dir: Path
) -> None:
    env = {**os.environ, "AMICABLE_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"}
    exe = Path(sys.executable).with_name("amicable")
    done = subprocess.run(
        [str(exe), "import", "invoices", str(sample_dir / "invoices.csv"), "--json"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["imported"] > 0
    again = subprocess.run([str(exe), "init", "--json"], capture_output=True, text=True, env=env,
                           timeout=120, check=False)  # fmt: skip
    assert json.loads(again.stdout)["organisations"] == ["default"]
