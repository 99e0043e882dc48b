"""Read use cases: aging, DSO/CEI, the accounts list, one account, and account facts.

Each function opens the unit of work read-only (it never commits), asks the store for aggregates
and hands them to the pure engines (:mod:`amicable.domain.aging`, :mod:`amicable.domain.dso`,
:mod:`amicable.domain.accounts`). ``as_of`` is always explicit.

Account references (:func:`resolve_account`): the customer's external id, or — where exactly one
customer has it — its exact name; otherwise :class:`NotFound` or :class:`AmbiguousReference`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from amicable.domain.accounts import AccountFacts, PaymentProfile, payment_profile
from amicable.domain.aging import AgedItem, AgingReport, age
from amicable.domain.dso import MonthSales, cei, countback_dso, months_back, standard_dso
from amicable.domain.errors import AmbiguousReference, InvalidInput, NotFound
from amicable.domain.ledger import days_past_due
from amicable.domain.money import Money
from amicable.service.ports import (
    AccountInvoice,
    AccountPayment,
    CustomerRef,
    NewCustomer,
    UnitOfWork,
)

__all__ = [
    "AccountSummary",
    "AccountView",
    "DsoFigures",
    "DsoReport",
    "TurnAccount",
    "account_facts",
    "account_for_turn",
    "accounts_list",
    "aging",
    "dso",
    "facts_of",
    "resolve_account",
    "show_account",
]


def _money(minor: int, code: str) -> str:
    return Money.from_minor(minor, code).amount_str()


def resolve_account(uow: UnitOfWork, ref: str) -> CustomerRef:
    """The customer named by ``ref`` (external id, else unique exact name)."""
    found = uow.reports.find_customers(ref)
    if not found:
        raise NotFound(f"no account {ref!r}: not a customer id, nor the exact name of a customer")
    if len(found) > 1:
        ids = ", ".join(c.external_id for c in found)
        raise AmbiguousReference(
            f"{len(found)} customers are named {ref!r} (ids {ids}); use the id"
        )
    return found[0]


# -- aging -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AgingView:
    """The aging report, optionally with one row per customer (``customers``)."""

    report: AgingReport
    customers: tuple[tuple[CustomerRef, AgingReport], ...] = ()

    def to_json(self) -> dict[str, object]:
        out = self.report.to_json()
        if self.customers:
            out["customers"] = [
                {"external_id": ref.external_id, "name": ref.name,
                 "currencies": rep.to_json()["currencies"]}
                for ref, rep in self.customers
            ]  # fmt: skip
        return out


def aging(uow: UnitOfWork, as_of: date, *, by_customer: bool = False) -> AgingView:
    """Aging buckets per currency as of ``as_of`` (and per customer when asked)."""
    with uow:
        rows = list(uow.reports.aging_rows(as_of, by_customer=by_customer))
        items = [AgedItem(due, Money.from_minor(m, cur), str(cid)) for cid, due, cur, m in rows]
        report = age(items, as_of, by_key=by_customer)
        if not by_customer:
            return AgingView(report)
        refs = uow.reports.customer_refs([int(k) for k in report.by_key])
    per = [
        (refs[int(key)], AgingReport(as_of, currencies))
        for key, currencies in report.by_key.items()
    ]
    per.sort(key=lambda pair: pair[0].external_id)
    return AgingView(AgingReport(as_of, report.currencies), tuple(per))


# -- DSO ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DsoFigures:
    """One currency's figures: ``dso`` and ``cei`` are None when undefined (no sales)."""

    currency: str
    dso: Decimal | None
    ending_ar: Money
    credit_sales: Money
    cei: Decimal | None

    def to_json(self) -> dict[str, object]:
        return {
            "dso": None if self.dso is None else str(self.dso),
            "ending_ar": self.ending_ar.amount_str(),
            "credit_sales": self.credit_sales.amount_str(),
            "cei": None if self.cei is None else str(self.cei),
        }


@dataclass(frozen=True, slots=True)
class DsoReport:
    """DSO and CEI per currency over the ``days`` ending at ``as_of``."""

    as_of: date
    method: str
    days: int
    currencies: dict[str, DsoFigures]

    def to_json(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat(),
            "method": self.method,
            "days": self.days,
            "currencies": {c: f.to_json() for c, f in sorted(self.currencies.items())},
        }


COUNTBACK_MONTHS = 24


