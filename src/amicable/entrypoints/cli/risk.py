"""CLI commands of the strategy area: ``amicable risk train`` and ``amicable risk backtest``.

``risk train`` learns from the organisation's imported ledger history (as of ``--as-of``,
default today) and stores the model as a new version in the ``risk_models`` table.
``risk backtest --split-date D`` trains on what was known before ``D`` and scores invoices
issued from it; ``--json`` prints exactly ``{"n", "auc", "brier", "calibration", "baseline_auc"}``.
Exit codes: 0 done, 2 unusable input.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from amicable.domain.errors import InvalidInput
from amicable.entrypoints.cli._common import print_json
from amicable.entrypoints.cli._db import DbOpt, JsonOpt, OrgOpt
from amicable.entrypoints.cli._db import open_app as _app
from amicable.service import risk_queries

__all__ = ["register"]

out = Console(highlight=False)

AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", help="last day of history to use, YYYY-MM-DD (default: today, UTC)"),
]


def _date(option: str, value: str | None, default: date) -> date:
    if value is None:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{option} {value!r} is not a date (YYYY-MM-DD)") from None


def train_cmd(
    ctx: typer.Context,
    as_of: AsOfOpt = None,
    org: OrgOpt = "default",
    database_url: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """Train the risk model on the imported ledger history and store it (a new version)."""
    with _app(ctx, database_url) as app:
        day = _date("--as-of", as_of, app.clock.today())
        result = risk_queries.train_risk_model(app.uow(org), as_of=day)
    if json:
        print_json(result)
        return
    data = result.to_json()
    out.print(
        f"risk model v{data['version']} ({data['kind']}) trained on {data['trained_rows']} "
        f"snapshots of {data['invoices']} invoices, history until {data['trained_until']}; "
        f"stored in the database (risk_models)"
    )


def backtest_cmd(
    ctx: typer.Context,
    split_date: Annotated[
        str, typer.Option("--split-date", help="train before this date, test from it (YYYY-MM-DD)")
    ],
    as_of: AsOfOpt = None,
    org: OrgOpt = "default",
    database_url: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """Backtest the risk model against the days-past-due heuristic on a held-out period."""
    with _app(ctx, database_url) as app:
        split = _date("--split-date", split_date, app.clock.today())
        day = _date("--as-of", as_of, app.clock.today())
        report = risk_queries.run_backtest(app.uow(org), split_date=split, as_of=day)
    if json:
        print_json(report)
        return
    out.print(
        f"n={report['n']}  AUC={report['auc']}  baseline AUC (days past due)="
        f"{report['baseline_auc']}  Brier={report['brier']}"
    )
    table = Table("bin", "predicted", "observed", "n", title="calibration")
    for row in report["calibration"]:
        table.add_row(row["bin"], str(row["predicted"]), str(row["observed"]), str(row["n"]))
    out.print(table)


def register(app: typer.Typer) -> None:
    """Add ``amicable risk train|backtest``."""
    risk = typer.Typer(
        help="Risk model: train on the ledger history, backtest.", no_args_is_help=True
    )
    risk.command("train")(train_cmd)
    risk.command("backtest")(backtest_cmd)
    app.add_typer(risk, name="risk")
