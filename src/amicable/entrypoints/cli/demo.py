"""``amicable demo``: the main job in one command — a simulated portfolio worked for 90 days by the
agent and by static dunning, side by side.

On a fresh workspace (embedded SQLite, offline): draws a sample portfolio of ``--accounts``
accounts and its hidden personas, then runs two simulations in parallel processes on the same
population and seed — the agent (default policy and rule packs) and static dunning — each in its
own database (``<workspace>/agent/``, ``<workspace>/dunning/``), with a progress bar; prints a
side-by-side KPI table, writes a self-contained HTML report (``<workspace>/report.html``, plus the
data in ``report.json``) and says how to explore further. ``--json`` prints exactly
``{"agent": {KPIs}, "baseline": {KPIs}}`` on stdout.
"""

from __future__ import annotations

import json
import multiprocessing
import queue
import shutil
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from amicable.domain.errors import InvalidInput
from amicable.entrypoints.cli._common import err_console, fail, handle_errors
from amicable.entrypoints.cli.simulate import DEFAULT_AS_OF
from amicable.entrypoints.html_report import render_report
from amicable.sim.world import simulate

__all__ = ["register"]

out = Console(highlight=False)
SIDES = (("agent", "agent"), ("baseline", "dunning"))


def _run(workspace: str, accounts: int, days: int, strategy: str, seed: int, as_of: str,
         progress: Any) -> dict[str, Any]:  # fmt: skip
    """One simulation in a worker process; reports each day done on the ``progress`` queue."""
    result = simulate(Path(workspace), accounts=accounts, days=days, strategy=strategy, seed=seed,
                      as_of=date.fromisoformat(as_of),
                      progress=lambda n: progress.put((strategy, n)))  # fmt: skip
    return result.to_json()


def demo(
    accounts: Annotated[int, typer.Option("--accounts", help="accounts in the sample")] = 2000,
    days: Annotated[int, typer.Option("--days", help="simulated days")] = 90,
    seed: Annotated[int, typer.Option("--seed", help="random seed of sample and personas")] = 7,
    workspace: Annotated[
        Path, typer.Option("--workspace", help="folder for the demo's files and databases")
    ] = Path("amicable-demo"),
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="start date YYYY-MM-DD (default 2026-03-01)")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help='print {"agent": {KPIs}, "baseline": {KPIs}}')
    ] = False,
) -> None:
    """Simulate 90 days of the agent and of static dunning on one portfolio; compare."""
    with handle_errors():
        try:
            start = DEFAULT_AS_OF if as_of is None else date.fromisoformat(as_of)
        except ValueError:
            raise InvalidInput(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)") from None
        if accounts < 1 or days < 1:
            raise InvalidInput("--accounts and --days must be at least 1")
        _demo(accounts, days, seed, workspace, start, as_json)


def _demo(accounts: int, days: int, seed: int, workspace: Path, start: date,
          as_json: bool) -> None:  # fmt: skip
    if workspace.exists():
        if not (workspace / ".amicable-demo").exists():
            fail(f"{workspace} exists and is not a demo workspace; choose another --workspace")
        shutil.rmtree(workspace)
    workspace.mkdir(parents=True)
    (workspace / ".amicable-demo").write_text("a workspace made by `amicable demo`\n")
    if not as_json:
        out.rule("[bold]amicable demo")
        out.print(f"{accounts:,} simulated accounts, {days} days from {start}, seed {seed}: "
                  "the agent and static dunning on the same population")  # fmt: skip
    results: dict[str, dict[str, Any]] = {}
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager, ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
        progress_queue = manager.Queue()
        futures: dict[str, Future[dict[str, Any]]] = {
            strategy: pool.submit(
                _run,
                str(workspace),
                accounts,
                days,
                strategy,
                seed,
                start.isoformat(),
                progress_queue,
            )
            for _, strategy in SIDES
        }
        with Progress(console=err_console, transient=True) as bar:
            tasks = {s: bar.add_task(f"simulating {s}", total=days) for _, s in SIDES}
            while not all(f.done() for f in futures.values()):
                try:
                    strategy, n = progress_queue.get(timeout=0.2)
                except queue.Empty:
                    continue
                bar.update(tasks[strategy], completed=n)
        for side, strategy in SIDES:
            results[side] = futures[strategy].result()
    kpis = {side: results[side]["kpis"] for side, _ in SIDES}
    report = {
        "title": "amicable demo: the agent against static dunning",
        "subtitle": f"{accounts:,} simulated accounts, {days} days from {start}, seed {seed}",
        "kpis": kpis,
        "series": {
            name: {side: results[side]["series"].get(name, []) for side, _ in SIDES}
            for name in sorted(set(results["agent"]["series"]) | set(results["baseline"]["series"]))
        },
        "compliance_findings": {
            side: results[side].get("compliance_findings", []) for side, _ in SIDES
        },
        "seconds": {side: results[side]["seconds"] for side, _ in SIDES},
        "notes": [
            "Same population, personas and seed for both; each strategy in its own database.",
            "Recovered amounts are against the opening overdue balance, in USD at fixed "
            "illustrative rates (EUR 1.08, GBP 1.27, CAD 0.73).",
            "Compliance violations: delivered messages re-checked with the compliance decision "
            "at the instant they arrived; policy violations: agreements re-checked with the "
            "policy gate on the day they were made.",
            "Baseline = static dunning: reminders at +7, +14 and +30 days past due, then a "
            "last reminder.",
        ],
    }
    (workspace / "report.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    (workspace / "report.html").write_text(render_report(report), encoding="utf-8")
    if as_json:
        print(json.dumps(kpis))
        return
    table = Table(title="KPIs after the run")
    for col in ("KPI", "agent", "static dunning"):
        table.add_column(col, justify="right" if col != "KPI" else "left")
    for name in kpis["agent"]:
        table.add_row(name, *(_cell(kpis[side].get(name)) for side, _ in SIDES))
    out.print(table)
    secs = {s: results[side]["seconds"] for side, s in SIDES}
    out.print(f"simulated in {secs['agent']} s (agent) and {secs['dunning']} s (dunning), "
              "in parallel")  # fmt: skip
    out.print(f"HTML report: {workspace / 'report.html'}")
    out.rule("explore further")
    db = f"--database-url sqlite:///{workspace / 'agent' / 'amicable.db'}"
    for line in (
        f"amicable outbox list {db}",
        f"amicable queue list {db}",
        f"amicable accounts list {db}",
        "amicable simulate --strategy team --accounts 500 --days 90 --seed 7",
        "amicable simulate --strategy aggressive --accounts 500 --days 90 --seed 7",
        "amicable policy show",
        "amicable compliance packs",
    ):
        out.print(f"  {line}", markup=False)


def _cell(value: object) -> str:
    return "—" if value is None else str(value)


def register(app: typer.Typer) -> None:
    """Add ``amicable demo`` to the root app."""
    app.command("demo")(demo)
