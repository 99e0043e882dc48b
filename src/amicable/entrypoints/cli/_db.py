"""CLI plumbing for commands that touch the database: ``--database-url``, ``--org``, ``--as-of``.

Every such command takes ``--database-url`` itself (falling back to the root option, then
``AMICABLE_DATABASE_URL``, then ``./amicable.db``) and ``--org`` (default ``default``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated

import typer

from amicable.bootstrap import App, bootstrap
from amicable.domain.errors import InvalidInput
from amicable.entrypoints.cli._common import handle_errors, state

__all__ = ["AsOfOpt", "DbOpt", "JsonOpt", "OrgOpt", "as_of_date", "open_app"]

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--database-url", help="SQLAlchemy URL (default: root option, env, ./amicable.db)"
    ),
]
OrgOpt = Annotated[str, typer.Option("--org", help="organisation (tenant) name")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print one JSON object on stdout")]
AsOfOpt = Annotated[
    str | None, typer.Option("--as-of", help="business date YYYY-MM-DD (default: today, UTC)")
]


@contextmanager
def open_app(ctx: typer.Context, database_url: str | None) -> Iterator[App]:
    """The composition root for one command; amicable's errors become exit code 2."""
    with handle_errors():
        app = bootstrap(database_url or state(ctx).database_url)
        try:
            yield app
        finally:
            app.close()


def as_of_date(app: App, value: str | None) -> date:
    """``--as-of`` as a date (today from the app's clock when absent)."""
    if value is None:
        return app.clock.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"--as-of {value!r} is not a date (YYYY-MM-DD)") from None
