"""CLI commands of the payments area: ``payments record|refund|unmatched|assign``, ``reconcile``,
``plans list|show|service|renegotiate|cancel`` and ``promises list|add``.

Every command takes ``--org`` and ``--database-url`` like the ledger commands; with ``--json``
stdout carries exactly one JSON object. ``amicable reconcile --json`` prints exactly
``{"entries", "matched", "posted": {currency: amount}, "unmatched", "duplicates", "errors"}``.
Exit codes: 0 done, 1 the statement had errors (entries that could not be read or posted),
2 unusable input.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from amicable.adapters.bank import FORMATS, read_statement
from amicable.bootstrap import App
from amicable.domain.errors import InvalidInput
from amicable.domain.money import Money
from amicable.entrypoints.cli._common import print_json
from amicable.entrypoints.cli._db import DbOpt, JsonOpt, OrgOpt
from amicable.entrypoints.cli._db import open_app as _app
from amicable.service import payments as svc
from amicable.service.payments_ports import StoredPlan, StoredPromise
from amicable.service.queries import resolve_account

__all__ = ["register"]

out = Console(highlight=False)


def _date(value: str | None, option: str, app: App) -> date:
    if value is None:
        return app.clock.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{option} {value!r} is not a date (YYYY-MM-DD)") from None


def _currency_of(app: App, org: str, account: str) -> str:
    """The account's one invoice currency (``--currency`` is needed when it has several)."""
    with app.uow(org) as uow:
        customer = resolve_account(uow, account)
        codes = {i.currency for i in uow.reports.invoice_balances(date.max, customer.id)}
    if len(codes) != 1:
        found = ", ".join(sorted(codes)) or "none"
        raise InvalidInput(
            f"account {account!r} has invoices in {found}; say which with --currency"
        )
    return codes.pop()


# -- payments ---------------------------------------------------------------------------------

payments_app = typer.Typer(help="Record payments, refunds and chargebacks.", no_args_is_help=True)