def dso(
    uow: UnitOfWork,
    as_of: date,
    *,
    days: int = 90,
    method: Literal["standard", "countback"] = "standard",
) -> DsoReport:
    """DSO (standard over ``days``, or countback month by month) and CEI over ``days``."""
    if days < 1:
        raise InvalidInput(f"--days must be at least 1, got {days}")
    start = as_of - timedelta(days=days - 1)
    begin = as_of - timedelta(days=days)
    with uow:
        ending = uow.reports.balances(as_of)
        current = uow.reports.balances(as_of, due_on_or_after=as_of)
        beginning = uow.reports.balances(begin)
        windows = months_back(as_of, COUNTBACK_MONTHS)
        first = min(windows[-1][0], start)
        daily = uow.reports.sales_by_day(first, as_of)
    sales: dict[str, int] = defaultdict(int)
    for d, code, minor in daily:
        if d >= start:
            sales[code] += minor
    codes = sorted(set(ending) | set(sales))
    out: dict[str, DsoFigures] = {}
    for code in codes:
        ar = Money.from_minor(ending.get(code, 0), code)
        sold = Money.from_minor(sales.get(code, 0), code)
        if method == "standard":
            value = standard_dso(ar, sold, days)
        else:
            months = [
                MonthSales(
                    (hi - lo).days + 1,
                    Money.from_minor(
                        sum(m for d, c, m in daily if c == code and lo <= d <= hi), code
                    ),
                )
                for lo, hi in windows
            ]
            value = countback_dso(ar, months)
        index = cei(
            Money.from_minor(beginning.get(code, 0), code),
            sold,
            ar,
            Money.from_minor(current.get(code, 0), code),
        )
        out[code] = DsoFigures(code, value, ar, sold, index)
    return DsoReport(as_of, method, days, out)


# -- accounts ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccountSummary:
    """One line of ``accounts list``."""

    customer: CustomerRef
    balances: dict[str, Money]
    open_invoices: int
    max_days_past_due: int

    def to_json(self) -> dict[str, object]:
        return {
            "external_id": self.customer.external_id,
            "name": self.customer.name,
            "type": self.customer.customer_type,
            "balances": {c: m.amount_str() for c, m in sorted(self.balances.items())},
            "open_invoices": self.open_invoices,
            "max_days_past_due": self.max_days_past_due,
        }


def accounts_list(uow: UnitOfWork, as_of: date) -> list[AccountSummary]:
    """Every customer with its balance per currency, open invoices and worst days past due."""
    with uow:
        refs = uow.reports.customer_refs()
        bal: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        count: dict[int, int] = defaultdict(int)
        worst: dict[int, int] = defaultdict(int)
        for inv in uow.reports.invoice_balances(as_of):
            if inv.open_minor == 0:
                continue
            bal[inv.customer_id][inv.currency] += inv.open_minor
            count[inv.customer_id] += 1
            if inv.open_minor > 0:
                dpd = days_past_due(inv.due_date, as_of)
                worst[inv.customer_id] = max(worst[inv.customer_id], dpd)
        for (cid, code), minor in uow.reports.unallocated(as_of).items():
            bal[cid][code] += minor
    out = [
        AccountSummary(
            ref,
            {c: Money.from_minor(m, c) for c, m in bal[cid].items() if m},
            count[cid],
            worst[cid],
        )
        for cid, ref in refs.items()
    ]
    out.sort(key=lambda a: a.customer.external_id)
    return out


@dataclass(frozen=True, slots=True)
class AccountView:
    """``accounts show``: the customer, its balances, open invoices, payments and lateness."""

    as_of: date
    customer: dict[str, object]
    facts: AccountFacts
    invoices: tuple[AccountInvoice, ...]
    payments: tuple[AccountPayment, ...]

    def to_json(self) -> dict[str, object]:
        f = self.facts
        return {
            "as_of": self.as_of.isoformat(),
            "customer": self.customer,
            "balances": {c: m.amount_str() for c, m in sorted(f.balances.items())},
            "max_days_past_due": f.max_days_past_due,
            "oldest_due_date": None if f.oldest_due_date is None else f.oldest_due_date.isoformat(),
            "open_dispute": f.open_dispute,
            "open_invoices": [
                {
                    "number": i.number,
                    "issue_date": i.issue_date.isoformat(),
                    "due_date": i.due_date.isoformat(),
                    "currency": i.currency,
                    "amount": _money(i.amount_minor, i.currency),
                    "open_amount": _money(i.open_minor, i.currency),
                    "days_past_due": days_past_due(i.due_date, self.as_of),
                    "dispute_status": i.dispute_status,
                }
                for i in self.invoices
            ],
            "payments": [
                {
                    "reference": p.reference,
                    "received_on": p.received_on.isoformat(),
                    "currency": p.currency,
                    "amount": _money(p.amount_minor, p.currency),
                    "method": p.method,
                    "allocations": [
                        {
                            "invoice": n,
                            "amount": _money(m, p.currency),
                            "days_late": (p.received_on - due).days,
                        }
                        for n, m, due in p.allocations
                    ],
                }
                for p in self.payments
            ],
            "days_late": f.payments.to_json(),
        }


