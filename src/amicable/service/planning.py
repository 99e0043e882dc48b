"""The daily plan use case: read the whole portfolio, plan it column-wise, store it in bulk.

:func:`plan_day` reads every account's facts as of a date with the ledger's own report queries
(one streaming query for all open invoice balances, one for unallocated credits, then customers and
settlement history in chunks of :data:`CHUNK` customers), turns them into the columns of
:func:`amicable.strategy.portfolio.plan_portfolio` the way the per-account path does
(:func:`amicable.service.queries._facts` + :func:`amicable.service.policies.policy_facts`), plans,
and replaces the day's rows of ``daily_plans``.

The mapping, per customer (as the per-account path):

* balance: open invoice amounts (non-zero) plus unallocated credits per currency; the account
  currency is the one with the largest balance (ties: the greater code); an account whose balance
  there is not positive owes nothing and gets no plan row;
* days past due: of the oldest invoice with a positive open amount (0 if none is late); dispute:
  such an invoice has an open dispute; on-time share: the payment profile of its settlements;
* consent per channel (the runtime's rule): a recipient exists (an e-mail address for ``email``, a
  phone for ``sms`` / ``whatsapp``) and the latest consent record does not refuse the channel;
  ``call`` is not a channel the embedded runtime places, so it is never planned here;
* broken promises, final notices sent, promises / plans in progress and contact cadence are not
  read here (see ``not_vectorised`` in each row and ``docs/planning.md``).

Invariants: one transaction; the plan names the stored policy version it used; the clock is read
only by the caller (``now``).
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final, Protocol

import polars as pl

from amicable.domain.accounts import payment_profile
from amicable.domain.ledger import days_past_due
from amicable.policy.model import Policy
from amicable.service.api_ports import ApiUnitOfWork
from amicable.service.planning_ports import PLAN_FRAME_COLUMNS, PlanningHolder
from amicable.service.policies import policy_in_force
from amicable.strategy.portfolio import (
    COURTESY_WINDOW,
    NOT_VECTORISED,
    ContactWindow,
    plan_portfolio,
)

__all__ = ["CHUNK", "PlanSummary", "PlanningUnitOfWork", "plan_day", "portfolio_facts"]

#: Customers read per chunk (customer rows and settlement history).
CHUNK: Final = 5_000


class PlanningUnitOfWork(ApiUnitOfWork, PlanningHolder, Protocol):
    """A unit of work with the ledger, policy and planning repositories."""


@dataclass(frozen=True, slots=True)
class PlanSummary:
    """What ``amicable plan`` prints."""

    as_of: date
    now: datetime
    policy_version: str
    accounts: int
    by_action: dict[str, int]
    by_segment: dict[str, int]
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "now": self.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "policy_version": self.policy_version,
            "accounts": self.accounts,
            "by_action": self.by_action,
            "by_segment": self.by_segment,
            "seconds": round(self.seconds, 3),
            "not_vectorised": NOT_VECTORISED.split(","),
        }


@dataclass
class _Open:
    balances: dict[str, int]
    oldest: date | None = None
    dispute: bool = False


def portfolio_facts(uow: ApiUnitOfWork, as_of: date) -> pl.DataFrame:
    """The portfolio's columnar facts (module docstring), plus ``customer_id``; must be called
    inside an open unit of work. Accounts owing nothing are left out."""
    opened: dict[int, _Open] = defaultdict(lambda: _Open(defaultdict(int)))
    for inv in uow.reports.invoice_balances(as_of):
        if inv.open_minor == 0:
            continue
        acc = opened[inv.customer_id]
        acc.balances[inv.currency] += inv.open_minor
        if inv.open_minor > 0:
            if acc.oldest is None or inv.due_date < acc.oldest:
                acc.oldest = inv.due_date
            acc.dispute = acc.dispute or inv.dispute_status == "open"
    for (cid, code), minor in uow.reports.unallocated(as_of).items():
        opened[cid].balances[code] += minor
    owing: dict[int, tuple[str, int]] = {}
    for cid, acc in opened.items():
        nonzero = {c: m for c, m in acc.balances.items() if m}
        if not nonzero:
            continue
        main = max(nonzero, key=lambda c: (nonzero[c], c))
        if nonzero[main] > 0:
            owing[cid] = (main, nonzero[main])
    refs = uow.reports.customer_refs()
    cols: dict[str, list[Any]] = defaultdict(list)
    ids = sorted(owing)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        stored = uow.ledger.customers([refs[c].external_id for c in chunk])
        history = uow.reports.settlements(chunk, as_of)
        for cid in chunk:
            c = stored[refs[cid].external_id].customer
            code, minor = owing[cid]
            acc = opened[cid]
            refused = {str(r.channel) for r in c.consents if not r.granted}
            share = payment_profile(history.get(cid, [])).on_time_share
            cols["customer_id"].append(cid)
            cols["account"].append(c.external_id)
            cols["balance_minor"].append(minor)
            cols["currency"].append(code)
            cols["days_past_due"].append(
                0 if acc.oldest is None else days_past_due(acc.oldest, as_of)
            )
            cols["customer_type"].append(c.customer_type)
            cols["tier"].append(c.tier)
            cols["country"].append(c.country)
            cols["region"].append(c.region)
            cols["dispute_open"].append(acc.dispute)
            cols["tags"].append(list(c.tags))
            cols["on_time_share"].append(None if share is None else float(share))
            cols["timezone"].append(c.timezone)
            cols["consent_email"].append(bool(c.emails) and "email" not in refused)
            cols["consent_sms"].append(bool(c.phones) and "sms" not in refused)
            cols["consent_whatsapp"].append(bool(c.phones) and "whatsapp" not in refused)
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        "customer_id": pl.Int64,
        "account": pl.String,
        "balance_minor": pl.Int64,
        "currency": pl.String,
        "days_past_due": pl.Int64,
        "customer_type": pl.String,
        "tier": pl.String,
        "country": pl.String,
        "region": pl.String,
        "dispute_open": pl.Boolean,
        "tags": pl.List(pl.String),
        "on_time_share": pl.Float64,
        "timezone": pl.String,
        "consent_email": pl.Boolean,
        "consent_sms": pl.Boolean,
        "consent_whatsapp": pl.Boolean,
    }
    return pl.DataFrame({k: cols.get(k, []) for k in schema}, schema=schema)


def _counts(frame: pl.DataFrame, column: str) -> dict[str, int]:
    counted = frame.group_by(column).len().sort(column, nulls_last=True)
    return {("(none)" if k is None else str(k)): int(n) for k, n in counted.iter_rows()}


def plan_day(
    uow: PlanningUnitOfWork,
    as_of: date,
    now: datetime,
    *,
    window: ContactWindow = COURTESY_WINDOW,
    policy: Policy | None = None,
) -> PlanSummary:
    """Plan every account as of ``as_of`` (contacts proposed at ``now``) and store the plan."""
    started = time.perf_counter()
    with uow:
        stored = policy_in_force(uow)
        chosen = policy or stored.policy
        facts = portfolio_facts(uow, as_of)
        plan = plan_portfolio(facts, chosen, as_of=as_of, now=now, window=window)
        rows = plan.with_columns(
            facts.get_column("customer_id"),
            facts.get_column("currency"),
            facts.get_column("balance_minor"),
            pl.lit(chosen.version).alias("policy_version"),
        ).select(PLAN_FRAME_COLUMNS)
        uow.planning.replace_day(as_of, rows)
        uow.commit()
    return PlanSummary(
        as_of=as_of,
        now=now,
        policy_version=chosen.version,
        accounts=plan.height,
        by_action=_counts(plan, "next_action"),
        by_segment=_counts(plan, "segment"),
        seconds=time.perf_counter() - started,
    )
