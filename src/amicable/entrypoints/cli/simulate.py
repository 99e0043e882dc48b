"""``amicable simulate``: one strategy worked on a simulated debtor population, with its KPIs.

``amicable simulate --accounts N --days D --strategy agent|dunning|aggressive|team --seed S
[--as-of YYYY-MM-DD] [--workspace DIR] [--workers N] [--json]`` draws the sample portfolio and its
personas, runs the strategy for ``D`` simulated days in its own database under ``DIR/<strategy>/``
and prints the KPIs (``--json``: ``{"strategy", "accounts", "days", "seed", "as_of", "kpis",
"series", "compliance_findings", "seconds", "workers"}``). ``--workers N`` splits the portfolio
into ``N`` shards run at once, one process each (see :func:`amicable.sim.world.simulate`).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from amicable.domain.errors import InvalidInput
from amicable.entrypoints.cli._common import err_console, handle_errors
from amicable.sim.world import STRATEGIES, simulate

__all__ = ["DEFAULT_AS_OF", "register"]

out = Console(highlight=False)
#: The sample's fixed business date (the simulation never reads the real clock).
DEFAULT_AS_OF = date(2026, 3, 1)


def simulate_command(
    accounts: Annotated[int, typer.Option("--accounts", help="accounts in the sample")] = 500,
    days: Annotated[int, typer.Option("--days", help="simulated days")] = 90,
    strategy: Annotated[
        str, typer.Option("--strategy", help="agent, dunning, aggressive or team")
    ] = "agent",
    seed: Annotated[int, typer.Option("--seed", help="random seed of sample and personas")] = 7,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="start date YYYY-MM-DD (default 2026-03-01)")
    ] = None,
    workspace: Annotated[
        Path, typer.Option("--workspace", help="folder for the run's files and database")
    ] = Path("amicable-sim"),
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            help="split the portfolio into N shards run at once, one process each (results are "
            "deterministic for a seed and N)",
        ),
    ] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Run one collection strategy on a simulated population and print its KPIs."""
    with handle_errors():
        if strategy not in STRATEGIES:
            raise InvalidInput(f"--strategy {strategy!r} is not one of {', '.join(STRATEGIES)}")
        if accounts < 1 or days < 1:
            raise InvalidInput("--accounts and --days must be at least 1")
        if workers < 1:
            raise InvalidInput(f"--workers must be at least 1 (got {workers})")
        try:
            start = DEFAULT_AS_OF if as_of is None else date.fromisoformat(as_of)
        except ValueError:
            raise InvalidInput(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)") from None
        with Progress(console=err_console, transient=True) as progress:
            task = progress.add_task(f"simulating {strategy}", total=days)
            result = simulate(workspace, accounts=accounts, days=days, strategy=strategy,
                              seed=seed, as_of=start, workers=workers,
                              progress=lambda n: progress.update(task, completed=n))  # fmt: skip
        if as_json:
            print(json.dumps(result.to_json()))
            return
        table = Table(title=f"{strategy}: {accounts:,} accounts, {days} days, seed {seed}")
        table.add_column("KPI")
        table.add_column("value", justify="right")
        for name, value in result.kpis.items():
            table.add_row(name, "—" if value is None else str(value))
        out.print(table)
        out.print(f"{result.seconds:.1f} s; database and sample in {workspace / strategy}")


def register(app: typer.Typer) -> None:
    """Add ``amicable simulate`` to the root app."""
    app.command("simulate")(simulate_command)
