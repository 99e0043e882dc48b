"""Routes of payments and plan servicing: record a payment, refund or charge one back, plans,
promises, bank-statement reconciliation and the unmatched queue.

Thin: the use cases of :mod:`amicable.service.payments` post and commit; lists are read from the
unit of work (scoped to the caller's organisation) and shaped like the CLI's ``--json`` objects
(inside the API's ``{"data": [...], "count": n}`` page). Money is a string both ways; a payment's
``reference`` is its idempotency key (a repeat answers ``200`` with ``"duplicate": true`` and
posts nothing; the first recording is a ``201``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Path, Response, UploadFile
from fastapi import status as http

from amicable.adapters.bank import FORMATS, parse_statement
from amicable.domain.errors import InvalidInput, NotFound
from amicable.domain.money import Money
from amicable.entrypoints.api.deps import AmicableApp, CurrentPrincipal, Uow, guard
from amicable.entrypoints.api.routes_offers import AccountRef
from amicable.entrypoints.api.schemas import (
    AssignCreate,
    Page,
    PaymentCreate,
    PlanCancellation,
    PlanRenegotiation,
    PromiseCreate,
    RefundCreate,
)
from amicable.service import payments
from amicable.service.payments_ports import StoredPlan, StoredPromise, UnmatchedEntry
from amicable.service.queries import resolve_account

__all__ = ["plan_document", "router"]

router = APIRouter()

MAX_STATEMENT = 64 * 1024 * 1024
PaymentReference = Annotated[
    str, Path(min_length=1, max_length=200, pattern=r"^[^\x00]+$", description="the reference")
]
PlanKey = Annotated[
    str, Path(min_length=1, max_length=60, pattern=r"^[^\x00]+$", description="e.g. PL-000001")
]
EntryId = Annotated[
    str, Path(min_length=1, max_length=200, pattern=r"^[^\x00]+$", description="bank entry id")
]
StatementFormat = Literal["camt053", "camt054", "mt940", "csv"]
assert set(FORMATS) == {"camt053", "camt054", "mt940", "csv"}  # the Literal follows the parsers


def _today(app: AmicableApp, day: date | None) -> date:
    return day if day is not None else app.clock.today()


@router.post("/accounts/{ref}/payments", tags=["payments"], **guard("payments.record"))
def record_payment(
    ref: AccountRef, body: PaymentCreate, app: AmicableApp, uow: Uow, response: Response
) -> dict[str, Any]:
    """Post a payment to the ledger (clearing order of the policy in force), apply it to the
    account's plan and promises. ``201`` when posted; ``200`` with ``duplicate`` when the
    reference was already recorded with the same details; ``409`` with other details."""
    money = Money.of(body.amount, body.currency.upper())
    result = payments.record_payment(
        uow, ref, money, _today(app, body.received_on), body.reference,
        invoice_number=body.invoice, plan_key=body.plan,
    )  # fmt: skip
    response.status_code = http.HTTP_200_OK if result.duplicate else http.HTTP_201_CREATED
    return result.to_json()


@router.post("/payments/{reference}/refunds", tags=["payments"], **guard("payments.refund"))
def refund_payment(
    reference: PaymentReference, body: RefundCreate, app: AmicableApp, uow: Uow
) -> dict[str, Any]:
    """Refund (or charge back) a recorded payment: its credit first, then its allocations last
    in first out; the plan that received it reopens what it covered."""
    amount = None
    if body.amount is not None:
        with uow:
            found = uow.payments.ledger_payment(reference)
        if found is None:
            raise NotFound(f"no payment {reference!r} in this organisation")
        amount = Money.of(body.amount, found.currency)
    result = payments.reverse_payment(
        uow, reference, on=_today(app, body.on),
        kind="chargeback" if body.chargeback else "refund", amount=amount, key=body.key,
    )  # fmt: skip
    return result.to_json()


def plan_document(stored: StoredPlan, customer: str, *, detail: bool) -> dict[str, Any]:
    """A plan as ``amicable plans list|show --json`` prints it."""
    plan = stored.plan
    doc: dict[str, Any] = {
        "plan": plan.id,
        "customer": customer,
        "status": plan.status.value,
        "currency": plan.currency.code,
        "total": Money.sum((i.amount for i in plan.installments), plan.currency).amount_str(),
        "outstanding": plan.outstanding().amount_str(),
        "credit": plan.credit_amount.amount_str(),
        "reference": plan.reference,
        "agreed_on": stored.agreed_on.isoformat(),
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


@router.get("/plans", tags=["payments"], **guard("plans.read"))
def list_plans(
    uow: Uow, status: Literal["active", "completed", "broken", "cancelled"] | None = None
) -> Page[dict[str, Any]]:
    """Installment plans (optionally of one status)."""
    with uow:
        stored = uow.payments.plans(status=status)
        refs = uow.reports.customer_refs()
    rows = [plan_document(s, refs[s.customer_id].external_id, detail=False) for s in stored]
    return Page[dict[str, Any]](data=rows, count=len(rows))


@router.get("/plans/{key}", tags=["payments"], **guard("plans.read"))
def show_plan(key: PlanKey, uow: Uow) -> dict[str, Any]:
    """One plan with its schedule, payments and events."""
    with uow:
        stored = uow.payments.plan(key)
        customer = uow.reports.customer_refs([stored.customer_id])[stored.customer_id]
        events = uow.payments.plan_events(stored.id)
    doc = plan_document(stored, customer.external_id, detail=True)
    doc["events"] = [
        {"kind": k, "on": on.isoformat(), "installment": n, "rule_id": r, "message": m}
        for k, on, n, r, m in events
    ]
    return doc


@router.post("/plans/{key}/renegotiations", tags=["payments"], **guard("plans.renegotiate"))
def renegotiate_plan(
    key: PlanKey, body: PlanRenegotiation, app: AmicableApp, uow: Uow, who: CurrentPrincipal
) -> dict[str, Any]:
    """Replace what the plan still owes by a new schedule a person agreed with the debtor
    (``amicable plans renegotiate``): within the plan's servicing rules and through the policy
    gate within the token role's authority. ``200`` with ``{"renegotiated", "events", "plan"}``:
    ``renegotiated`` false when its servicing rules refuse it (every allowed renegotiation used,
    or the plan no longer active: recorded, nothing else changes); ``403`` when the gate's outcome
    is beyond the role's authority and ``422`` when the schedule does not add up to what the plan
    owes (nothing written)."""
    with uow:
        code = uow.payments.plan(key).plan.currency.code
    schedule = [(p.due_date, Money.of(p.amount, code)) for p in body.payments]
    events = payments.renegotiate_plan(
        uow, key, schedule, on=_today(app, body.on), actor=who.actor, role=who.role
    )
    with uow:
        stored = uow.payments.plan(key)
        customer = uow.reports.customer_refs([stored.customer_id])[stored.customer_id]
    return {
        "renegotiated": any(e.kind.value == "renegotiated" for e in events),
        "events": [payments.plan_event_json(e) for e in events],
        "plan": plan_document(stored, customer.external_id, detail=True),
    }


@router.post("/plans/{key}/cancellation", tags=["payments"], **guard("plans.cancel"))
def cancel_plan(
    key: PlanKey, body: PlanCancellation, app: AmicableApp, uow: Uow, who: CurrentPrincipal
) -> dict[str, Any]:
    """End an active plan (``amicable plans cancel``): no longer serviced, the account back to
    ordinary collection. ``200`` with ``{"cancelled": true, "events", "plan"}``; ``422`` when
    the plan is not active (completed, broken or already cancelled; nothing written). Audited
    as ``plan.cancelled`` with the token's ``actor``, written back as ``plan.cancelled``."""
    events = payments.cancel_plan(
        uow, key, reason=body.reason, on=_today(app, body.on), actor=who.actor
    )
    with uow:
        stored = uow.payments.plan(key)
        customer = uow.reports.customer_refs([stored.customer_id])[stored.customer_id]
    return {
        "cancelled": True,
        "events": [payments.plan_event_json(e) for e in events],
        "plan": plan_document(stored, customer.external_id, detail=True),
    }


