"""A simulation split into shards (``workers=2``): independent worlds, each in its own process
with its own SQLite database over its part of the portfolio, whose records add up to the whole
portfolio's; deterministic for a seed and a number of workers; a shard that fails stops the run
with its error; impossible splits are refused before anything is drawn."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from amicable.adapters.db.tables import customers
from amicable.bootstrap import bootstrap
from amicable.sim.world import _run_shards, _split_sample, _WorldSpec, simulate

AS_OF = date(2026, 3, 1)


def _refs(db: Path) -> list[str]:
    app = bootstrap(f"sqlite:///{db}")
    try:
        with app.engine.connect() as conn:
            return list(conn.execute(select(customers.c.external_id)).scalars())
    finally:
        app.close()


def test_a_run_split_into_shards_works_the_whole_portfolio_once(tmp_path: Path) -> None:
    days: list[int] = []
    split = simulate(tmp_path / "split", accounts=40, days=6, strategy="agent", seed=2,
                     as_of=AS_OF, workers=2, progress=days.append)  # fmt: skip
    whole = simulate(tmp_path / "whole", accounts=40, days=6, strategy="agent", seed=2,
                     as_of=AS_OF)  # fmt: skip
    assert days == [1, 2, 3, 4, 5, 6]
    assert split.workers == 2 and len(split.worker_peaks_mib) == 2 and whole.workers == 1
    k = split.kpis
    for key in ("accounts", "overdue_accounts", "opening_overdue"):
        assert k[key] == whole.kpis[key]
    assert k["touches"] > 0
    assert k["compliance_violations"] == 0 and k["policy_violations"] == 0
    assert len(split.series["recovered_pct"]) == 6
    # every customer of the sample in exactly one shard's database, half each
    with (tmp_path / "split" / "agent" / "sample" / "customers.csv").open(newline="") as f:
        sample = sorted(r["customer_id"] for r in csv.DictReader(f))
    home = tmp_path / "split" / "agent"
    shards = [_refs(home / f"shard-{i}-of-2" / "amicable.db") for i in (1, 2)]
    assert [len(s) for s in shards] == [20, 20]
    assert sorted(shards[0] + shards[1]) == sample

    again = simulate(tmp_path / "again", accounts=40, days=6, strategy="agent", seed=2,
                     as_of=AS_OF, workers=2)  # fmt: skip
    assert again.kpis == k and again.series == split.series


def test_the_sample_is_split_by_customer_with_every_row_once(tmp_path: Path) -> None:
    from amicable.sim.sample import generate_sample

    sample = tmp_path / "sample"
    generate_sample(sample, accounts=9, seed=1, as_of=AS_OF)
    parts = _split_sample(sample, [tmp_path / "a", tmp_path / "b", tmp_path / "c"])
    for name in ("customers.csv", "invoices.csv", "payments.csv", "profiles.csv"):
        with (sample / name).open(newline="") as f:
            rows = list(csv.DictReader(f))
        split = []
        for k, part in enumerate(parts):
            with (part / name).open(newline="") as f:
                mine = list(csv.DictReader(f))
            owners = {r["customer_id"] for r in mine}
            with (part / "customers.csv").open(newline="") as f:
                assert owners <= {r["customer_id"] for r in csv.DictReader(f)}, (name, k)
            split += mine
        assert sorted(map(sorted, map(dict.items, split))) == sorted(
            map(sorted, map(dict.items, rows))
        ), name


def test_a_row_of_a_customer_not_in_the_sample_is_refused_with_its_line(tmp_path: Path) -> None:
    from amicable.sim.sample import generate_sample

    sample = tmp_path / "sample"
    generate_sample(sample, accounts=3, seed=1, as_of=AS_OF)
    with (sample / "invoices.csv").open("a", newline="") as f:
        csv.writer(f).writerow(["GHOST", "x", "INV-X", "2026-01-01", "2026-02-01", "USD", "1.00",
                                "1.00", "no", ""])  # fmt: skip
    with pytest.raises(ValueError, match=r"invoices\.csv, line \d+: customer_id 'GHOST'"):
        _split_sample(sample, [tmp_path / "a", tmp_path / "b"])


def test_a_shard_that_fails_stops_the_run_with_its_error(tmp_path: Path) -> None:
    spec = _WorldSpec(home=tmp_path / "w", sample=tmp_path / "missing", database_url=None,
                      days=2, strategy="dunning", seed=1, as_of=AS_OF, zones=("UTC",),
                      reviews=0, team_capacity=3)  # fmt: skip
    with pytest.raises(RuntimeError, match=r"shard [12] of 2 failed: (?s:.*)missing"):
        _run_shards([replace(spec, sample=tmp_path / "also-missing"), spec], None)


def test_impossible_splits_are_refused_before_anything_is_drawn(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="workers must be at least 1"):
        simulate(tmp_path, accounts=5, days=1, strategy="agent", seed=1, as_of=AS_OF, workers=0)
    with pytest.raises(ValueError, match="one world"):
        simulate(tmp_path, accounts=5, days=1, strategy="agent", seed=1, as_of=AS_OF, workers=2,
                 database_url="sqlite:///x.db")  # fmt: skip
    assert not (tmp_path / "agent").exists()
