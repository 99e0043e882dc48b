"""Portfolio-scale daily planning: the per-account rules evaluated column-wise over every account.

:func:`plan_portfolio` takes the account facts of a whole portfolio as one Polars frame (schema in
:data:`FACT_COLUMNS`) and returns one plan row per account (:data:`PLAN_COLUMNS`): the policy
segment, the segment's action, P(pay), a summary of the offer space, the next action and the
earliest instant the contact-window rule allows it. Each column is computed by the same rules as
the per-account path, compiled once into Polars expressions:

* segment / action / bounds: :func:`amicable.policy.evaluate.evaluate` — segments tried top to
  bottom, first match wins, each segment's ``when`` compiled by :func:`_condition`; a negotiating
  segment whose money currency is not the account currency gives ``escalate`` (fail closed);
  a balance condition in another currency never holds (no converted balance in the columns, as
  :func:`amicable.service.policies.policy_facts` gives none either);
* risk: :class:`amicable.policy.optimise.HeuristicRisk` in float64 (the per-account path works in
  ``Decimal``; they agree to 1e-9, which the agreement test checks);
* next action: the deterministic rules of :func:`amicable.strategy.nba.plan_next_action`
  (dispute / policy hold → ``hold``; policy escalate or past the follow-up limit → ``escalate``;
  no channel with consent and a known time zone → ``hold``; final-notice
  age → ``final_notice`` on the first consented written channel; otherwise the first consented
  channel in :data:`amicable.strategy.nba.CHANNELS` order);
* earliest time: the ``contact_window`` compliance rule (``rules._check_window`` and
  ``_next_opening``) in the debtor's own time zone. ``now`` is one instant for the whole run, so the
  answer depends only on the zone: it is computed once per distinct zone and joined back.

NOT vectorised (named in every plan row's ``not_vectorised`` column and in ``docs/planning.md``):
the learned channel choice (Thompson sampling, engagement multipliers and content: the plan names
the first consented channel; the runtime makes the final pick), promises and plans in progress and
the contact cadence (their history is not in the columns; so ``wait`` never appears here — and
``days_past_due`` is ``>= 0`` as in the policy's facts, so the not-yet-due wait cannot arise), pack selection by jurisdiction (the
window is a parameter, :data:`COURTESY_WINDOW` by default), candidate zones derived from phones or
addresses when no time zone is stored (such accounts get no earliest time and are held), and every
other compliance rule (caps, frequency, consent age, content) — the runtime re-checks each contact
with ``compliance.decide`` before sending, which stays authoritative.

Invariants: pure (no I/O, no clock: ``as_of`` and ``now`` are parameters); one output row per input
row, in input order; money stays in integer minor units.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

from amicable.domain.clock import ensure_utc
from amicable.domain.errors import InvalidInput
from amicable.domain.money import currency
from amicable.policy.model import Action as PolicyAction
from amicable.policy.model import Conditions, Policy, Segment
from amicable.policy.optimise import HeuristicRisk
from amicable.strategy.nba import CHANNELS, PlannerRules

__all__ = [
    "COURTESY_WINDOW",
    "FACT_COLUMNS",
    "NOT_VECTORISED",
    "PLAN_COLUMNS",
    "ContactWindow",
    "earliest_in_window",
    "plan_portfolio",
]

#: Input columns and their dtypes; ``tags`` may be absent (no tags), optional ones are nullable.
FACT_COLUMNS: Final[dict[str, pl.DataType | type[pl.DataType]]] = {
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
    "broken_promises": pl.Int64,
    "on_time_share": pl.Float64,
    "risk_band": pl.String,
    "timezone": pl.String,
    "consent_email": pl.Boolean,
    "consent_sms": pl.Boolean,
    "consent_whatsapp": pl.Boolean,
    "consent_call": pl.Boolean,
    "final_notice_sent": pl.Boolean,
}
_OPTIONAL: Final[dict[str, object]] = {
    "tier": None,
    "country": None,
    "region": None,
    "tags": [],
    "broken_promises": 0,
    "on_time_share": None,
    "risk_band": None,
    "timezone": None,
    "dispute_open": False,
    "consent_email": False,
    "consent_sms": False,
    "consent_whatsapp": False,
    "consent_call": False,
    "final_notice_sent": False,
}

#: Output columns, in order.
PLAN_COLUMNS: Final = (
    "account",
    "segment",
    "segment_rule",
    "policy_action",
    "p_pay",
    "max_discount_pct",
    "installments_min",
    "installments_max",
    "min_installment_minor",
    "approval_always",
    "next_action",
    "channel",
    "earliest_at",
    "not_vectorised",
)

NOT_VECTORISED: Final = (
    "learned_channel_choice,promises_and_plans,cadence,pack_selection,"
    "zones_from_phone_or_address,other_compliance_rules"
)

_WRITTEN: Final = ("email", "whatsapp", "sms")  # nba._WRITTEN: final notices go in writing


@dataclass(frozen=True, slots=True)
class ContactWindow:
    """A ``contact_window`` rule: contact only from ``start`` to before ``end`` local time on the
    listed ``days`` (0 = Monday), as in ``compliance/rules.py``."""

    start: time
    end: time
    days: frozenset[int] = frozenset(range(7))

    def __post_init__(self) -> None:
        if not self.start < self.end:
            raise InvalidInput(f"contact window start {self.start} must be before end {self.end}")
        if not self.days or not self.days <= frozenset(range(7)):
            raise InvalidInput(
                f"contact window days must be a non-empty subset of 0..6: {self.days}"
            )


#: The shipped ``first_party_b2b`` pack's ``house.courtesy_hours``: weekdays 08:00-18:00.
COURTESY_WINDOW: Final = ContactWindow(time(8), time(18), frozenset(range(5)))


def earliest_in_window(now: datetime, zone: str | None, window: ContactWindow) -> datetime | None:
    """The first instant at or after ``now`` inside ``window`` in ``zone`` (None: zone unknown).

    Mirrors ``compliance.rules._check_window`` / ``_next_opening`` and the search of
    ``compliance.engine._earliest`` for a single-zone debtor.
    """
    if zone is None:
        return None
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return None  # an unknown zone is an unknown location: no contact (fail closed)
    now = ensure_utc(now)
    local = now.astimezone(tz)
    clock = local.time().replace(tzinfo=None)
    if local.weekday() in window.days and window.start <= clock < window.end:
        return now
    for offset in range(8):
        day = local.date() + timedelta(days=offset)
        if day.weekday() in window.days:
            opening = datetime.combine(day, window.start, tzinfo=tz)
            if opening > local:
                return opening.astimezone(UTC)
    return None  # unreachable for a non-empty window


def _minor_bound(value: Decimal, code: str, rounding: str) -> int:
    exponent = currency(code).minor_units
    return int((value * (Decimal(10) ** exponent)).to_integral_value(rounding=rounding))


def _in(column: str, allowed: frozenset[str]) -> pl.Expr:
    return pl.col(column).is_in(sorted(allowed)).fill_null(False)


def _int_range(column: str, lo: int | None, hi: int | None) -> pl.Expr:
    expr = pl.lit(True)
    if lo is not None:
        expr = expr & (pl.col(column) >= lo)
    if hi is not None:
        expr = expr & (pl.col(column) <= hi)
    return expr


_BUCKET: Final = (
    pl.when(pl.col("days_past_due") <= 0)
    .then(pl.lit("current"))
    .when(pl.col("days_past_due") <= 30)
    .then(pl.lit("1-30"))
    .when(pl.col("days_past_due") <= 60)
    .then(pl.lit("31-60"))
    .when(pl.col("days_past_due") <= 90)
    .then(pl.lit("61-90"))
    .when(pl.col("days_past_due") <= 120)
    .then(pl.lit("91-120"))
    .otherwise(pl.lit("120+"))
)


def _condition(segment: Segment) -> pl.Expr:
    """The segment's ``when`` as one boolean expression (``policy.evaluate.segment_conditions``)."""
    when: Conditions = segment.when
    expr = pl.lit(True)
    if when.balance is not None:
        code = segment.money_currency.code
        held = pl.col("currency") == code
        if when.balance.min is not None:
            held = held & (
                pl.col("balance_minor") >= _minor_bound(when.balance.min, code, ROUND_CEILING)
            )
        if when.balance.max is not None:
            held = held & (
                pl.col("balance_minor") <= _minor_bound(when.balance.max, code, ROUND_FLOOR)
            )
        expr = expr & held
    if when.days_past_due is not None:
        expr = expr & _int_range("days_past_due", when.days_past_due.min, when.days_past_due.max)
    if when.aging_bucket is not None:
        expr = expr & _BUCKET.is_in(sorted(when.aging_bucket))
    if when.risk_band is not None:
        expr = expr & _in("risk_band", when.risk_band)
    if when.tier is not None:
        expr = expr & _in("tier", when.tier)
    if when.customer_type is not None:
        expr = expr & _in("customer_type", frozenset(t.value for t in when.customer_type))
    if when.dispute is not None:
        # The ledger knows open or not: "resolved" is never an account's status here.
        status = pl.when(pl.col("dispute_open")).then(pl.lit("open")).otherwise(pl.lit("none"))
        expr = expr & status.is_in(sorted(d.value for d in when.dispute))
    if when.jurisdiction is not None:
        listed = sorted(when.jurisdiction)
        juris = (
            pl.when(pl.col("region").is_not_null() & (pl.col("region") != ""))
            .then(pl.col("country") + pl.lit("-") + pl.col("region"))
            .otherwise(pl.col("country"))
        )
        expr = expr & (
            pl.col("country").is_not_null()
            & (pl.col("country").is_in(listed) | juris.is_in(listed).fill_null(False))
        ).fill_null(False)
    if when.currency is not None:
        expr = expr & _in("currency", when.currency)
    if when.broken_promises is not None:
        r = when.broken_promises
        expr = expr & _int_range("broken_promises", r.min, r.max)
    if when.tags is not None:
        for tag in sorted(when.tags):
            expr = expr & pl.col("tags").list.contains(tag).fill_null(False)
    return expr


