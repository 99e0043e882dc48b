"""One call per route of the API, with the action it needs: the table behind the authorisation
matrix and tenant isolation tests (a test checks it covers every route of the OpenAPI document).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from amicable.adapters.bank import parse_statement
from amicable.domain.money import Money
from amicable.policy.load import default_policy_text
from amicable.policy.offer import Offer, OfferKind, Payment
from amicable.service import governance, payments, queue, security, writeback
from amicable.service.queries import resolve_account
from amicable.servicing.plans import ServicingRules
from conftest import ApiWorld

CSV = (
    "customer_id,customer_name,invoice_number,issue_date,due_date,currency,amount\n"
    "C-API-1,Api Test Ltd,API-1,2026-01-01,2026-01-31,USD,100.00\n"
)


@dataclass(frozen=True)
class Targets:
    """Identifiers of one organisation's records, to put in paths."""

    user_id: int
    token_id: int
    webhook_id: int
    account: str
    policy_version: int
    payment_ref: str
    plan_key: str
    entry_id: str
    queue_item: int


def seed(world: ApiWorld, org: str, *, policies: int = 1) -> Targets:
    """Give ``org`` a user, a spare token, a webhook, an account with a note, ``policies``
    policy versions (the path targets the newest), a payment, a plan and a bank credit waiting
    in the unmatched queue — every identifier unique to ``org``, so another organisation's path
    can only be answered by a leak."""
    app = world.app
    user = security.create_user(app.uow(org), f"someone@{org}.example", "viewer")
    spare = security.create_token(app.uow(org), "viewer", label="spare").token
    hook = writeback.subscribe(app.uow(org), f"https://{org}.example/hook")
    ref = f"C-{org.upper()}"
    files = {"file": ("seed.csv", CSV.replace("C-API-1", ref).encode(), "text/csv")}
    r = world.client.post("/v1/imports/invoices", files=files, headers=world.headers(org=org))
    assert r.status_code == 200 and r.json()["written"], r.text
    governance.add_note(app.uow(org), ref, f"note of {org}")
    for _ in range(policies):
        version = governance.apply_policy(app.uow(org), default_policy_text()).version
    tag = org.upper()
    paid = payments.record_payment(
        app.uow(org), ref, usd("10.00"), date(2026, 2, 1), f"PAY-{tag}"
    ).reference
    plan = payments.create_plan_from_agreement(
        app.uow(org), ref, plan_offer(), agreed_on=date(2026, 3, 1), rules=ServicingRules(),
        plan_key=f"PL-{tag}",
    ).plan.id  # fmt: skip
    statement = STATEMENT.replace("B-ORG", f"B-{tag}").encode()
    payments.reconcile(app.uow(org), parse_statement(statement, source="seed.csv", format="csv"))
    with app.uow(org) as uow:
        (queued,) = uow.payments.unmatched()
        # An escalation into the human queue, as the runtime planner raises one.
        customer_id = resolve_account(uow, ref).id
        esc = uow.payments.add_escalation(
            customer_id, plan_id=None, promise_id=None, reason="planner:manual_review",
            message=f"review {ref}", raised_on=date(2026, 3, 1),
        )  # fmt: skip
        item = queue.open_item(
            uow, customer_id=customer_id, source="planner", source_id=esc,
            source_ref=f"account:{ref}", reason="planner:manual_review", summary=f"review {ref}",
        )  # fmt: skip
        uow.commit()
    return Targets(user.id, spare.id, hook.id, ref, version, paid, plan, queued.entry_id, item)


STATEMENT = (
    "date,amount,currency,payer,remittance,bank_reference\n"
    "2026-03-02,7.77,USD,Unknown Payer,no idea,B-ORG\n"
)


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


def plan_offer() -> Offer:
    """A two-payment plan of the 90.00 left on the seeded invoice (45.00 down, 45.00 later)."""
    items = (Payment(date(2026, 3, 5), usd("45.00")), Payment(date(2026, 4, 5), usd("45.00")))
    return Offer(OfferKind.PLAN, usd("90.00"), items, usd("0.00"), down_payment=usd("45.00"))


