"""``amicable demo``: the main job on the embedded default (SQLite, offline), in one command.

What it does today, on a fresh workspace: generates a realistic sample portfolio, imports its
customers, invoices and payment history, and shows what a credit manager asks first — aging, DSO
(standard and countback) and CEI per currency — then works out, for every overdue account, the
policy segment, the action and the opening offer under the policy in force, and points at the
commands to explore further. (The 90-day simulated agent-versus-dunning comparison lands with the
simulator.)
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from amicable.adapters.importers import read_customers, read_invoice_batches, read_payments
from amicable.bootstrap import bootstrap
from amicable.domain.aging import BUCKETS
from amicable.domain.clock import SystemClock
from amicable.domain.errors import InvalidInput
from amicable.domain.money import Money
from amicable.entrypoints.cli._common import err_console, fail, handle_errors
from amicable.service import imports, policies, queries
from amicable.sim.sample import generate_sample

__all__ = ["register"]

out = Console(highlight=False)


def demo(
    accounts: Annotated[int, typer.Option("--accounts", help="accounts in the sample")] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="random seed of the sample")] = 7,
    workspace: Annotated[
        Path, typer.Option("--workspace", help="folder for the demo's files and database")
    ] = Path("amicable-demo"),
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="business date YYYY-MM-DD (default today)")
    ] = None,
) -> None:
    """Build a sample portfolio in a fresh workspace and show what amicable makes of it."""
    with handle_errors():
        try:
            day = SystemClock().today() if as_of is None else date.fromisoformat(as_of)
        except ValueError:
            raise InvalidInput(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)") from None
        if accounts < 1:
            raise InvalidInput("--accounts must be at least 1")
        _run(accounts, seed, workspace, day)


def _run(accounts: int, seed: int, workspace: Path, day: date) -> None:
    if workspace.exists():
        if not (workspace / ".amicable-demo").exists():
            fail(f"{workspace} exists and is not a demo workspace; choose another --workspace")
        shutil.rmtree(workspace)
    data = workspace / "sample"
    data.mkdir(parents=True)
    (workspace / ".amicable-demo").write_text("a workspace made by `amicable demo`\n")
    db = workspace / "amicable.db"
    url = f"sqlite:///{db}"

    out.rule("[bold]amicable demo")
    summary = generate_sample(data, accounts=accounts, seed=seed, as_of=day)
    out.print(
        f"sample portfolio: {summary.customers:,} accounts, {summary.invoices:,} invoices, "
        f"{summary.payments:,} payments (seed {seed}, as of {day}) in {data}/"
    )
    app = bootstrap(url)
    try:
        app.init()
        with Progress(console=err_console, transient=True) as progress:

            def tick(label: str) -> Callable[[int], None]:
                task = progress.add_task(f"importing {label}", total=None)
                return lambda n: progress.advance(task, n)

            results = (
                ("customers", imports.import_customers(
                    app.uow(), read_customers(data / "customers.csv"), progress=tick("customers")
                )),
                ("invoices", imports.import_invoices(
                    app.uow(), imports.prefetched(read_invoice_batches(data / "invoices.csv")),
                    progress=tick("invoices"),
                )),
                ("payments", imports.import_payments(
                    app.uow(), read_payments(data / "payments.csv"), progress=tick("payments")
                )),
            )  # fmt: skip
        for name, result in results:
            if result.refused:
                fail(f"the sample {name} file was refused: {result.errors[:3]}")
            out.print(f"imported {result.imported:,} {name}")

        aging = queries.aging(app.uow(), day)
        table = Table(title=f"Aging as of {day}")
        table.add_column("currency")
        for bucket in (*BUCKETS, "total"):
            table.add_column(bucket, justify="right")
        for code, buckets in sorted(aging.report.currencies.items()):
            row = buckets.to_json()
            table.add_row(code, *(row[b] for b in (*BUCKETS, "total")))
        out.print(table)

        table = Table(title="DSO (last 90 days) and collection effectiveness")
        for col in ("currency", "DSO standard", "DSO countback", "CEI %", "ending AR"):
            table.add_column(col, justify="right")
        standard = queries.dso(app.uow(), day, days=90, method="standard").currencies
        countback = queries.dso(app.uow(), day, days=90, method="countback").currencies
        for code, fig in sorted(standard.items()):
            back = countback.get(code)
            table.add_row(
                code,
                _num(fig.dso),
                _num(back.dso if back else None),
                _num(fig.cei),
                fig.ending_ar.amount_str(),
            )
        out.print(table)

        overdue = [a for a in queries.accounts_list(app.uow(), day) if a.max_days_past_due > 0]
        actions: Counter[tuple[str, str]] = Counter()
        offered: dict[str, Money] = {}
        kinds: Counter[str] = Counter()
        with Progress(console=err_console, transient=True) as progress:
            task = progress.add_task("working out offers", total=len(overdue))
            for account in overdue:
                report = policies.offers_for(app.uow(), account.customer.external_id, day)
                progress.advance(task)
                if isinstance(report, policies.NothingOwed):
                    continue
                actions[(report["segment"], report["action"])] += 1
                rec = report["recommended"]
                if rec is not None:
                    kinds[rec["kind"]] += 1
                    amount = Money.of(rec["total"], rec["currency"])
                    offered[amount.code] = (
                        offered.get(amount.code, Money.zero(amount.code)) + amount
                    )
        table = Table(title=f"{len(overdue):,} overdue accounts under the policy in force")
        for col in ("segment", "action", "accounts"):
            table.add_column(col)
        for (segment, action), n in sorted(actions.items()):
            table.add_row(segment, action, f"{n:,}")
        out.print(table)
        if kinds:
            out.print(
                "opening offers: "
                + ", ".join(f"{n:,} {k}" for k, n in kinds.most_common())
                + " — totalling "
                + ", ".join(str(m) for _, m in sorted(offered.items()))
            )
    finally:
        app.close()

    example = overdue[0].customer.external_id if overdue else "C0000001"
    out.rule("explore further")
    db_opt = f"--database-url sqlite:///{db}"
    for line in (
        f"amicable accounts list {db_opt}",
        f"amicable accounts show {example} --as-of {day} {db_opt}",
        f"amicable offers {example} --as-of {day} {db_opt}",
        f"amicable aging --by customer --as-of {day} {db_opt}",
        f"amicable policy show {db_opt}",
        "amicable compliance packs",
    ):
        out.print(f"  {line}", markup=False)


def _num(value: object) -> str:
    return "—" if value is None else str(value)


def register(app: typer.Typer) -> None:
    """Add ``amicable demo`` to the root app."""
    app.command("demo")(demo)
