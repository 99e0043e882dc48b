"""CLI commands of the sample area: ``amicable sample`` writes a generated portfolio.

The only wall-clock read is here, at the edge: ``--as-of`` defaults to today's date from the
system clock; the generator itself takes ``as_of`` as a parameter.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from amicable.domain.clock import SystemClock
from amicable.entrypoints.cli._common import err_console, fail, print_json
from amicable.sim.sample import generate_sample


def register(app: typer.Typer) -> None:
    """Add this area's commands to the root app."""
    app.command("sample")(sample)


def sample(
    accounts: Annotated[
        int, typer.Option("--accounts", min=0, help="customers to generate")
    ] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="random seed (same seed, same files)")] = 7,
    out: Annotated[Path, typer.Option("--out", help="directory for the three CSV files")] = Path(
        "sample"
    ),
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="portfolio date YYYY-MM-DD (default today)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
) -> None:
    """Write customers.csv, invoices.csv and payments.csv: a realistic mixed AR portfolio."""
    if as_of is None:
        day = SystemClock().today()
    else:
        try:
            day = date.fromisoformat(as_of)
        except ValueError:
            fail(f"--as-of {as_of!r} is not a date YYYY-MM-DD")
    summary = generate_sample(out, accounts=accounts, seed=seed, as_of=day)
    if as_json:
        print_json(summary)
        return
    err_console.print(
        f"wrote {summary.customers} customers, {summary.invoices} invoices "
        f"({summary.open_invoices} open, {summary.disputed_invoices} disputed) and "
        f"{summary.payments} payments as of {day.isoformat()} to {out}/"
    )
