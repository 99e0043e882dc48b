"""``amicable plan``: the daily plan of the whole portfolio (``service.planning.plan_day``).

Output with ``--json``: ``{"as_of", "now", "policy_version", "accounts", "by_action": {…},
"by_segment": {…}, "seconds", "not_vectorised": […]}``. Contacts are proposed at ``--at`` when
given, else now (the clock) when planning today, else at midnight UTC starting ``--as-of``.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Annotated

import typer
from rich.console import Console

from amicable.domain.clock import ensure_utc
from amicable.domain.errors import InvalidInput
from amicable.entrypoints.cli._common import print_json
from amicable.entrypoints.cli._db import AsOfOpt, DbOpt, JsonOpt, OrgOpt, as_of_date
from amicable.entrypoints.cli._db import open_app as _app
from amicable.service.planning import plan_day

__all__ = ["register"]

out = Console(highlight=False)

AtOpt = Annotated[
    str | None,
    typer.Option("--at", help="instant contacts are proposed at, ISO 8601 with offset"),
]


def _instant(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"--at {value!r} is not an ISO 8601 instant") from None
    if parsed.tzinfo is None:
        raise InvalidInput(f"--at {value!r} needs a UTC offset (e.g. 2026-11-02T09:00:00Z)")
    return ensure_utc(parsed)


def plan_cmd(
    ctx: typer.Context,
    as_of: AsOfOpt = None,
    at: AtOpt = None,
    org: OrgOpt = "default",
    database_url: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """Plan every account (segment, risk, offer bounds, next action, earliest time); store it."""
    with _app(ctx, database_url) as app:
        day = as_of_date(app, as_of)
        if at is not None:
            now = _instant(at)
        elif day == app.clock.today():
            now = app.clock.now()
        else:
            now = datetime.combine(day, time(0), tzinfo=UTC)
        summary = plan_day(app.uow(org), day, now)
    if json:
        print_json(summary)
        return
    data = summary.to_json()
    out.print(
        f"planned {data['accounts']} accounts as of {data['as_of']} under policy "
        f"{data['policy_version']} in {data['seconds']} s (stored in daily_plans)"
    )
    for action, n in data["by_action"].items():
        out.print(f"  {action:<14} {n}")
    out.print(f"not vectorised (the runtime applies them): {', '.join(data['not_vectorised'])}")


def register(app: typer.Typer) -> None:
    """Add ``amicable plan``."""
    app.command("plan")(plan_cmd)