@dataclass(frozen=True)
class Call:
    """A request to one route: method, OpenAPI path, the action it needs, its body builder."""

    method: str
    path: str  # OpenAPI path template
    action: str
    build: Callable[[ApiWorld, Targets], dict[str, Any]]

    def url(self, t: Targets) -> str:
        return self.path.format(
            user_id=t.user_id, token_id=t.token_id, webhook_id=t.webhook_id, ref=t.account,
            version=t.policy_version, kind="invoices", reference=t.payment_ref,
            key=t.plan_key, entry_id=t.entry_id, item_id=t.queue_item,
        )  # fmt: skip


def _none(_w: ApiWorld, _t: Targets) -> dict[str, Any]:
    return {}


def _json(body: dict[str, Any]) -> Callable[[ApiWorld, Targets], dict[str, Any]]:
    return lambda _w, _t: {"json": body}


def _upload(_w: ApiWorld, _t: Targets) -> dict[str, Any]:
    return {"files": {"file": ("x.csv", CSV.encode(), "text/csv")}, "data": {"dry_run": "true"}}


def _statement(_w: ApiWorld, _t: Targets) -> dict[str, Any]:
    body = STATEMENT.replace("B-ORG", "B-API-CALL").encode()
    return {"files": {"file": ("s.csv", body, "text/csv")}, "data": {"dry_run": "true"}}


def _params(params: dict[str, str]) -> Callable[[ApiWorld, Targets], dict[str, Any]]:
    return lambda _w, _t: {"params": params}


OFFER = {"kind": "full", "total": "90.00", "currency": "USD",
         "installments": [{"due_date": "2026-03-10", "amount": "90.00"}]}  # fmt: skip
PAYMENT = {"reference": "API-PAY-1", "amount": "1.00", "currency": "USD",
           "received_on": "2026-03-01"}  # fmt: skip

PROMISE = {"payments": [{"due_date": "2026-03-20", "amount": "1.00"}], "currency": "USD",
           "channel": "call"}  # fmt: skip

RENEGOTIATION = {"payments": [{"due_date": "2026-04-05", "amount": "45.00"},
                              {"due_date": "2026-05-05", "amount": "45.00"}]}  # fmt: skip

QUEUE_OFFER = {"kind": "full", "total": "90.00", "currency": "USD",
               "installments": [{"due_date": "2026-03-05", "amount": "90.00"}]}  # fmt: skip

SCENARIO = {
    "debts": [{"id": "D1"}],
    "proposed": {"at": "2026-04-08T15:00:00Z", "channel": "email", "debt_ids": ["D1"]},
}

