"""CLI of the human queue: ``amicable queue list|show|approve|decline|assign|modify|take-over|
remind``.

Every command takes ``--org`` and ``--database-url``; with ``--json`` stdout carries exactly one
JSON object: ``list`` -> ``{"items": [item, …], "count"}``; ``show`` -> ``{"item", "suggested",
"conversation", "account", "offers"}``; a decision -> the item after it; ``remind`` ->
``{"reminded": [item, …]}`` (item shape: :func:`amicable.service.queue.item_json`).

Who acts: ``--as USER`` (default ``$AMICABLE_USER``, else ``cli``). Someone with the database
at hand is an operator, so the CLI decides with the ``admin`` authority unless ``--role
collector`` narrows it (it matters for ``modify``: see :data:`amicable.service.queue.AUTHORITY`).
Exit codes: 0 done, 2 unusable input or a refused decision.
"""

from __future__ import annotations

import json as _json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from amicable.domain.errors import InvalidInput
from amicable.entrypoints.cli._common import print_json
from amicable.entrypoints.cli._db import DbOpt, JsonOpt, OrgOpt
from amicable.entrypoints.cli._db import open_app as _app
from amicable.service import queue as svc
from amicable.service.queue_ports import QueueItem

__all__ = ["register"]

out = Console(highlight=False)

queue_app = typer.Typer(help="The human queue: escalations and approvals.", no_args_is_help=True)

ActorOpt = Annotated[
    str, typer.Option("--as", envvar="AMICABLE_USER", help="who acts (default: cli)")
]
RoleOpt = Annotated[
    str, typer.Option("--role", help="authority to decide with: admin or collector")
]
IdArg = Annotated[int, typer.Argument(help="queue item id")]


def _done(item: QueueItem, now: Any, json: bool, verb: str) -> None:
    if json:
        print_json(svc.item_json(item, now))
    else:
        out.print(f"queue item {item.id} ({item.account}): {verb}; status {item.status}")