def _promise(s: StoredPromise, customer: str) -> dict[str, Any]:
    p = s.promise
    return {
        "promise": p.id, "customer": customer, "status": s.status, "rule_id": s.rule_id,
        "currency": p.currency.code, "total": p.total.amount_str(), "channel": p.channel,
        "confirmed": p.confirmed, "made_on": p.made_on.isoformat(),
        "evaluated_on": s.evaluated_on.isoformat(), "grace_days": s.grace_days,
        "parts": [{"on": part.on.isoformat(), "amount": part.amount.amount_str()}
                  for part in p.parts],
    }  # fmt: skip


@router.post("/accounts/{ref}/promises", tags=["payments"], **guard("promises.record"))
def record_promise(
    ref: AccountRef,
    body: PromiseCreate,
    app: AmicableApp,
    uow: Uow,
    who: CurrentPrincipal,
    response: Response,
) -> dict[str, Any]:
    """Record a promise to pay a person took (``amicable promises add``): serviced like any
    promise (reminded, kept when paid, broken after the policy's grace -> the human queue), and
    the agent does not chase the account while it is open. ``201`` when recorded; ``200`` with
    ``duplicate`` when the same payments on the same channel were already recorded that day;
    ``422`` when the account owes nothing in the currency, the promise totals more than it owes,
    or it already has an open promise or an active plan; ``403`` when the policy gate's outcome
    on it is beyond the token role's authority (nothing written)."""
    code = body.currency.upper()
    parts = [(p.due_date, Money.of(p.amount, code)) for p in body.payments]
    with uow:  # the account's open promises: a retry returns one of them
        cid = resolve_account(uow, ref).id
        before = {s.promise.id for s in uow.payments.promises(customer_id=cid, status="open")}
    stored = payments.record_promise(
        uow, ref, parts, channel=body.channel, made_on=_today(app, body.made_on),
        confirmed=True, actor=who.actor, role=who.role,
    )  # fmt: skip
    with uow:
        customer = uow.reports.customer_refs([stored.customer_id])[stored.customer_id]
    duplicate = stored.promise.id in before
    response.status_code = http.HTTP_200_OK if duplicate else http.HTTP_201_CREATED
    return {**_promise(stored, customer.external_id), "duplicate": duplicate}


