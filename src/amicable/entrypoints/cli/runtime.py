"""``amicable run``, ``amicable outbox list/show`` and ``amicable inbound``: the agent loop on the
embedded default (the recording outbox; nothing leaves the machine) or, with ``--provider live``,
through SMTP and Twilio as configured (:mod:`amicable.entrypoints.providers`).

``run --json`` prints exactly ``{"processed": n, "sent": {"email": n, …}, "blocked": n,
"escalated": n, "errors": n}``. The collector type comes from ``--collector-type`` or
``AMICABLE_COLLECTOR_TYPE`` (default ``first_party``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from amicable.adapters.channels.outbox import RecordingOutboxSender
from amicable.bootstrap import bootstrap
from amicable.domain.clock import SimulatedClock, SystemClock
from amicable.entrypoints.cli._common import fail, handle_errors, print_json, state
from amicable.entrypoints.cli._db import DbOpt, JsonOpt, OrgOpt, open_app
from amicable.entrypoints.providers import ProviderSettings, live_providers
from amicable.service.channels import ChannelSender
from amicable.service.runtime import (
    SEND_SLOTS,
    outbox_list,
    outbox_show,
    receive_inbound,
    run_days,
    run_due,
)
from amicable.service.runtime_ports import ATTEMPT_STATUSES

__all__ = ["register"]

CollectorOpt = Annotated[
    str | None,
    typer.Option(
        "--collector-type",
        envvar="AMICABLE_COLLECTOR_TYPE",
        help="first_party (default) | third_party",
    ),
]


def _date(raw: str | None, option: str) -> date | None:
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        fail(f"{option} must be YYYY-MM-DD, got {raw!r}")


def run(
    ctx: typer.Context,
    until: Annotated[
        str | None,
        typer.Option("--until", help="simulate day by day up to this date (YYYY-MM-DD)"),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="start date YYYY-MM-DD (default: now, UTC)"),
    ] = None,
    collector_type: CollectorOpt = None,
    provider: Annotated[
        str,
        typer.Option(
            "--provider",
            help="outbox (default: record, send nothing) | live (SMTP and Twilio from "
            "AMICABLE_SMTP_* / AMICABLE_TWILIO_*; only the channels configured are used)",
        ),
    ] = "outbox",
    json_out: JsonOpt = False,
    org: OrgOpt = "default",
    database_url: DbOpt = None,
) -> None:
    """Process all due work: plan, check compliance, write the outbox, hand off."""
    if provider not in ("outbox", "live"):
        fail(f"--provider must be outbox or live; got {provider!r}")
    end = _date(until, "--until")
    start_day = _date(as_of, "--as-of")
    real_now = SystemClock().now()
    start = start_day or real_now.date()
    clock = SimulatedClock(
        datetime.combine(start, SEND_SLOTS[0], tzinfo=UTC) if start_day else real_now
    )
    with handle_errors():
        app = bootstrap(database_url or state(ctx).database_url, clock=clock)
        try:
            sender: ChannelSender = RecordingOutboxSender(clock=clock)
            channels: frozenset[str] | None = None
            if provider == "live":
                live = live_providers(ProviderSettings(), clock=clock)
                sender, channels = live.sender, live.channels
            if end is None:
                report = run_due(
                    app.uow(org), clock.now(), sender=sender, collector_type=collector_type,
                    channels=channels,
                )  # fmt: skip
            else:
                report = run_days(
                    lambda: app.uow(org), clock, start=start, until=end, sender=sender,
                    not_before=None if start_day else real_now, collector_type=collector_type,
                    channels=channels,
                )  # fmt: skip
        finally:
            app.close()
    if json_out:
        print_json(report.to_json())
        return
    out = report.to_json()
    sent = ", ".join(f"{c} {n}" for c, n in out["sent"].items()) or "nothing"
    Console(highlight=False).print(
        f"processed {out['processed']}; sent {sent}; blocked {out['blocked']}; "
        f"escalated {out['escalated']}; errors {out['errors']}"
    )


def outbox_list_cmd(
    ctx: typer.Context,
    account: Annotated[str | None, typer.Option("--account", help="only this account")] = None,
    status: Annotated[
        str | None, typer.Option("--status", help=" | ".join(ATTEMPT_STATUSES))
    ] = None,
    json_out: JsonOpt = False,
    org: OrgOpt = "default",
    database_url: DbOpt = None,
) -> None:
    """List outbox attempts (every contact the agent made or was refused)."""
    if status is not None and status not in ATTEMPT_STATUSES:
        fail(f"--status must be one of {', '.join(ATTEMPT_STATUSES)}; got {status!r}")
    with open_app(ctx, database_url) as app:
        found = outbox_list(app.uow(org), account=account, status=status)
    if json_out:
        print_json({"attempts": [a.to_json() for a in found]})
        return
    table = Table("id", "account", "channel", "action", "status", "planned at", "allowed")
    for a in found:
        j = a.to_json()
        table.add_row(str(j["id"]), j["account"], j["channel"], j["action"], j["status"],
                      j["planned_at"], "yes" if j["allowed"] else "no")  # fmt: skip
    Console(highlight=False).print(table)


def outbox_show_cmd(
    ctx: typer.Context,
    attempt_id: Annotated[int, typer.Argument(help="the attempt id (from outbox list)")],
    json_out: JsonOpt = False,
    org: OrgOpt = "default",
    database_url: DbOpt = None,
) -> None:
    """Show one attempt: the message and its compliance decision (rule, message, citation)."""
    with open_app(ctx, database_url) as app:
        found = outbox_show(app.uow(org), attempt_id)
    doc = found.to_json(full=True)
    if json_out:
        print_json(doc)
        return
    console = Console(highlight=False)
    console.print(f"[bold]#{doc['id']}[/] {doc['account']} {doc['channel']} {doc['action']} "
                  f"— {doc['status']} (planned {doc['planned_at']}, sent {doc['sent_at']})")  # fmt: skip
    console.print(f"to: {doc['recipient']}")
    if doc["subject"]:
        console.print(f"subject: {doc['subject']}")
    console.print(doc["text"])
    c = doc["compliance"]
    console.print(f"compliance: {'allowed' if c['allowed'] else 'blocked'} "
                  f"(packs: {', '.join(c['packs'])}; earliest {c['earliest_allowed_at']})")  # fmt: skip
    for v in c["violations"]:
        console.print(f"  - {v['rule']}: {v['message']} [{v['citation']}]")


def inbound(
    ctx: typer.Context,
    account: Annotated[str, typer.Option("--account", help="the account the message is from")],
    text: Annotated[str, typer.Option("--text", help="what the debtor wrote")],
    channel: Annotated[str, typer.Option("--channel", help="sms | email | whatsapp | chat")] = (
        "sms"
    ),
    event_id: Annotated[
        str | None, typer.Option("--event-id", help="provider event id (idempotency key)")
    ] = None,
    json_out: JsonOpt = False,
    org: OrgOpt = "default",
    database_url: DbOpt = None,
) -> None:
    """Inject a debtor's message: recorded once per event id, routed to the conversation."""
    with open_app(ctx, database_url) as app, handle_errors():
        result = receive_inbound(
            app.uow(org), account, channel, text, now=app.clock.now(), event_id=event_id
        )
    doc = result.to_json()
    if json_out:
        print_json(doc)
        return
    console = Console(highlight=False)
    if result.duplicate:
        console.print(f"[dim]event {result.event_id} was already processed[/]")
    console.print(doc.get("reply") or "[dim](no reply)[/]")


def register(app: typer.Typer) -> None:
    """Add ``run``, ``outbox list/show`` and ``inbound`` to the root command."""
    app.command("run")(run)
    outbox = typer.Typer(help="Read the outbox: every contact attempt and its compliance decision.",
                         no_args_is_help=True)  # fmt: skip
    outbox.command("list")(outbox_list_cmd)
    outbox.command("show")(outbox_show_cmd)
    app.add_typer(outbox, name="outbox")
    app.command("inbound")(inbound)
