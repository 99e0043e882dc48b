"""CLI command of the analytics area: ``amicable report NAME`` (and ``report html --out FILE``).

``NAME`` is one of ``roll-rates | recovery | ptp | plans | touches | escalations | channels | cei
| summary``; the window is ``--from``/``--to`` (inclusive business dates; ``--to`` defaults to
``--as-of``, ``--from`` to 90 days before ``--to``) and ``--as-of`` (default today, from the
app's clock) is the date promises are judged at; ``--within N`` (default 7) is how many days
after a touch a reply or a payment counts for the channel report. With ``--json`` stdout carries exactly one JSON
object (shapes in ``docs/analytics.md``). ``report html --out FILE`` writes the offline HTML
report of the summary (the agent side only; the baseline columns are absent).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from amicable.domain.errors import InvalidInput
from amicable.entrypoints.cli._common import fail, print_json
from amicable.entrypoints.cli._db import AsOfOpt, DbOpt, JsonOpt, OrgOpt
from amicable.entrypoints.cli._db import as_of_date as _as_of
from amicable.entrypoints.cli._db import open_app as _app
from amicable.entrypoints.html_report import render_report
from amicable.service import analytics

__all__ = ["register"]

out = Console(highlight=False)

FromOpt = Annotated[
    str | None,
    typer.Option("--from", help="first day of the window YYYY-MM-DD (default --to − 90)"),
]
ToOpt = Annotated[
    str | None, typer.Option("--to", help="last day of the window YYYY-MM-DD (default --as-of)")
]
WithinOpt = Annotated[
    int, typer.Option("--within", help="channels: days after a touch a reply or payment counts")
]
OutOpt = Annotated[Path | None, typer.Option("--out", help="report html: the file to write")]


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{option} {value!r} is not a date (YYYY-MM-DD)") from None


def report_cmd(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help=" | ".join((*analytics.REPORTS, "html")))],
    start: FromOpt = None,
    end: ToOpt = None,
    as_of: AsOfOpt = None,
    within: WithinOpt = 7,
    out_file: OutOpt = None,
    org: OrgOpt = "default",
    json: JsonOpt = False,
    database_url: DbOpt = None,
) -> None:
    """Analytics reports: roll rates, recovery, PTP, plans, touches, escalations, channels, CEI."""
    if name != "html" and name not in analytics.REPORTS:
        fail(f"no report {name!r}: use one of {', '.join((*analytics.REPORTS, 'html'))}")
    if name == "html" and out_file is None:
        fail("report html needs --out FILE")
    with _app(ctx, database_url) as app:
        day = _as_of(app, as_of)
        first, last = analytics.window(day, _day(start, "--from"), _day(end, "--to"))
        uow = app.uow(org)
        if name == "html":
            assert out_file is not None
            summary = analytics.summary_report(uow, first, last, day, within_days=within)
            out_file.write_text(render_report(analytics.html_data(summary)), encoding="utf-8")
            if json:
                print_json({"report": "html", "out": str(out_file)})
            else:
                out.print(f"report written to {out_file}")
            return
        report = analytics.run_report(uow, name, first, last, day, within_days=within)
    if json:
        print_json(report)
        return
    _print(report)


def _print(report: dict[str, Any]) -> None:
    table = Table(title=f"{report['report']} {report['from']} to {report['to']}")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in _flat(report, ""):
        if key not in ("report", "from", "to"):
            table.add_row(key, "n/a" if value is None else str(value))
    out.print(table)


def _flat(value: Any, prefix: str) -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        rows: list[tuple[str, Any]] = []
        for k, v in value.items():
            rows.extend(_flat(v, f"{prefix}.{k}" if prefix else str(k)))
        return rows
    if isinstance(value, list):
        if value and all(isinstance(v, dict) and "from" in v and "rate" in v for v in value):
            return [(f"{prefix}.{v['from']}→{v['to']}", v["rate"]) for v in value]
        return [(prefix, f"{len(value)} points")]
    return [(prefix, value)]


def register(app: typer.Typer) -> None:
    """Add this area's command to the root app."""
    app.command("report")(report_cmd)
