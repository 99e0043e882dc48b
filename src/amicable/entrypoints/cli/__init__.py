"""The ``amicable`` command line (Typer + Rich).

Each area registers its commands from its own module (``register(app)``), so the root stays a
table of contents. Global options come before the sub-command.
"""

from __future__ import annotations

from typing import Annotated

import typer

from amicable.entrypoints.cli import audit as _audit_cli
from amicable.entrypoints.cli import (
    chat,
    compliance,
    demo,
    ledger,
    nlu,
    payments,
    policy,
    risk,
    runtime,
    sample,
)
from amicable.entrypoints.cli import plan as _plan_cli
from amicable.entrypoints.cli import queue as _queue_cli
from amicable.entrypoints.cli import report as _report_cli
from amicable.entrypoints.cli import security as _security_cli
from amicable.entrypoints.cli import serve as _serve_cli
from amicable.entrypoints.cli import simulate as _simulate_cli
from amicable.entrypoints.cli import worker as _worker_cli
from amicable.entrypoints.cli._common import CliState

__all__ = ["app", "main"]

app = typer.Typer(
    name="amicable",
    help="amicable — an open, exact and explainable collections agent for accounts receivable.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    ctx: typer.Context,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            envvar="AMICABLE_DATABASE_URL",
            help="SQLAlchemy URL; default sqlite:///./amicable.db",
        ),
    ] = None,
) -> None:
    ctx.obj = CliState(database_url=database_url)


for _module in (demo, ledger, sample, policy, compliance, nlu, risk, payments, chat, runtime):
    _module.register(app)
for _module in (_security_cli, _audit_cli, _serve_cli):  # users, tokens, audit, API server
    _module.register(app)
_queue_cli.register(app)  # the human queue
_plan_cli.register(app)  # the daily portfolio plan
_simulate_cli.register(app)  # the debtor-population simulator
_report_cli.register(app)  # analytics reports and the offline HTML report
_worker_cli.register(app)  # procrastinate workers (PostgreSQL)


def main() -> None:
    """Console-script entry point."""
    app()