def _segment_table(policy: Policy) -> pl.DataFrame:
    rows = []
    for i, s in enumerate(policy.segments):
        plan = s.terms.plan
        settle = s.terms.settlement
        rows.append(
            {
                "seg_index": i,
                "segment": s.name,
                "segment_rule": s.path,
                "seg_action": s.action.value,
                "seg_currency": s.money_currency.code,
                "max_discount_pct": None if settle is None else str(settle.max_discount_pct),
                "installments_min": None if plan is None else plan.installments.min,
                "installments_max": None if plan is None else plan.installments.max,
                "min_installment_minor": (
                    None
                    if plan is None or plan.min_installment is None
                    else _minor_bound(plan.min_installment, s.money_currency.code, ROUND_CEILING)
                ),
                "approval_always": s.approval_always,
            }
        )
    schema = {
        "seg_index": pl.Int32,
        "segment": pl.String,
        "segment_rule": pl.String,
        "seg_action": pl.String,
        "seg_currency": pl.String,
        "max_discount_pct": pl.String,
        "installments_min": pl.Int64,
        "installments_max": pl.Int64,
        "min_installment_minor": pl.Int64,
        "approval_always": pl.Boolean,
    }
    return pl.DataFrame(rows, schema=schema)


def _normalise(facts: pl.DataFrame) -> pl.DataFrame:
    required = ("account", "balance_minor", "currency", "days_past_due", "customer_type")
    missing = [c for c in required if c not in facts.columns]
    if missing:
        raise InvalidInput(f"portfolio facts lack column(s): {', '.join(missing)}")
    extra = [
        pl.lit(default, dtype=FACT_COLUMNS[name]).alias(name)
        for name, default in _OPTIONAL.items()
        if name not in facts.columns
    ]
    frame = facts.with_columns(extra) if extra else facts
    frame = frame.select(
        [pl.col(name).cast(dtype, strict=True) for name, dtype in FACT_COLUMNS.items()]
    )
    bad = frame.filter(
        (pl.col("balance_minor") <= 0)
        | (pl.col("days_past_due") < 0)
        | (pl.col("broken_promises") < 0)
        | pl.col("balance_minor").is_null()
        | pl.col("currency").is_null()
        | pl.col("days_past_due").is_null()
    )
    if bad.height:
        first = bad.row(0, named=True)
        raise InvalidInput(
            f"{bad.height} account(s) have invalid facts (balance must be > 0, days and counts "
            f">= 0), first: {first['account']!r}"
        )
    return frame