CALLS: tuple[Call, ...] = (
    Call("GET", "/v1/org", "org.read", _none),
    Call("GET", "/v1/users", "users.read", _none),
    Call("POST", "/v1/users", "users.create", _json({"email": "new@x.example", "role": "viewer"})),
    Call("GET", "/v1/users/{user_id}", "users.read", _none),
    Call("GET", "/v1/tokens", "tokens.read", _none),
    Call("POST", "/v1/tokens", "tokens.create", _json({"role": "viewer"})),
    Call("DELETE", "/v1/tokens/{token_id}", "tokens.revoke", _none),
    Call("POST", "/v1/imports/{kind}", "ledger.import", _upload),
    Call("GET", "/v1/accounts", "ledger.read", _none),
    Call("GET", "/v1/accounts/{ref}", "ledger.read", _none),
    Call("GET", "/v1/accounts/{ref}/facts", "ledger.read", _none),
    Call("POST", "/v1/accounts/{ref}/notes", "notes.create", _json({"body": "hi"})),
    Call("GET", "/v1/aging", "ledger.read", _none),
    Call("GET", "/v1/dso", "ledger.read", _none),
    Call("GET", "/v1/policy/versions", "policy.read", _none),
    Call("GET", "/v1/policy/versions/{version}", "policy.read", _none),
    Call("POST", "/v1/policy/validate", "policy.validate", _json({"yaml": "version: x"})),
    Call("POST", "/v1/policy/versions", "policy.apply", _json({"yaml": default_policy_text()})),
    Call("POST", "/v1/compliance/check", "compliance.check", _json(SCENARIO)),
    Call("GET", "/v1/audit/verify", "audit.verify", _none),
    Call("GET", "/v1/audit/export", "audit.export", _none),
    Call("GET", "/v1/events", "events.read", _none),
    Call("GET", "/v1/webhooks", "webhooks.read", _none),
    Call("POST", "/v1/webhooks", "webhooks.manage", _json({"url": "https://h.example/x"})),
    Call("GET", "/v1/webhooks/{webhook_id}", "webhooks.read", _none),
    Call("DELETE", "/v1/webhooks/{webhook_id}", "webhooks.manage", _none),
    Call("GET", "/v1/webhooks/{webhook_id}/deliveries", "webhooks.read", _none),
    Call("POST", "/v1/webhooks/deliver", "webhooks.deliver", _none),
    Call("GET", "/v1/accounts/{ref}/offers", "offers.read", _none),
    Call("POST", "/v1/accounts/{ref}/offers/check", "offers.check", _json(OFFER)),
    Call("POST", "/v1/accounts/{ref}/payments", "payments.record", _json(PAYMENT)),
    Call(
        "POST",
        "/v1/payments/{reference}/refunds",
        "payments.refund",
        _json({"amount": "1.00", "on": "2026-03-01"}),
    ),
    Call("GET", "/v1/plans", "plans.read", _none),
    Call("GET", "/v1/plans/{key}", "plans.read", _none),
    Call("POST", "/v1/plans/{key}/renegotiations", "plans.renegotiate", _json(RENEGOTIATION)),
    Call("GET", "/v1/promises", "promises.read", _none),
    Call("POST", "/v1/accounts/{ref}/promises", "promises.record", _json(PROMISE)),
    Call("POST", "/v1/reconciliations", "payments.reconcile", _statement),
    Call("GET", "/v1/payments/unmatched", "payments.read", _none),
    Call(
        "POST",
        "/v1/payments/unmatched/{entry_id}/assign",
        "payments.assign",
        _json({"candidate": "invoice:API-1"}),
    ),
    Call("POST", "/v1/accounts/{ref}/conversations", "conversations.talk", _json({})),
    Call(
        "POST",
        "/v1/accounts/{ref}/conversations/messages",
        "conversations.talk",
        _json({"text": "hello"}),
    ),
    Call("GET", "/v1/accounts/{ref}/conversations", "conversations.read", _none),
    Call("GET", "/v1/risk/backtest", "risk.backtest", _params({"split_date": "2026-02-01"})),
    Call("GET", "/v1/queue", "queue.read", _none),
    Call("GET", "/v1/queue/{item_id}", "queue.read", _none),
    # In-policy terms first (an allowed role's modify succeeds; the decisions after it are 409).
    Call("POST", "/v1/queue/{item_id}/modify", "queue.decide", _json({"offer": QUEUE_OFFER})),
    Call("POST", "/v1/queue/{item_id}/assign", "queue.decide", _json({"to": "ana"})),
    Call("POST", "/v1/queue/{item_id}/take-over", "queue.decide", _none),
    Call("POST", "/v1/queue/{item_id}/approve", "queue.decide", _json({"note": "ok"})),
    Call("POST", "/v1/queue/{item_id}/decline", "queue.decide", _json({"reason": "no"})),
    # last: a cancelled plan no longer holds the account (a promise is then gated, not refused)
    Call("POST", "/v1/plans/{key}/cancellation", "plans.cancel", _json({"reason": "in error"})),
)


def send(world: ApiWorld, call: Call, targets: Targets, headers: dict[str, str]) -> Any:
    return world.client.request(
        call.method, call.url(targets), headers=headers, **call.build(world, targets)
    )