@payments_app.command("record")
def payments_record(
    ctx: typer.Context,
    account: Annotated[str, typer.Argument(help="customer id (or exact name)")],
    amount: Annotated[str, typer.Option("--amount", help='amount received, e.g. "60.00"')],
    on: Annotated[str | None, typer.Option("--date", help="date received, YYYY-MM-DD")] = None,
    reference: Annotated[
        str | None, typer.Option("--reference", help="payment reference (idempotency key)")
    ] = None,
    code: Annotated[str | None, typer.Option("--currency", help="ISO 4217 code")] = None,
    invoice: Annotated[str | None, typer.Option("--invoice", help="invoice it pays")] = None,
    plan: Annotated[str | None, typer.Option("--plan", help="plan it pays")] = None,
    org: OrgOpt = "default",
    database_url: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """Record a payment: posted to the ledger, applied to the account's plan and promises."""
    with _app(ctx, database_url) as app:
        money = Money.of(amount, code or _currency_of(app, org, account))
        result = svc.record_payment(app.uow(org), account, money, _date(on, "--date", app),
                                    reference, invoice_number=invoice, plan_key=plan)  # fmt: skip
    if json:
        print_json(result.to_json())
        return
    if result.duplicate:
        out.print(f"payment {result.reference} was already recorded; nothing posted")
        return
    applied = ", ".join(f"{n} {m.amount_str()}" for n, m in result.allocations) or "nothing"
    out.print(f"payment {result.reference}: {money.code} {money.amount_str()} applied to "
              f"{applied}; unallocated {result.unallocated.amount_str()}")  # fmt: skip
    for e in result.plan_events:
        out.print(f"  plan {result.plan_key}: {e.kind.value} ({e.reason.message})")


@payments_app.command("refund")
def payments_refund(
    ctx: typer.Context,
    reference: Annotated[str, typer.Argument(help="the payment's reference")],
    on: Annotated[str | None, typer.Option("--date", help="date, YYYY-MM-DD")] = None,
    amount: Annotated[
        str | None, typer.Option("--amount", help="amount (default: all that is left)")
    ] = None,
    chargeback: Annotated[bool, typer.Option("--chargeback", help="a chargeback")] = False,
    org: OrgOpt = "default",
    database_url: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """Refund (or charge back) a payment: reverses what it paid, credit first."""
    with _app(ctx, database_url) as app:
        money = None
        if amount is not None:
            with app.uow(org) as uow:
                lp = uow.payments.ledger_payment(reference)
            if lp is None:
                raise InvalidInput(f"no payment {reference!r} in this organisation")
            money = Money.of(amount, lp.currency)
        result = svc.reverse_payment(app.uow(org), reference, on=_date(on, "--date", app),
                                     kind="chargeback" if chargeback else "refund",
                                     amount=money)  # fmt: skip
    if json:
        print_json(result.to_json())
    else:
        out.print(f"{result.kind} of {reference}: {result.amount.code} "
                  f"{result.amount.amount_str()} reversed")  # fmt: skip


@payments_app.command("unmatched")
def payments_unmatched(
    ctx: typer.Context, org: OrgOpt = "default", database_url: DbOpt = None, json: JsonOpt = False
) -> None:
    """The queue of bank credits that did not match with confidence, with ranked candidates."""
    with _app(ctx, database_url) as app, app.uow(org) as uow:
        rows = uow.payments.unmatched()
    docs: list[dict[str, Any]] = [
        {"id": r.id, "entry_id": r.entry_id, "booking_date": r.booking_date.isoformat(),
         "currency": r.currency, "amount": Money.from_minor(r.amount_minor, r.currency).amount_str(),
         "payer": r.payer_name, "remittance": r.remittance, "status": r.status,
         "candidates": [{"candidate": c, "score": s, "method": m} for c, s, m in r.candidates]}
        for r in rows
    ]  # fmt: skip
    if json:
        print_json({"unmatched": docs})
        return
    for d in docs:
        best = d["candidates"][0]["candidate"] if d["candidates"] else "-"
        out.print(f"{d['booking_date']} {d['currency']} {d['amount']} {d['payer']!s} "
                  f"[{d['status']}] best: {best}")  # fmt: skip


@payments_app.command("assign")
def payments_assign(
    ctx: typer.Context,
    entry_id: Annotated[str, typer.Argument(help="the queued bank credit's entry id")],
    candidate: Annotated[str, typer.Argument(help="invoice:<number> or installment:<plan>#<n>")],
    org: OrgOpt = "default",
    database_url: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """Post a bank credit from the unmatched queue to the open item a person chose."""
    with _app(ctx, database_url) as app:
        result = svc.assign_queued_entry(app.uow(org), entry_id, candidate)
    if json:
        print_json(result.to_json())
    else:
        applied = ", ".join(f"{n} {m.amount_str()}" for n, m in result.allocations) or "nothing"
        out.print(f"{entry_id} posted as {result.reference}: applied to {applied}")


# -- reconcile -------------------------------------------------------------------------------


def reconcile_cmd(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="bank statement file")],
    format: Annotated[
        str | None, typer.Option("--format", help=f"one of {', '.join(FORMATS)} (default: detect)")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="match, post nothing")] = False,
    org: OrgOpt = "default",
    database_url: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """Match a bank statement's credits to invoices and plans; post confident matches."""
    with _app(ctx, database_url) as app:
        statement = read_statement(file, format=format)
        report = svc.reconcile(app.uow(org), statement, dry_run=dry_run)
    doc = report.to_json()
    if json:
        print_json(doc)
    else:
        posted = ", ".join(f"{c} {a}" for c, a in doc["posted"].items()) or "nothing"
        verb = "would post" if dry_run else "posted"
        out.print(f"{doc['entries']} credits: {doc['matched']} matched ({verb} {posted}), "
                  f"{doc['unmatched']} to the unmatched queue, {doc['duplicates']} duplicates")  # fmt: skip
        for e in doc["errors"]:
            out.print(f"[red]error:[/] {e}")
    if report.errors:
        raise typer.Exit(1)


# -- plans and promises ----------------------------------------------------------------------

#: The person who agreed terms with the debtor, and the authority they agree them with (the
#: policy gate's outcome must be within it).
_ActorOpt = Annotated[
    str, typer.Option("--as", envvar="AMICABLE_USER", help="the person (default: cli)")
]
_RoleOpt = Annotated[str, typer.Option("--role", help="their authority: admin or collector")]

plans_app = typer.Typer(
    help="Installment plans: list, show, service, renegotiate, cancel.", no_args_is_help=True
)


def _plan_json(s: StoredPlan, customer: str, detail: bool) -> dict[str, Any]:
    plan = s.plan
    doc: dict[str, Any] = {
        "plan": plan.id,
        "customer": customer,
        "status": plan.status.value,
        "currency": plan.currency.code,
        "total": Money.sum((i.amount for i in plan.installments), plan.currency).amount_str(),
        "outstanding": plan.outstanding().amount_str(),
        "credit": plan.credit_amount.amount_str(),
        "reference": plan.reference,
        "agreed_on": s.agreed_on.isoformat(),
        "as_of": plan.as_of.isoformat(),
        "renegotiations_used": plan.renegotiations_used,
        "version": plan.version,
    }
    if detail:
        doc["installments"] = [
            {"number": n, "due_date": d, "amount": a, "paid": p, "status": str(st)}
            for n, d, a, p, st in plan.table()
        ]
        doc["payments"] = [
            {"reference": p.id, "amount": p.amount.amount_str(), "on": p.on.isoformat(),
             "credit": p.credit.amount_str(), "reversed": p.reversed.amount_str()}
            for p in plan.payments
        ]  # fmt: skip
    return doc


@plans_app.command("list")
def plans_list(
    ctx: typer.Context,
    status: Annotated[
        str | None, typer.Option("--status", help="active, completed, broken or cancelled")
    ] = None,
    org: OrgOpt = "default",
    database_url: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """List plans."""
    with _app(ctx, database_url) as app, app.uow(org) as uow:
        stored = uow.payments.plans(status=status)
        refs = uow.reports.customer_refs()
    docs = [_plan_json(s, refs[s.customer_id].external_id, False) for s in stored]
    if json:
        print_json({"plans": docs})
        return
    table = Table("plan", "customer", "status", "currency", "total", "outstanding", "as of")
    for d in docs:
        table.add_row(d["plan"], d["customer"], d["status"], d["currency"], d["total"],
                      d["outstanding"], d["as_of"])  # fmt: skip
    out.print(table)


@plans_app.command("show")
def plans_show(
    ctx: typer.Context,
    plan: Annotated[str, typer.Argument(help="plan key, e.g. PL-000001")],
    org: OrgOpt = "default",
    database_url: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """Show a plan with its whole schedule, payments and events."""
    with _app(ctx, database_url) as app, app.uow(org) as uow:
        stored = uow.payments.plan(plan)
        customer = uow.reports.customer_refs([stored.customer_id])[stored.customer_id]
        events = uow.payments.plan_events(stored.id)
    doc = _plan_json(stored, customer.external_id, True)
    doc["events"] = [
        {"kind": k, "on": on.isoformat(), "installment": n, "rule_id": r, "message": m}
        for k, on, n, r, m in events
    ]
    if json:
        print_json(doc)
        return
    out.print(f"plan {doc['plan']} ({doc['customer']}): {doc['status']}, "
              f"{doc['currency']} {doc['outstanding']} outstanding of {doc['total']}; "
              f"reference {doc['reference']}")  # fmt: skip
    table = Table("#", "due", "amount", "paid", "status")
    for i in doc["installments"]:
        table.add_row(str(i["number"]), i["due_date"], i["amount"], i["paid"], i["status"])
    out.print(table)


@plans_app.command("service")
def plans_service(
    ctx: typer.Context,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="business date YYYY-MM-DD (default: today)")
    ] = None,
    org: OrgOpt = "default",
    database_url: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """Advance every active plan to a date: due, missed, broken; list the reminders due."""
    with _app(ctx, database_url) as app:
        run = svc.service_plans(app.uow(org), _date(as_of, "--as-of", app))
    if json:
        print_json(run.to_json())
        return
    out.print(f"{run.plans} active plans serviced to {run.as_of}: {len(run.events)} events, "
              f"{len(run.intents)} contacts to attempt, {run.escalations} escalations")  # fmt: skip
    for key, e in run.events:
        out.print(f"  {key} {e.on} {e.kind.value}: {e.reason.message}")


@plans_app.command("renegotiate")
def plans_renegotiate(
    ctx: typer.Context,
    plan: Annotated[str, typer.Argument(help="plan key, e.g. PL-C000001")],
    pay: Annotated[
        list[str],
        typer.Option(
            "--pay",
            help="a new installment DATE=AMOUNT (repeat; they add up to what the plan still owes)",
        ),
    ],
    on: Annotated[
        str | None, typer.Option("--date", help="the day it is agreed, YYYY-MM-DD (default today)")
    ] = None,
    actor: _ActorOpt = "cli",
    role: _RoleOpt = "collector",
    org: OrgOpt = "default",
    database_url: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """Replace what a plan still owes by a new schedule a person agreed with the debtor (say on
    an ``arrangement_change`` queue item): through the policy gate within --role's authority and
    the plan's servicing rules (max_renegotiations); the paid installments stay. Refused by the
    rules, nothing changes (exit 1)."""
    with _app(ctx, database_url) as app:
        with app.uow(org) as uow:
            code = uow.payments.plan(plan).plan.currency.code
        schedule = [_part(p, code) for p in pay]
        events = svc.renegotiate_plan(
            app.uow(org), plan, schedule, on=_date(on, "--date", app), actor=actor, role=role
        )
        with app.uow(org) as uow:
            stored = uow.payments.plan(plan)
            customer = uow.reports.customer_refs([stored.customer_id])[stored.customer_id]
    done = any(e.kind.value == "renegotiated" for e in events)
    shown = _plan_json(stored, customer.external_id, True)
    doc = {"renegotiated": done, "events": [svc.plan_event_json(e) for e in events], "plan": shown}
    if json:
        print_json(doc)
    else:
        for e in events:
            out.print(f"{plan} {e.on} {e.kind.value}: {e.reason.message}")
        if done:
            lines = ", ".join(
                f"{i['amount']} on {i['due_date']}"
                for i in shown["installments"]
                if i["status"] != "paid"
            )
            out.print(f"plan {plan} ({customer.external_id}) now: {lines}")
    if not done:
        raise typer.Exit(1)


@plans_app.command("cancel")
def plans_cancel(
    ctx: typer.Context,
    plan: Annotated[str, typer.Argument(help="plan key, e.g. PL-C000001")],
    reason: Annotated[str, typer.Option("--reason", help="why it is cancelled (recorded)")],
    on: Annotated[
        str | None,
        typer.Option("--date", help="the day it is cancelled, YYYY-MM-DD (default today)"),
    ] = None,
    actor: _ActorOpt = "cli",
    org: OrgOpt = "default",
    database_url: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """End an active plan a person decided to stop (the debtor asked, it was agreed in error, the
    debt is settled another way): its reminders stop and the account goes back to ordinary
    collection; what it did not collect is owed as the invoices say. Audited as plan.cancelled
    naming --as, and written back. A plan that is not active is refused (exit 2)."""
    with _app(ctx, database_url) as app:
        events = svc.cancel_plan(
            app.uow(org), plan, reason=reason, on=_date(on, "--date", app), actor=actor
        )
        with app.uow(org) as uow:
            stored = uow.payments.plan(plan)
            customer = uow.reports.customer_refs([stored.customer_id])[stored.customer_id]
    shown = _plan_json(stored, customer.external_id, True)
    if json:
        print_json(
            {"cancelled": True, "events": [svc.plan_event_json(e) for e in events], "plan": shown}
        )
        return
    out.print(f"plan {plan} ({customer.external_id}) cancelled on {events[0].on}; "
              f"{shown['outstanding']} {shown['currency']} it had not collected is owed as the "
              "invoices say")  # fmt: skip


promises_app = typer.Typer(help="Promises to pay.", no_args_is_help=True)

_PROMISE_STATUSES = ("open", "kept", "partially_kept", "broken")


def _promise_doc(s: StoredPromise, customer: str) -> dict[str, Any]:
    """A promise as ``promises list|add --json`` print it (and the API returns it)."""
    return {
        "promise": s.promise.id, "customer": customer, "status": s.status,
        "rule_id": s.rule_id, "currency": s.promise.currency.code,
        "total": s.promise.total.amount_str(), "channel": s.promise.channel,
        "confirmed": s.promise.confirmed, "made_on": s.promise.made_on.isoformat(),
        "evaluated_on": s.evaluated_on.isoformat(), "grace_days": s.grace_days,
        "parts": [{"on": p.on.isoformat(), "amount": p.amount.amount_str()}
                  for p in s.promise.parts],
    }  # fmt: skip


def _part(value: str, code: str) -> tuple[date, Money]:
    day, sep, amount = value.partition("=")
    if not sep:
        raise InvalidInput(f"--pay {value!r}: write DATE=AMOUNT, e.g. 2026-03-06=100.00")
    try:
        on = date.fromisoformat(day.strip())
    except ValueError:
        raise InvalidInput(f"--pay {value!r}: {day.strip()!r} is not a date (YYYY-MM-DD)") from None
    return on, Money.of(amount.strip(), code)


@promises_app.command("add")
def promises_add(
    ctx: typer.Context,
    account: Annotated[str, typer.Argument(help="customer id (or exact name)")],
    pay: Annotated[
        list[str],
        typer.Option("--pay", help="a promised payment DATE=AMOUNT (repeat for several)"),
    ],
    channel: Annotated[
        str, typer.Option("--channel", help="where it was made: call, letter, email, …")
    ] = "call",
    code: Annotated[str | None, typer.Option("--currency", help="ISO 4217 code")] = None,
    made_on: Annotated[
        str | None, typer.Option("--date", help="the day it was made, YYYY-MM-DD (default today)")
    ] = None,
    actor: _ActorOpt = "cli",
    role: _RoleOpt = "collector",
    org: OrgOpt = "default",
    database_url: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """Record a promise to pay a person took (a call, a letter, the counter), through the
    policy gate within --role's authority: reminded before its dates, kept when paid, broken
    after the policy's grace -> the human queue; the agent does not chase the account while it
    is open."""
    with _app(ctx, database_url) as app:
        currency = code or _currency_of(app, org, account)
        parts = [_part(p, currency) for p in pay]
        stored = svc.record_promise(
            app.uow(org), account, parts, channel=channel, made_on=_date(made_on, "--date", app),
            confirmed=True, actor=actor, role=role,
        )  # fmt: skip
        with app.uow(org) as uow:
            customer = uow.reports.customer_refs([stored.customer_id])[stored.customer_id]
    doc = _promise_doc(stored, customer.external_id)
    if json:
        print_json(doc)
        return
    dates = ", ".join(f"{p['amount']} on {p['on']}" for p in doc["parts"])
    out.print(f"promise {doc['promise']} ({doc['customer']}): {doc['currency']} {dates}; "
              f"grace {doc['grace_days']} days")  # fmt: skip


@promises_app.command("list")
def promises_list(
    ctx: typer.Context,
    status: Annotated[
        str | None, typer.Option("--status", help="open, kept, partially_kept or broken")
    ] = None,
    org: OrgOpt = "default",
    database_url: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """List promises to pay with the status last evaluated and the rule that decided it."""
    with _app(ctx, database_url):
        if status is not None and status not in _PROMISE_STATUSES:
            raise InvalidInput(f"--status {status!r}: use one of {', '.join(_PROMISE_STATUSES)}")
    with _app(ctx, database_url) as app, app.uow(org) as uow:
        stored = uow.payments.promises(status=status)
        refs = uow.reports.customer_refs()
    docs = [_promise_doc(s, refs[s.customer_id].external_id) for s in stored]
    if json:
        print_json({"promises": docs})
        return
    table = Table("promise", "customer", "status", "total", "made on", "rule")
    for d in docs:
        table.add_row(d["promise"], d["customer"], d["status"], f"{d['currency']} {d['total']}",
                      d["made_on"], d["rule_id"])  # fmt: skip
    out.print(table)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the root app."""
    app.add_typer(payments_app, name="payments")
    app.command("reconcile")(reconcile_cmd)
    app.add_typer(plans_app, name="plans")
    app.add_typer(promises_app, name="promises")