@queue_app.command("list")
def queue_list(
    ctx: typer.Context,
    status: Annotated[
        str | None,
        typer.Option(
            "--status", help=f"one of {', '.join(svc.STATUSES)} or all (default: waiting)"
        ),
    ] = None,
    mine: Annotated[bool, typer.Option("--mine", help="only items assigned to --as")] = False,
    overdue: Annotated[bool, typer.Option("--overdue", help="only items past their SLA")] = False,
    actor: ActorOpt = "cli",
    org: OrgOpt = "default",
    database_url: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """Items by SLA, soonest first (waiting ones unless --status says otherwise)."""
    with _app(ctx, database_url) as app:
        now = app.clock.now()
        items = svc.list_items(
            app.uow(org), status=status, assignee=actor if mine else None,
            overdue_at=now if overdue else None,
        )  # fmt: skip
    rows = [svc.item_json(i, now) for i in items]
    if json:
        print_json({"items": rows, "count": len(rows)})
        return
    table = Table("id", "kind", "status", "account", "reason", "assignee", "due", "overdue")
    for r in rows:
        table.add_row(str(r["id"]), r["kind"], r["status"], r["account"], r["reason"],
                      r["assignee"] or "", r["sla_due_at"], "yes" if r["overdue"] else "")  # fmt: skip
    out.print(table)


@queue_app.command("show")
def queue_show(
    ctx: typer.Context,
    item_id: IdArg,
    org: OrgOpt = "default",
    database_url: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """The whole context of an item: conversation, account, offer space, suggestion and why."""
    with _app(ctx, database_url) as app:
        doc = svc.show_item(app.uow(org), item_id)
    if json:
        print_json(doc)
        return
    i, a = doc["item"], doc["account"]
    out.print(f"#{i['id']} {i['kind']} [{i['status']}] {i['account']} — {i['reason']}")
    out.print(f"  {i['summary']}")
    out.print(f"  suggested: {doc['suggested']['action']} — {doc['suggested']['why']}")
    out.print(f"  due {i['sla_due_at']}" + (" (OVERDUE)" if i["overdue"] else ""))
    balances = ", ".join(f"{c} {m}" for c, m in a["balances"].items()) or "nothing owed"
    out.print(
        f"  account {a['account']} {a['name']}: {balances}; {a['days_past_due']} days past due"
    )
    for m in doc["conversation"]["messages"]:
        who = "debtor" if m["direction"] == "in" else "agent"
        out.print(f"  {who}: {m['text'] or ''}")


@queue_app.command("approve")
def queue_approve(
    ctx: typer.Context,
    item_id: IdArg,
    note: Annotated[str | None, typer.Option("--note", help="why")] = None,
    actor: ActorOpt = "cli",
    role: RoleOpt = "admin",
    org: OrgOpt = "default",
    database_url: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """Approve the suggested action (a final notice is sent by the next run, via compliance;
    terms an escalated conversation proposed go back to the debtor, within --role's authority)."""
    with _app(ctx, database_url) as app:
        item = svc.approve(app.uow(org), item_id, actor=actor, role=role, note=note)
        _done(item, app.clock.now(), json, "approved")


@queue_app.command("decline")
def queue_decline(
    ctx: typer.Context,
    item_id: IdArg,
    reason: Annotated[str, typer.Option("--reason", help="why (required)")],
    actor: ActorOpt = "cli",
    org: OrgOpt = "default",
    database_url: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """Decline the suggested action (a final notice is never sent)."""
    with _app(ctx, database_url) as app:
        item = svc.decline(app.uow(org), item_id, actor=actor, reason=reason)
        _done(item, app.clock.now(), json, "declined")


@queue_app.command("assign")
def queue_assign(
    ctx: typer.Context,
    item_id: IdArg,
    to: Annotated[str, typer.Option("--to", help="the user to give it to")],
    actor: ActorOpt = "cli",
    org: OrgOpt = "default",
    database_url: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """Give an item to someone."""
    with _app(ctx, database_url) as app:
        item = svc.assign(app.uow(org), item_id, actor=actor, to=to)
        _done(item, app.clock.now(), json, f"assigned to {to}")


@queue_app.command("take-over")
def queue_take_over(
    ctx: typer.Context,
    item_id: IdArg,
    actor: ActorOpt = "cli",
    org: OrgOpt = "default",
    database_url: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """Handle the case yourself: the agent stops negotiating the conversation."""
    with _app(ctx, database_url) as app:
        item = svc.take_over(app.uow(org), item_id, actor=actor)
        _done(item, app.clock.now(), json, f"taken over by {actor}")


@queue_app.command("modify")
def queue_modify(
    ctx: typer.Context,
    item_id: IdArg,
    offer: Annotated[str, typer.Option("--offer", help="new terms: an OFFER JSON object")],
    role: RoleOpt = "admin",
    actor: ActorOpt = "cli",
    org: OrgOpt = "default",
    database_url: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """Decide with new terms, through the policy gate and within --role's authority."""
    with _app(ctx, database_url) as app:
        try:
            parsed = _json.loads(offer)
        except ValueError as exc:
            raise InvalidInput(f"--offer is not JSON: {exc}") from None
        item = svc.modify(app.uow(org), item_id, parsed, actor=actor, role=role)
        _done(item, app.clock.now(), json, "modified")


@queue_app.command("remind")
def queue_remind(
    ctx: typer.Context,
    org: OrgOpt = "default",
    database_url: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """Remind once about every waiting item past its SLA (audit record + note.added event)."""
    with _app(ctx, database_url) as app:
        now = app.clock.now()
        items = svc.remind_overdue(app.uow(org), now)
    if json:
        print_json({"reminded": [svc.item_json(i, now) for i in items]})
        return
    for i in items:
        out.print(f"overdue: queue item {i.id} ({i.account}), due {i.new.sla_due_at.isoformat()}")
    out.print(f"{len(items)} reminder(s)")


def register(app: typer.Typer) -> None:
    app.add_typer(queue_app, name="queue")
