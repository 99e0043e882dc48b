"""CLI commands of the audit trail and write-back: ``amicable audit verify | export`` and
``amicable webhooks deliver``.

``audit verify --json`` prints ``{"ok", "records", "head": {"seq", "hash"}, "problems": [{"code",
"seq", "record_id", "message"}]}`` and exits 1 when the chain is broken. ``audit export`` writes
the records of a date span (inclusive, UTC) as JSON or CSV on stdout (or ``--output``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from amicable.bootstrap import bootstrap
from amicable.domain.errors import InvalidInput
from amicable.entrypoints.cli._common import handle_errors, print_json, state
from amicable.service import audit, writeback

__all__ = ["register"]

audit_app = typer.Typer(help="The append-only, hash-chained audit trail.", no_args_is_help=True)
webhooks_app = typer.Typer(help="Write-back webhooks.", no_args_is_help=True)

OrgOpt = Annotated[str, typer.Option("--org", help="organisation (tenant) name")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print one JSON object on stdout")]
DbOpt = Annotated[str | None, typer.Option("--database-url", help="SQLAlchemy URL")]


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{option} {value!r} is not a date (YYYY-MM-DD)") from None


@audit_app.command("verify")
def verify_cmd(
    ctx: typer.Context, org: OrgOpt = "default", json: JsonOpt = False, database_url: DbOpt = None
) -> None:
    """Recompute the chain; report every edited, removed or reordered record (exit 1 if any)."""
    with handle_errors():
        app = bootstrap(database_url or state(ctx).database_url)
        try:
            result = audit.verify(app.uow(org))
        finally:
            app.close()
    if json:
        print_json(result)
    elif result.ok:
        typer.echo(f"audit trail intact: {result.records} record(s), head {result.head_hash[:16]}…")
    else:
        for p in result.problems:
            typer.echo(f"{p.code}: {p.message} (record id {p.record_id})", err=True)
        typer.echo(f"audit trail BROKEN: {len(result.problems)} problem(s)", err=True)
    if not result.ok:
        raise typer.Exit(1)


@audit_app.command("export")
def export_cmd(
    ctx: typer.Context,
    start: Annotated[str | None, typer.Option("--from", help="first date, YYYY-MM-DD")] = None,
    end: Annotated[str | None, typer.Option("--to", help="last date, YYYY-MM-DD")] = None,
    format: Annotated[str, typer.Option("--format", help="json | csv")] = "json",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="write to a file")] = None,
    org: OrgOpt = "default",
    database_url: DbOpt = None,
) -> None:
    """Export the records of a date span for an examiner (with their hashes)."""
    with handle_errors():
        lo, hi = _date(start, "--from"), _date(end, "--to")
        app = bootstrap(database_url or state(ctx).database_url)
        try:
            text = audit.export(app.uow(org), start=lo, end=hi, fmt=format)
        finally:
            app.close()
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


@webhooks_app.command("deliver")
def deliver_cmd(
    ctx: typer.Context, org: OrgOpt = "default", json: JsonOpt = False, database_url: DbOpt = None
) -> None:
    """Attempt every due webhook delivery of the organisation now."""
    from amicable.adapters.webhooks import HttpxWebhookTransport

    with handle_errors():
        app = bootstrap(database_url or state(ctx).database_url)
        transport = HttpxWebhookTransport()
        try:
            report = writeback.deliver_pending(app.uow(org), app.clock.now(), transport)
        finally:
            transport.close()
            app.close()
    if json:
        print_json(report)
    else:
        r = report
        typer.echo(
            f"attempted {r.attempted}: delivered {r.delivered}, retrying {r.retrying}, "
            f"failed {r.failed}"
        )


@webhooks_app.command("events")
def events_cmd(
    ctx: typer.Context,
    start: Annotated[str | None, typer.Option("--from", help="first date, YYYY-MM-DD")] = None,
    end: Annotated[str | None, typer.Option("--to", help="last date, YYYY-MM-DD")] = None,
    org: OrgOpt = "default",
    database_url: DbOpt = None,
) -> None:
    """The outcome events as CSV (for accounting imports) on stdout."""
    with handle_errors():
        lo, hi = _date(start, "--from"), _date(end, "--to")
        app = bootstrap(database_url or state(ctx).database_url)
        try:
            text = writeback.events_csv(app.uow(org), start=lo, end=hi)
        finally:
            app.close()
    typer.echo(text, nl=False)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the root app."""
    app.add_typer(audit_app, name="audit")
    app.add_typer(webhooks_app, name="webhooks")