def _risk(heuristic: HeuristicRisk) -> pl.Expr:
    base, per_day = float(heuristic.base), float(heuristic.per_day)
    floor, cap = float(heuristic.floor), float(heuristic.cap)
    p = pl.max_horizontal(pl.lit(floor), pl.lit(base) - per_day * pl.col("days_past_due"))
    p = p * pl.lit(float(heuristic.promise_factor)).pow(pl.col("broken_promises"))
    p = (
        pl.when(pl.col("on_time_share").is_not_null())
        .then(p * (0.5 + pl.col("on_time_share") / 2))
        .otherwise(p)
    )
    return pl.min_horizontal(pl.lit(cap), pl.max_horizontal(pl.lit(floor), p))


def plan_portfolio(
    facts: pl.DataFrame,
    policy: Policy,
    *,
    as_of: date,
    now: datetime,
    window: ContactWindow = COURTESY_WINDOW,
    rules: PlannerRules | None = None,
    risk: HeuristicRisk | None = None,
) -> pl.DataFrame:
    """One plan row per account of ``facts`` (rules in the module docstring).

    ``as_of`` is the business date the facts were computed for (kept for the caller's record:
    every date-dependent fact, ``days_past_due``, is already in the columns); ``now`` is the
    instant the contacts would be proposed at.
    """
    del as_of  # the facts are as of this date; no rule here reads it again
    rules = rules or PlannerRules()
    heuristic = risk or HeuristicRisk()
    now = ensure_utc(now)
    frame = _normalise(facts)
    n_seg = len(policy.segments)
    seg_index: pl.Expr = pl.lit(None, dtype=pl.Int32)
    for i in reversed(range(n_seg)):  # first match wins: build the chain from the bottom up
        seg_index = (
            pl.when(_condition(policy.segments[i]))
            .then(pl.lit(i, dtype=pl.Int32))
            .otherwise(seg_index)
        )
    frame = frame.with_columns(seg_index.alias("seg_index"), _risk(heuristic).alias("p_pay"))
    frame = frame.join(_segment_table(policy), on="seg_index", how="left", maintain_order="left")

    negotiate = PolicyAction.NEGOTIATE.value
    covered = pl.col("seg_currency") == pl.col("currency")
    policy_action = (
        pl.when(pl.col("seg_index").is_null())
        .then(pl.lit(PolicyAction.ESCALATE.value))
        .when((pl.col("seg_action") == negotiate) & ~covered)
        .then(pl.lit(PolicyAction.ESCALATE.value))
        .otherwise(pl.col("seg_action"))
    )
    frame = frame.with_columns(policy_action.alias("policy_action"))
    offers = pl.col("policy_action") == negotiate
    frame = frame.with_columns(
        [
            pl.when(offers).then(pl.col(c)).otherwise(None).alias(c)
            for c in ("max_discount_pct", "installments_min", "installments_max")
        ]
        + [
            pl.when(offers).then(pl.col("min_installment_minor")).otherwise(None),
            pl.when(offers).then(pl.col("approval_always")).otherwise(False),
        ]
    )

    # The contact window: one answer per distinct zone, since `now` is shared.
    zones = frame.get_column("timezone").unique().to_list()
    earliest = pl.DataFrame(
        {
            "timezone": zones,
            "earliest_at": [earliest_in_window(now, z, window) for z in zones],
        },
        schema={"timezone": pl.String, "earliest_at": pl.Datetime("us", "UTC")},
    )
    frame = frame.join(earliest, on="timezone", how="left", maintain_order="left", nulls_equal=True)

    reachable = pl.col("earliest_at").is_not_null()
    first_any = pl.lit(None, dtype=pl.String)
    for channel in reversed(CHANNELS):
        first_any = pl.when(pl.col(f"consent_{channel}")).then(pl.lit(channel)).otherwise(first_any)
    first_written = pl.lit(None, dtype=pl.String)
    for channel in reversed(_WRITTEN):
        first_written = (
            pl.when(pl.col(f"consent_{channel}")).then(pl.lit(channel)).otherwise(first_written)
        )
    first_any = pl.when(reachable).then(first_any).otherwise(None)
    first_written = pl.when(reachable).then(first_written).otherwise(None)
    final_due = (pl.col("days_past_due") >= rules.final_notice_after_days) & ~pl.col(
        "final_notice_sent"
    )
    dpd = pl.col("days_past_due")
    next_action = (
        pl.when(pl.col("dispute_open"))
        .then(pl.lit("hold"))
        .when(pl.col("policy_action") == PolicyAction.HOLD.value)
        .then(pl.lit("hold"))
        .when(pl.col("policy_action") == PolicyAction.ESCALATE.value)
        .then(pl.lit("escalate"))
        .when(dpd > rules.follow_up_days)
        .then(pl.lit("escalate"))
        .when(first_any.is_null())
        .then(pl.lit("hold"))
        .when(final_due & first_written.is_not_null())
        .then(pl.lit("final_notice"))
        .otherwise(first_any)
    )
    frame = frame.with_columns(next_action.alias("next_action"))
    contact = ~pl.col("next_action").is_in(["hold", "escalate", "wait"])
    channel_of = (
        pl.when(pl.col("next_action") == "final_notice")
        .then(first_written)
        .when(contact)
        .then(pl.col("next_action"))
        .otherwise(None)
    )
    frame = frame.with_columns(
        channel_of.alias("channel"),
        pl.when(contact).then(pl.col("earliest_at")).otherwise(None).alias("earliest_at"),
        pl.lit(NOT_VECTORISED).alias("not_vectorised"),
    )
    return frame.select(PLAN_COLUMNS)
