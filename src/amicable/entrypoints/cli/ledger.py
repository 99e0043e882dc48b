"""CLI commands of the ledger area: ``init``, ``orgs``, ``import``, ``aging``, ``dso``, ``accounts``.

Every command that touches the database takes ``--database-url`` itself (falling back to the root
option, then ``AMICABLE_DATABASE_URL``, then ``./amicable.db``) and ``--org`` (default
``default``). With ``--json`` stdout carries exactly one JSON object; the import progress bar
and human messages go to stderr. Exit codes: 0 done, 1 something was refused, 2 unusable input.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from amicable.domain.aging import BUCKETS
from amicable.domain.errors import InvalidInput
from amicable.entrypoints.cli._common import err_console, fail, handle_errors, print_json
from amicable.entrypoints.cli._db import AsOfOpt, DbOpt, JsonOpt, OrgOpt
from amicable.entrypoints.cli._db import as_of_date as _as_of
from amicable.entrypoints.cli._db import open_app as _app
from amicable.service import governance, imports, queries

__all__ = ["register"]

out = Console(highlight=False)

# -- init and organisations ---------------------------------------------------------------------


def init(ctx: typer.Context, database_url: DbOpt = None, json: JsonOpt = False) -> None:
    """Create or upgrade the database schema (also done automatically on an empty database)."""
    with _app(ctx, database_url) as app:
        app.init()
        orgs = app.list_orgs()
    if json:
        print_json(
            {
                "database_url": _redact(app.settings.database_url),
                "organisations": [n for _, n in orgs],
            }
        )
    else:
        out.print(f"database ready: {_redact(app.settings.database_url)}")


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


orgs_app = typer.Typer(
    help="Organisations (tenants): every record belongs to one.", no_args_is_help=True
)


@orgs_app.command("create")
def orgs_create(
    ctx: typer.Context, name: str, database_url: DbOpt = None, json: JsonOpt = False
) -> None:
    """Create an organisation."""
    with _app(ctx, database_url) as app:
        org_id = app.create_org(name)
    if json:
        print_json({"id": org_id, "name": name.strip()})
    else:
        out.print(f"organisation {name.strip()!r} created")


@orgs_app.command("list")
def orgs_list(ctx: typer.Context, database_url: DbOpt = None, json: JsonOpt = False) -> None:
    """List organisations."""
    with _app(ctx, database_url) as app:
        orgs = app.list_orgs()
    if json:
        print_json({"organisations": [{"id": i, "name": n} for i, n in orgs]})
    else:
        for _, n in orgs:
            out.print(n)


# -- import --------------------------------------------------------------------------------------

import_app = typer.Typer(
    help="Import customers, invoices or payments (CSV or XLSX).", no_args_is_help=True
)

FileArg = Annotated[Path, typer.Argument(help="CSV or XLSX file")]
FormatOpt = Annotated[
    str, typer.Option("--format", help="generic | quickbooks | xero | netsuite | sap")
]
MappingOpt = Annotated[Path | None, typer.Option("--mapping", help="mapping file (YAML)")]
CurrencyOpt = Annotated[
    str | None, typer.Option("--currency", help="currency for files without a currency column")
]
DryOpt = Annotated[bool, typer.Option("--dry-run", help="report what would happen, write nothing")]
SkipOpt = Annotated[
    bool, typer.Option("--skip-invalid", help="write the valid rows, report the invalid ones")
]

UseCase = Callable[..., imports.ImportResult]


def _run_import(
    ctx: typer.Context,
    database_url: str | None,
    org: str,
    records: Callable[[], Iterable[object]],
    use_case: UseCase,
    source: Path,
    *,
    kind: str,
    dry_run: bool,
    skip_invalid: bool,
    json: bool,
) -> None:
    with _app(ctx, database_url) as app:
        uow = app.uow(org)
        stream = imports.prefetched(records())
        progress = Progress(
            SpinnerColumn(),
            TextColumn("importing {task.fields[name]}"),
            BarColumn(),
            TextColumn("{task.completed:,} rows"),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        )
        with progress:
            task = progress.add_task("import", total=None, name=source.name)
            result = use_case(
                uow, stream, source=str(source), dry_run=dry_run, skip_invalid=skip_invalid,
                progress=lambda n: progress.advance(task, n),
            )  # fmt: skip
        # A written import leaves a record in the audit trail (nothing for dry runs or refusals).
        governance.audit_import(app.uow(org), kind, str(source), result, actor="cli")
    if json:
        print_json(result.to_json())
    else:
        _print_import(result, source)
    if result.refused:
        raise typer.Exit(1)


def _print_import(result: imports.ImportResult, source: Path) -> None:
    if result.errors:
        table = Table(title=f"{len(result.errors)} refused row(s) in {source.name}")
        for col in ("line", "column", "value", "problem"):
            table.add_column(col)
        for e in result.errors:
            table.add_row(str(e.line), e.column or "", e.value or "", e.message)
        err_console.print(table)
    if result.dry_run:
        verb = "would import"
    elif result.written:
        verb = "imported"
    else:
        err_console.print(
            "[bold red]nothing was written[/] (use --skip-invalid to write the valid rows)"
        )
        return
    out.print(f"{verb} {result.imported}, updated {result.updated}, unchanged {result.unchanged}")


@import_app.command("invoices")
def import_invoices_cmd(
    ctx: typer.Context,
    file: FileArg,
    format: FormatOpt = "generic",
    mapping: MappingOpt = None,
    currency: CurrencyOpt = None,
    org: OrgOpt = "default",
    dry_run: DryOpt = False,
    skip_invalid: SkipOpt = False,
    json: JsonOpt = False,
    database_url: DbOpt = None,
) -> None:
    """Import invoices and credit notes (open-item or aging exports)."""
    from amicable.adapters.importers import read_invoice_batches

    with handle_errors():
        _run_import(
            ctx, database_url, org,
            lambda: read_invoice_batches(file, format=format, mapping=mapping,
                                         default_currency=currency),
            imports.import_invoices, file, kind="invoices", dry_run=dry_run, skip_invalid=skip_invalid, json=json,
        )  # fmt: skip


@import_app.command("payments")
def import_payments_cmd(
    ctx: typer.Context,
    file: FileArg,
    format: FormatOpt = "generic",
    mapping: MappingOpt = None,
    currency: CurrencyOpt = None,
    org: OrgOpt = "default",
    dry_run: DryOpt = False,
    skip_invalid: SkipOpt = False,
    json: JsonOpt = False,
    database_url: DbOpt = None,
) -> None:
    """Import payments received (history with settlement dates), applied to invoices."""
    from amicable.adapters.importers import read_payments

    with handle_errors():
        _run_import(
            ctx, database_url, org,
            lambda: read_payments(file, format=format, mapping=mapping, default_currency=currency),
            imports.import_payments, file, kind="payments", dry_run=dry_run, skip_invalid=skip_invalid, json=json,
        )  # fmt: skip


@import_app.command("customers")
def import_customers_cmd(
    ctx: typer.Context,
    file: FileArg,
    format: FormatOpt = "generic",
    mapping: MappingOpt = None,
    org: OrgOpt = "default",
    dry_run: DryOpt = False,
    skip_invalid: SkipOpt = False,
    json: JsonOpt = False,
    database_url: DbOpt = None,
) -> None:
    """Import customers with contacts and per-channel consent (generic layout)."""
    from amicable.adapters.importers import read_customers

    with handle_errors():
        if format != "generic":
            raise InvalidInput(f"customers come in the generic layout only (got --format {format})")
        _run_import(
            ctx, database_url, org, lambda: read_customers(file, mapping=mapping),
            imports.import_customers, file, kind="customers", dry_run=dry_run, skip_invalid=skip_invalid, json=json,
        )  # fmt: skip


# -- reports -------------------------------------------------------------------------------------


def aging_cmd(
    ctx: typer.Context,
    as_of: AsOfOpt = None,
    by: Annotated[str | None, typer.Option("--by", help="customer: one row per customer")] = None,
    org: OrgOpt = "default",
    json: JsonOpt = False,
    database_url: DbOpt = None,
) -> None:
    """AR aging: current, 1-30, 31-60, 61-90, 91-120, 120+ days past due, per currency."""
    if by not in (None, "customer"):
        fail(f"--by {by!r}: only 'customer' is supported")
    with _app(ctx, database_url) as app:
        view = queries.aging(app.uow(org), _as_of(app, as_of), by_customer=by == "customer")
    if json:
        print_json(view.to_json())
        return
    table = Table(title=f"AR aging as of {view.report.as_of}")
    for col in ("customer", "currency", *BUCKETS, "total"):
        table.add_column(col, justify="left" if col in ("customer", "currency") else "right")
    for ref, rep in view.customers:
        for code, b in sorted(rep.currencies.items()):
            vals = b.to_json()
            table.add_row(ref.name, code, *(vals[k] for k in (*BUCKETS, "total")))
    for code, b in sorted(view.report.currencies.items()):
        vals = b.to_json()
        table.add_row("[bold]all[/]", code, *(vals[k] for k in (*BUCKETS, "total")))
    out.print(table)


def dso_cmd(
    ctx: typer.Context,
    as_of: AsOfOpt = None,
    days: Annotated[int, typer.Option("--days", help="period in days")] = 90,
    method: Annotated[str, typer.Option("--method", help="standard | countback")] = "standard",
    org: OrgOpt = "default",
    json: JsonOpt = False,
    database_url: DbOpt = None,
) -> None:
    """Days sales outstanding (standard or countback) and CEI, per currency."""
    if method not in ("standard", "countback"):
        fail(f"--method {method!r}: use standard or countback")
    chosen: Literal["standard", "countback"] = "standard" if method == "standard" else "countback"
    with _app(ctx, database_url) as app:
        report = queries.dso(app.uow(org), _as_of(app, as_of), days=days, method=chosen)
    if json:
        print_json(report.to_json())
        return
    table = Table(title=f"DSO ({report.method}, {report.days} days) as of {report.as_of}")
    for col in ("currency", "DSO (days)", "ending AR", "credit sales", "CEI %"):
        table.add_column(col, justify="right")
    for code, f in sorted(report.currencies.items()):
        table.add_row(code, _na(f.dso), f.ending_ar.amount_str(),
                      f.credit_sales.amount_str(), _na(f.cei))  # fmt: skip
    out.print(table)


accounts_app = typer.Typer(
    help="Customer accounts: balances, invoices, payments.", no_args_is_help=True
)


@accounts_app.command("list")
def accounts_list_cmd(
    ctx: typer.Context,
    as_of: AsOfOpt = None,
    org: OrgOpt = "default",
    json: JsonOpt = False,
    database_url: DbOpt = None,
) -> None:
    """Every account with its balance per currency and worst days past due."""
    with _app(ctx, database_url) as app:
        day = _as_of(app, as_of)
        rows = queries.accounts_list(app.uow(org), day)
    if json:
        print_json({"as_of": day.isoformat(), "accounts": [r.to_json() for r in rows]})
        return
    table = Table(title=f"accounts as of {day}")
    for col in ("id", "name", "type", "balance", "open invoices", "max DPD"):
        table.add_column(col)
    for r in rows:
        bal = ", ".join(f"{m.amount_str()} {c}" for c, m in sorted(r.balances.items())) or "0"
        table.add_row(r.customer.external_id, r.customer.name, r.customer.customer_type, bal,
                      str(r.open_invoices), str(r.max_days_past_due))  # fmt: skip
    out.print(table)


@accounts_app.command("show")
def accounts_show_cmd(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="customer id, or its exact name where unique")],
    as_of: AsOfOpt = None,
    org: OrgOpt = "default",
    json: JsonOpt = False,
    database_url: DbOpt = None,
) -> None:
    """One account: customer, balances, open invoices, payment history, days-late profile."""
    with _app(ctx, database_url) as app:
        view = queries.show_account(app.uow(org), ref, _as_of(app, as_of))
    if json:
        print_json(view.to_json())
        return
    data = view.to_json()
    c = view.customer
    out.print(f"[bold]{c['name']}[/] ({c['external_id']}, {c['type']}) as of {view.as_of}")
    bal = data["balances"]
    assert isinstance(bal, dict)
    out.print("balance: " + (", ".join(f"{v} {k}" for k, v in bal.items()) or "0"))
    table = Table(title="open invoices")
    for col in ("number", "due", "amount", "open", "DPD", "dispute"):
        table.add_column(col)
    for row in data["open_invoices"]:  # type: ignore[attr-defined]
        table.add_row(*(str(row[k]) for k in ("number", "due_date", "amount", "open_amount",
                                              "days_past_due", "dispute_status")))  # fmt: skip
    out.print(table)
    p = view.facts.payments
    out.print(f"payments: {len(view.payments)}; average days late {_na(p.average_days_late)}, "
              f"median {_na(p.median_days_late)}, on time {_na(p.on_time_share)}")  # fmt: skip


def _na(value: object) -> str:
    return "n/a" if value is None else str(value)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the root app."""
    app.command("init")(init)
    app.add_typer(orgs_app, name="orgs")
    app.add_typer(import_app, name="import")
    app.command("aging")(aging_cmd)
    app.command("dso")(dso_cmd)
    app.add_typer(accounts_app, name="accounts")