@router.get("/promises", tags=["payments"], **guard("promises.read"))
def list_promises(
    uow: Uow, status: Literal["open", "kept", "partially_kept", "broken"] | None = None
) -> Page[dict[str, Any]]:
    """Promises to pay with the status last evaluated and the rule that decided it."""
    with uow:
        stored = uow.payments.promises(status=status)
        refs = uow.reports.customer_refs()
    rows = [_promise(s, refs[s.customer_id].external_id) for s in stored]
    return Page[dict[str, Any]](data=rows, count=len(rows))


@router.post("/reconciliations", tags=["payments"], **guard("payments.reconcile"))
def reconcile(
    file: Annotated[UploadFile, File(description="camt.053/054, MT940 or CSV statement")],
    uow: Uow,
    format: Annotated[StatementFormat | None, Form(description="default: detected")] = None,
    dry_run: Annotated[bool, Form()] = False,
) -> dict[str, Any]:
    """Match a statement's credits to open invoices and plans; post confident matches (nothing
    with ``dry_run``), queue the rest, skip entries seen before. Returns exactly the
    ``amicable reconcile --json`` object ``{"entries", "matched", "posted", "unmatched",
    "duplicates", "errors"}``; a statement with unreadable entries is still a ``200`` (they are
    listed in ``errors``)."""
    name = (file.filename or "statement").rsplit("/", 1)[-1][:200] or "statement"
    data = file.file.read(MAX_STATEMENT + 1)
    if len(data) > MAX_STATEMENT:
        raise InvalidInput(f"{name}: larger than {MAX_STATEMENT // (1024 * 1024)} MiB")
    statement = parse_statement(data, source=name, format=format)
    return payments.reconcile(uow, statement, dry_run=dry_run).to_json()


def _queued(r: UnmatchedEntry) -> dict[str, Any]:
    return {
        "id": r.id, "entry_id": r.entry_id, "booking_date": r.booking_date.isoformat(),
        "currency": r.currency, "amount": Money.from_minor(r.amount_minor, r.currency).amount_str(),
        "payer": r.payer_name, "remittance": r.remittance, "status": r.status,
        "candidates": [{"candidate": c, "score": s, "method": m} for c, s, m in r.candidates],
    }  # fmt: skip


@router.get("/payments/unmatched", tags=["payments"], **guard("payments.read"))
def unmatched(uow: Uow) -> Page[dict[str, Any]]:
    """Bank credits that did not match with confidence, with their ranked candidates."""
    with uow:
        rows = [_queued(r) for r in uow.payments.unmatched()]
    return Page[dict[str, Any]](data=rows, count=len(rows))


@router.post("/payments/unmatched/{entry_id}/assign", tags=["payments"], **guard("payments.assign"))
def assign(entry_id: EntryId, body: AssignCreate, uow: Uow) -> dict[str, Any]:
    """Post a queued bank credit to the open item a person chose (reference
    ``bank:<entry id>``)."""
    return payments.assign_queued_entry(uow, entry_id, body.candidate).to_json()
