"""Analytics use cases: roll rates, recovery curves, PTP, plans, touches, escalations, channels,
DSO/CEI and a summary — each as a JSON-ready report over a window of business dates.

Each function opens the unit of work read-only (it never commits), asks the store for aggregates
(:mod:`amicable.service.analytics_ports`) and hands them to the pure computations of
:mod:`amicable.domain.analytics` (and :func:`amicable.servicing.promises.evaluate_promise`). The
window ``[start, end]`` is inclusive and explicit; instants are compared in UTC (a day's window is
``[start 00:00, end + 1 day 00:00)``). Definitions are in ``docs/analytics.md``.

Invariants: money figures are decimal strings of exact minor units; ratios are decimal strings
(4 places) or ``None`` when undefined; nothing reads a clock.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Final

from amicable.domain.aging import BUCKETS
from amicable.domain.analytics import (
    ROLL_BUCKETS,
    ROLL_STEP_DAYS,
    BucketRoll,
    percentile,
    ratio,
    recovery_curve,
    roll_rates,
)
from amicable.domain.errors import InvalidInput
from amicable.domain.money import Money
from amicable.service import queries
from amicable.service.analytics_ports import AnalyticsUnitOfWork
from amicable.servicing.promises import (
    PaymentFact,
    PromisedPayment,
    PromiseStatus,
    evaluate_promise,
)
from amicable.servicing.promises import Promise as PromiseValue

__all__ = [
    "CURVE_MARKS",
    "REPORTS",
    "cei_report",
    "channels_report",
    "escalations_report",
    "html_data",
    "plans_report",
    "ptp_report",
    "recovery_report",
    "roll_rates_report",
    "run_report",
    "summary_report",
    "touches_report",
    "window",
]

CURVE_MARKS: Final[tuple[int, ...]] = (30, 60, 90)
"""Days after the start at which the recovery report quotes the cumulative share."""

Report = dict[str, Any]
_TENTH = Decimal("0.1")


def window(
    as_of: date, start: date | None = None, end: date | None = None, *, days: int = 90
) -> tuple[date, date]:
    """The report window: ``end`` defaults to ``as_of``, ``start`` to ``days`` before ``end``."""
    last = end or as_of
    first = start or last - timedelta(days=days)
    if first > last:
        raise InvalidInput(f"--from {first} is after --to {last}")
    return first, last


def _instants(start: date, end: date) -> tuple[datetime, datetime]:
    lo = datetime(start.year, start.month, start.day, tzinfo=UTC)
    return lo, lo + timedelta(days=(end - start).days + 1)


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _head(start: date, end: date) -> Report:
    return {"from": start.isoformat(), "to": end.isoformat()}


# -- roll rates --------------------------------------------------------------------------------


def roll_rates_report(uow: AnalyticsUnitOfWork, start: date, end: date) -> Report:
    """Roll rates observed at ``start``, ``start + 30``, … while the later date is within the
    window; ``overall`` pools the periods (sum rolled ÷ sum balance per bucket)."""
    periods: list[Report] = []
    pooled: dict[str, list[list[int]]] = {}
    step = timedelta(days=ROLL_STEP_DAYS)
    at = start
    with uow:
        while at + step <= end:
            rolls = roll_rates(uow.analytics.roll_sources(at, at + step), at)
            periods.append({
                "at": at.isoformat(), "later": (at + step).isoformat(),
                "currencies": {c: [r.to_json() for r in rs] for c, rs in rolls.items()},
            })  # fmt: skip
            for code, rs in rolls.items():
                acc = pooled.setdefault(code, [[0, 0] for _ in ROLL_BUCKETS])
                for n, r in enumerate(rs):
                    acc[n][0] += r.base.minor
                    acc[n][1] += r.rolled.minor
            at += step
    overall = {
        code: [
            BucketRoll(name, _next(name), Money.from_minor(b, code), Money.from_minor(r, code)).to_json()
            for name, (b, r) in zip(ROLL_BUCKETS, acc, strict=True)
        ]
        for code, acc in sorted(pooled.items())
    }  # fmt: skip
    return {**_head(start, end), "step_days": ROLL_STEP_DAYS, "periods": periods,
            "overall": overall}  # fmt: skip


def _next(bucket: str) -> str:
    return BUCKETS[BUCKETS.index(bucket) + 1]


# -- recovery ----------------------------------------------------------------------------------


def recovery_report(uow: AnalyticsUnitOfWork, start: date, end: date) -> Report:
    """Per currency: the balance past due at ``start`` and the cumulative share collected by each
    day up to ``end``; ``at`` quotes days 30/60/90 (those inside the window)."""
    days = (end - start).days
    with uow:
        overdue = uow.analytics.overdue_at(start)
        collected = uow.analytics.collected_after(start, end)
    per_day: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for day, code, minor in collected:
        per_day[code][(day - start).days] += minor
    out: dict[str, Report] = {}
    for code in sorted(overdue):
        curve = recovery_curve(Money.from_minor(overdue[code], code), per_day[code], days)
        out[code] = {
            "overdue": Money.from_minor(overdue[code], code).amount_str(),
            "collected": curve[-1].collected.amount_str(),
            "share": _s(curve[-1].share),
            "at": {str(m): _s(curve[m].share) for m in CURVE_MARKS if m <= days},
            "curve": [p.to_json() for p in curve],
        }
    return {**_head(start, end), "days": days, "currencies": out}


# -- promises to pay ---------------------------------------------------------------------------


def ptp_report(uow: AnalyticsUnitOfWork, start: date, end: date, as_of: date) -> Report:
    """Promises made in the window, evaluated as of ``as_of`` against the payments received by
    their accounts; capture = conversations started in the window that hold a promise."""
    lo, hi = _instants(start, end)
    with uow:
        conversations, with_promise = uow.analytics.conversation_counts(lo, hi)
        made = uow.analytics.promises_made(start, end)
        customers = sorted({p.customer_id for p in made})
        paid = uow.analytics.payments_received(customers, start, as_of)
    by_customer: dict[int, list[tuple[date, str, int]]] = defaultdict(list)
    for cid, day, code, minor in paid:
        by_customer[cid].append((day, code, minor))
    counts = {s.value: 0 for s in PromiseStatus}
    sources: dict[str, int] = defaultdict(int)
    for row in made:
        value = PromiseValue(
            "analytics",
            Money.zero(row.currency).currency,
            tuple(PromisedPayment(d, Money.from_minor(m, row.currency)) for d, m in row.parts),
            row.source,
            False,
            row.made_on,
        )
        facts = [
            PaymentFact(Money.from_minor(m, code), day)
            for day, code, m in by_customer[row.customer_id]
            if code == row.currency
        ]
        counts[evaluate_promise(value, facts, as_of, row.grace_days).status.value] += 1
        sources[row.source] += 1
    resolved = counts["kept"] + counts["partially_kept"] + counts["broken"]
    return {
        **_head(start, end),
        "as_of": as_of.isoformat(),
        "conversations": conversations,
        "conversations_with_promise": with_promise,
        "capture_rate": _s(ratio(with_promise, conversations)),
        "promises": len(made),
        "promises_per_conversation": _s(ratio(sources["conversation"], conversations)),
        "by_source": {"servicing": sources["servicing"], "conversation": sources["conversation"]},
        "by_status": counts,
        "resolved": resolved,
        "kept_rate": _s(ratio(counts["kept"], resolved)),
        "partially_kept_rate": _s(ratio(counts["partially_kept"], resolved)),
        "broken_rate": _s(ratio(counts["broken"], resolved)),
    }


# -- plans -------------------------------------------------------------------------------------


def plans_report(uow: AnalyticsUnitOfWork, start: date, end: date) -> Report:
    """Payment plans agreed in the window per status; broken over all, and over the resolved
    (completed or broken: a plan a person cancelled was neither kept nor broken)."""
    with uow:
        found = uow.analytics.plans_agreed(start, end)
    statuses = {s: found.get(s, 0) for s in ("active", "completed", "broken", "cancelled")}
    total = sum(found.values())
    resolved = statuses["completed"] + statuses["broken"]
    return {
        **_head(start, end),
        "plans": total,
        "by_status": statuses,
        "broken_rate": _s(ratio(statuses["broken"], total)),
        "broken_rate_of_resolved": _s(ratio(statuses["broken"], resolved)),
    }


# -- touches and channels ----------------------------------------------------------------------


def touches_report(uow: AnalyticsUnitOfWork, start: date, end: date) -> Report:
    """Sent attempts (touches) per account contacted, overall and per channel."""
    lo, hi = _instants(start, end)
    with uow:
        rows = uow.analytics.touch_counts(lo, hi)
        accounts = uow.analytics.accounts_touched(lo, hi)
    total = sum(n for _, n, _ in rows)
    return {
        **_head(start, end),
        "touches": total,
        "accounts": accounts,
        "touches_per_account": _s(ratio(total, accounts)),
        "channels": {
            ch: {"touches": n, "accounts": a, "touches_per_account": _s(ratio(n, a))}
            for ch, n, a in rows
        },
    }


def channels_report(
    uow: AnalyticsUnitOfWork, start: date, end: date, *, within_days: int = 7
) -> Report:
    """Per channel: touches sent in the window, how many got a reply on that channel within
    ``within_days`` after, and how many were followed by a payment from the account within
    ``within_days`` (by received date, counting the day of the touch)."""
    if within_days < 1:
        raise InvalidInput(f"--within must be at least 1 day, got {within_days}")
    lo, hi = _instants(start, end)
    span = timedelta(days=within_days)
    with uow:
        touches = uow.analytics.touches(lo, hi)
        replies = uow.analytics.replies(lo, hi + span)
        customers = sorted({t.customer_id for t in touches})
        paid = uow.analytics.payments_received(customers, start, end + span)
    reply_at: dict[tuple[int, str], list[datetime]] = defaultdict(list)
    for cid, ch, at in replies:
        reply_at[(cid, ch)].append(at)
    pay_days: dict[int, list[date]] = defaultdict(list)
    for cid, day, _code, _minor in paid:
        pay_days[cid].append(day)
    for values in (*reply_at.values(), *pay_days.values()):
        values.sort()  # type: ignore[attr-defined]
    stats: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for t in touches:
        s = stats[t.channel]
        s[0] += 1
        ats = reply_at.get((t.customer_id, t.channel), [])
        k = bisect.bisect_right(ats, t.sent_at)
        if k < len(ats) and ats[k] <= t.sent_at + span:
            s[1] += 1
        days = pay_days.get(t.customer_id, [])
        sent_day = t.sent_at.date()
        k = bisect.bisect_left(days, sent_day)
        if k < len(days) and days[k] <= sent_day + span:
            s[2] += 1
    return {
        **_head(start, end),
        "within_days": within_days,
        "channels": {
            ch: {"sent": s, "replied": r, "reply_rate": _s(ratio(r, s)), "paid": p,
                 "paid_rate": _s(ratio(p, s))}
            for ch, (s, r, p) in sorted(stats.items())
        },
    }  # fmt: skip


# -- escalations -------------------------------------------------------------------------------


def escalations_report(uow: AnalyticsUnitOfWork, start: date, end: date) -> Report:
    """Queue items opened in the window by kind, source and status; hours to decision (median,
    p90) over those decided."""
    lo, hi = _instants(start, end)
    with uow:
        rows = uow.analytics.queue_rows(lo, hi)
    by: dict[str, dict[str, int]] = {"kind": {}, "source": {}, "reason": {}, "status": {}}
    hours: list[Decimal] = []
    for r in rows:
        for field, value in (("kind", r.kind), ("source", r.source), ("reason", r.reason),
                             ("status", r.status)):  # fmt: skip
            by[field][value] = by[field].get(value, 0) + 1
        if r.decided_at is not None:
            seconds = Decimal((r.decided_at - r.created_at).total_seconds())
            hours.append(seconds / 3600)
    med, p90 = percentile(hours, 50), percentile(hours, 90)
    return {
        **_head(start, end),
        "items": len(rows),
        "escalations": by["kind"].get("escalation", 0),
        "approvals": by["kind"].get("approval", 0),
        "decided": len(hours),
        "by_kind": dict(sorted(by["kind"].items())),
        "by_source": dict(sorted(by["source"].items())),
        "by_reason": dict(sorted(by["reason"].items())),
        "by_status": dict(sorted(by["status"].items())),
        "hours_to_decision": {
            "median": None if med is None else str(med.quantize(_TENTH, ROUND_HALF_EVEN)),
            "p90": None if p90 is None else str(p90.quantize(_TENTH, ROUND_HALF_EVEN)),
        },
    }


# -- DSO and CEI -------------------------------------------------------------------------------


def cei_report(uow: AnalyticsUnitOfWork, start: date, end: date) -> Report:
    """Standard and countback DSO and CEI over the window (it ends at ``end``)."""
    days = (end - start).days + 1
    standard = queries.dso(uow, end, days=days, method="standard")
    countback = queries.dso(uow, end, days=days, method="countback")
    out: dict[str, Report] = {}
    for code, f in sorted(standard.currencies.items()):
        back = countback.currencies.get(code)
        out[code] = {
            "dso": _s(f.dso),
            "countback_dso": None if back is None else _s(back.dso),
            "cei": _s(f.cei),
            "ending_ar": f.ending_ar.amount_str(),
            "credit_sales": f.credit_sales.amount_str(),
        }
    return {**_head(start, end), "days": days, "currencies": out}


# -- summary and the HTML data -----------------------------------------------------------------


def summary_report(
    uow: AnalyticsUnitOfWork, start: date, end: date, as_of: date, *, within_days: int = 7
) -> Report:
    """Every report of the window, and ``kpis``: the headline figures of the main currency (the
    one with the largest balance past due at ``start``, else the largest AR)."""
    with uow:
        reports: Report = {
            "recovery": recovery_report(uow, start, end),
            "cei": cei_report(uow, start, end),
            "ptp": ptp_report(uow, start, end, as_of),
            "plans": plans_report(uow, start, end),
            "touches": touches_report(uow, start, end),
            "escalations": escalations_report(uow, start, end),
            "channels": channels_report(uow, start, end, within_days=within_days),
            "roll_rates": roll_rates_report(uow, start, end),
            "aging": queries.aging(uow, end).to_json(),
        }
        overdue = uow.analytics.overdue_at(start)
    main = _main_currency(overdue, reports["cei"]["currencies"])
    recovery = reports["recovery"]["currencies"].get(main, {})
    cei = reports["cei"]["currencies"].get(main, {})
    kpis: Report = {"currency": main}
    for mark in CURVE_MARKS:
        kpis[f"recovered_share_{mark}d"] = recovery.get("at", {}).get(str(mark))
    kpis.update({
        "overdue_at_start": recovery.get("overdue"),
        "recovered": recovery.get("collected"),
        "dso": cei.get("dso"),
        "countback_dso": cei.get("countback_dso"),
        "cei": cei.get("cei"),
        "ptp_capture_rate": reports["ptp"]["capture_rate"],
        "ptp_kept_rate": reports["ptp"]["kept_rate"],
        "promises": reports["ptp"]["promises"],
        "broken_plan_rate": reports["plans"]["broken_rate"],
        "touches_per_account": reports["touches"]["touches_per_account"],
        "escalations": reports["escalations"]["escalations"],
        "median_hours_to_decision": reports["escalations"]["hours_to_decision"]["median"],
    })  # fmt: skip
    return {**_head(start, end), "as_of": as_of.isoformat(), "kpis": kpis, "reports": reports}


def _main_currency(overdue: dict[str, int], cei: dict[str, Report]) -> str | None:
    if overdue:
        return max(overdue, key=lambda c: (overdue[c], c))
    if cei:
        return max(cei, key=lambda c: (Decimal(cei[c]["ending_ar"]), c))
    return None


def html_data(summary: Report, *, title: str = "amicable analytics") -> Report:
    """The :func:`amicable.entrypoints.html_report.render_report` input for one database (the
    agent side only: the baseline is absent)."""
    kpis: dict[str, Any] = {}
    for name, value in summary["kpis"].items():
        if value is not None:
            kpis[name] = value if isinstance(value, int | str) else str(value)
    main = summary["kpis"]["currency"]
    series: dict[str, Any] = {}
    curve = summary["reports"]["recovery"]["currencies"].get(main)
    if curve is not None:
        series[f"recovered share of the overdue {main} balance"] = {
            "agent": [[day, float(share)] for day, _c, share in curve["curve"] if share is not None],
            "baseline": [],
        }  # fmt: skip
    notes = [
        f"window {summary['from']} to {summary['to']}, as of {summary['as_of']}",
        "no baseline in this report: it reads one database (the simulator's demo compares two)",
    ]
    return {
        "title": title,
        "subtitle": f"{summary['from']} to {summary['to']}",
        "kpis": {"agent": kpis, "baseline": {}},
        "series": series,
        "notes": notes,
    }


REPORTS: Final[tuple[str, ...]] = (
    "roll-rates", "recovery", "ptp", "plans", "touches", "escalations", "channels", "cei",
    "summary",
)  # fmt: skip


def run_report(
    uow: AnalyticsUnitOfWork,
    name: str,
    start: date,
    end: date,
    as_of: date,
    *,
    within_days: int = 7,
) -> Report:
    """The report called ``name`` (one of :data:`REPORTS`); ``within_days`` is the channel
    report's reply and payment horizon."""
    table: dict[str, Any] = {
        "roll-rates": lambda: roll_rates_report(uow, start, end),
        "recovery": lambda: recovery_report(uow, start, end),
        "ptp": lambda: ptp_report(uow, start, end, as_of),
        "plans": lambda: plans_report(uow, start, end),
        "touches": lambda: touches_report(uow, start, end),
        "escalations": lambda: escalations_report(uow, start, end),
        "channels": lambda: channels_report(uow, start, end, within_days=within_days),
        "cei": lambda: cei_report(uow, start, end),
        "summary": lambda: summary_report(uow, start, end, as_of, within_days=within_days),
    }
    if name not in table:
        raise InvalidInput(f"no report {name!r}: use one of {', '.join(REPORTS)}")
    report: Report = table[name]()
    return {"report": name, **report}
