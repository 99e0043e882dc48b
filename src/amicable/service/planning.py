"""The daily plan use case: read the whole portfolio, plan it column-wise, store it in bulk.

:func:`plan_day` reads the whole portfolio as of a date with one SQL aggregate per fact family
(open positions per customer and currency, settlement lateness per customer, customer attributes;
see :mod:`amicable.adapters.db.planning_repository`), streamed in chunks into Polars, turns them
into the columns of :func:`amicable.strategy.portfolio.plan_portfolio` with Polars expressions
that give the answers of the per-account path (:func:`amicable.service.queries.account_facts` +
:func:`amicable.service.policies.policy_facts`), plans, and replaces the day's rows of
``daily_plans``.

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
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final, Protocol

import polars as pl

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

__all__ = ["PlanSummary", "PlanningUnitOfWork", "plan_day", "portfolio_facts"]


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


_SCHEMA: Final[dict[str, pl.DataType]] = {
    "customer_id": pl.Int64(),
    "account": pl.String(),
    "balance_minor": pl.Int64(),
    "currency": pl.String(),
    "days_past_due": pl.Int64(),
    "customer_type": pl.String(),
    "tier": pl.String(),
    "country": pl.String(),
    "region": pl.String(),
    "dispute_open": pl.Boolean(),
    "tags": pl.List(pl.String()),
    "on_time_share": pl.Float64(),
    "timezone": pl.String(),
    "consent_email": pl.Boolean(),
    "consent_sms": pl.Boolean(),
    "consent_whatsapp": pl.Boolean(),
}


#: ``float(Decimal("0.xy"))`` for every share in hundredths (a vectorised division can be one ulp
#: off the correctly rounded value).
_HUNDREDTHS: Final = [k / 100 for k in range(101)]


def _on_time_share(on_time: pl.Expr, settlements: pl.Expr) -> pl.Expr:
    """``payment_profile``'s on-time share: on_time / settlements rounded half-even to 0.01, in
    exact integer arithmetic, as a float (null without settlements)."""
    scaled = on_time * 100
    q, r = scaled // settlements, scaled % settlements
    up = (2 * r > settlements) | ((2 * r == settlements) & (q % 2 == 1))
    hundredths = q + up.cast(pl.Int64)
    share = hundredths.replace_strict(
        list(range(101)), _HUNDREDTHS, default=None, return_dtype=pl.Float64
    )
    return pl.when(settlements > 0).then(share).otherwise(None)


def portfolio_facts(uow: PlanningUnitOfWork, as_of: date) -> pl.DataFrame:
    """The portfolio's columnar facts (module docstring), plus ``customer_id``, ordered by it;
    must be called inside an open unit of work. Accounts owing nothing are left out."""
    positions = uow.planning.open_positions(as_of)
    per_customer = positions.group_by("customer_id").agg(
        pl.col("oldest_due").min(), pl.col("dispute_open").any()
    )
    # The account currency: the largest non-zero balance (ties: the greater code); it must owe.
    main = (
        positions.filter(pl.col("balance_minor") != 0)
        .sort(["customer_id", "balance_minor", "currency"], descending=[False, True, True])
        .unique("customer_id", keep="first", maintain_order=True)
        .filter(pl.col("balance_minor") > 0)
        .select("customer_id", "currency", "balance_minor")
    )
    late = uow.planning.lateness(as_of)
    people = uow.planning.customer_attributes()
    days = (pl.lit(as_of) - pl.col("oldest_due")).dt.total_days()
    frame = (
        main.join(per_customer, on="customer_id", how="left")
        .join(people, on="customer_id", how="inner")
        .join(late, on="customer_id", how="left")
        .sort("customer_id")
        .with_columns(
            pl.col("external_id").alias("account"),
            pl.when(pl.col("oldest_due").is_null())
            .then(0)
            .otherwise(days.clip(lower_bound=0))
            .cast(pl.Int64)
            .alias("days_past_due"),
            pl.col("tags").str.split(",").list.eval(pl.element().filter(pl.element() != "")),
            _on_time_share(pl.col("on_time"), pl.col("settlements").fill_null(0)).alias(
                "on_time_share"
            ),
            (pl.col("has_email") & ~pl.col("refused_email")).alias("consent_email"),
            (pl.col("has_phone") & ~pl.col("refused_sms")).alias("consent_sms"),
            (pl.col("has_phone") & ~pl.col("refused_whatsapp")).alias("consent_whatsapp"),
        )
    )
    return frame.select(pl.col(k).cast(v) for k, v in _SCHEMA.items())


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