def facts_of(
    ref: CustomerRef,
    stored: NewCustomer,
    invoices: Iterable[AccountInvoice],
    unallocated: Mapping[str, int],
    settlements: Sequence[tuple[date, date]],
    as_of: date,
) -> tuple[AccountFacts, list[AccountInvoice]]:
    """The facts of one account from its rows already read (the bulk path of the agent loop
    reads them for every account at once): ``invoices`` with their open amounts as of ``as_of``,
    its unallocated credit per currency and its ``(due_date, paid_on)`` settlements. Returns the
    facts and the account's invoices with a non-zero open amount, oldest due first."""
    invs = sorted((i for i in invoices if i.open_minor != 0), key=lambda i: (i.due_date, i.number))
    bal: dict[str, int] = defaultdict(int)
    for inv in invs:
        bal[inv.currency] += inv.open_minor
    for code, minor in unallocated.items():
        bal[code] += minor
    balances = {c: Money.from_minor(m, c) for c, m in bal.items() if m}
    owed = [i for i in invs if i.open_minor > 0]
    oldest = min((i.due_date for i in owed), default=None)
    main = max(balances, key=lambda c: (balances[c].minor, c), default=None) if balances else None
    profile: PaymentProfile = payment_profile(list(settlements))
    facts = AccountFacts(
        as_of=as_of,
        customer_id=ref.id,
        external_id=ref.external_id,
        name=ref.name,
        customer_type=stored.customer_type,
        tier=stored.tier,
        country=stored.country,
        region=stored.region,
        language=stored.language,
        timezone=stored.timezone,
        tags=stored.tags,
        balances=balances,
        currency=main,
        max_days_past_due=0 if oldest is None else days_past_due(oldest, as_of),
        oldest_due_date=oldest,
        open_dispute=any(i.dispute_status == "open" for i in owed),
        open_invoices=len(invs),
        payments=profile,
    )
    return facts, invs


def _facts(
    uow: UnitOfWork, ref: CustomerRef, as_of: date
) -> tuple[AccountFacts, list[AccountInvoice], dict[str, object]]:
    stored = uow.ledger.customers([ref.external_id])[ref.external_id].customer
    facts, invs = facts_of(
        ref,
        stored,
        uow.reports.invoice_balances(as_of, ref.id),
        {code: m for (_cid, code), m in uow.reports.unallocated(as_of, ref.id).items()},
        uow.reports.settlements([ref.id], as_of).get(ref.id, []),
        as_of,
    )
    customer: dict[str, object] = {
        "external_id": stored.external_id,
        "name": stored.name,
        "type": stored.customer_type,
        "tier": stored.tier,
        "language": stored.language,
        "country": stored.country,
        "region": stored.region,
        "timezone": stored.timezone,
        "tags": list(stored.tags),
        "emails": list(stored.emails),
        "phones": list(stored.phones),
        "postal_address": stored.postal_address,
        "postal_code": stored.postal_code,
        "consents": [
            {
                "channel": c.channel,
                "granted": c.granted,
                "at": None if c.at is None else c.at.isoformat(),
                "source": c.source,
            }
            for c in stored.consents
        ],
    }
    return facts, invs, customer


def account_facts(uow: UnitOfWork, ref: str, as_of: date) -> AccountFacts:
    """The facts the policy and strategy engines need about one account, as of a date."""
    with uow:
        customer = resolve_account(uow, ref)
        return _facts(uow, customer, as_of)[0]


def show_account(uow: UnitOfWork, ref: str, as_of: date) -> AccountView:
    """Everything about one account: customer, balances, open invoices, payments, lateness."""
    with uow:
        customer = resolve_account(uow, ref)
        facts, invs, data = _facts(uow, customer, as_of)
        pays = uow.reports.payments_of(customer.id, as_of)
    return AccountView(as_of, data, facts, tuple(invs), tuple(pays))


@dataclass(frozen=True, slots=True)
class TurnAccount:
    """What a conversation turn reads of one account: the facts, open invoices and payments
    exactly as :func:`show_account` gives them, except that the payments carry no allocations
    (empty), and of the customer file only the postal code (the identity question's answer)."""

    facts: AccountFacts
    invoices: tuple[AccountInvoice, ...]
    payments: tuple[AccountPayment, ...]
    postal_code: str | None
    #: The keys of the account's active payment plans and open promises (sorted).
    arrangements: tuple[str, ...] = ()


def account_for_turn(uow: UnitOfWork, ref: str, as_of: date) -> TurnAccount:
    """The account as a conversation turn needs it, in two statements
    (:meth:`~amicable.service.ports.LedgerReader.account_rows`) instead of :func:`show_account`'s
    ten; the same reference resolution (an external id, else a unique exact name)."""
    with uow:
        rows = uow.reports.account_rows(ref, as_of)
        if rows is None:
            rows = uow.reports.account_rows(resolve_account(uow, ref).external_id, as_of)
            if rows is None:  # pragma: no cover - resolved in the same transaction
                raise NotFound(f"no account {ref!r}")
    facts, invs = facts_of(rows.ref, rows.customer, rows.invoices, rows.unallocated,
                           rows.settlements, as_of)  # fmt: skip
    return TurnAccount(
        facts, tuple(invs), rows.payments, rows.customer.postal_code, rows.arrangements
    )
