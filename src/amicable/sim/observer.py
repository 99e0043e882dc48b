"""The outside observer of a simulation: the world's own record of what each debtor received,
promised and paid, and the KPIs computed from it — identically for every strategy.

Amounts are integer minor units per currency; totals across currencies are shown in a reporting
currency (USD) at the fixed illustrative rates of :data:`REPORTING_RATES` (a simulation constant,
not market data), converted with ``Decimal`` and rounded to the cent. Percentages are floats
rounded to 0.1 (they are ratios, never money).

KPIs (:meth:`Observer.kpis`):

* ``recovered_<d>`` / ``recovered_pct_<d>`` — paid against the opening overdue balance by day
  ``d`` (30, 60, 90 when the run is that long; ``end`` always), in USD and as % of it;
* ``collected_total`` — everything the debtors paid (current invoices too);
* ``dso_end`` — open receivables at the end ÷ average daily sales of the year before the start;
* ``conversations`` (two-way exchanges), ``promises``, ``ptp_capture_rate`` (promises ÷
  conversations), ``ptp_kept_rate`` (promises whose every payment due so far was paid ÷ promises
  with a payment due so far), ``broken_plans`` (promises with a missed payment);
* ``touches_per_account`` (messages and calls that reached a debtor ÷ accounts overdue at the
  start), ``escalations`` (cases handed to people, as the collector reports them);
* ``compliance_violations`` (delivered messages the public compliance decision refuses at the
  instant they arrived) and ``policy_violations`` (agreements the public policy gate does not pass
  as ``ok`` on the day they were made).

A run split into shards (independent worlds over parts of the portfolio, see
:mod:`amicable.sim.world`) has one observer per shard; :meth:`Observer.merged` adds their records
up before the KPIs are computed, so every ratio is taken over the whole portfolio.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Final

__all__ = ["REPORTING_RATES", "Observer", "PromiseRecord", "to_usd_cents"]

#: Fixed illustrative conversion to the reporting currency (USD per unit).
REPORTING_RATES: Final[dict[str, Decimal]] = {
    "USD": Decimal("1"),
    "EUR": Decimal("1.08"),
    "GBP": Decimal("1.27"),
    "CAD": Decimal("0.73"),
}
CHECKPOINTS: Final = (30, 60, 90)


def to_usd_cents(minor: int, code: str) -> int:
    """``minor`` units of ``code`` (two-decimal currencies) in US cents at the reporting rate."""
    rate = REPORTING_RATES.get(code)
    if rate is None:
        raise ValueError(f"no reporting rate for currency {code!r}")
    return int((Decimal(minor) * rate).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def _usd(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole}.{rest:02d}"


def _pct(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


@dataclass(slots=True)
class PromiseRecord:
    """One promise as the debtor made it: the payments it owes (day, minor units) and what it did."""

    ref: str
    made_on: date
    schedule: list[tuple[date, int]]
    automated: bool
    breaks_at: int | None = None  # the payment it will miss (None: it is kept to the end)
    paid: list[bool] = field(default_factory=list)
    missed: bool = False

    def due_by(self, day: date) -> int:
        return sum(1 for d, _ in self.schedule if d <= day)


@dataclass(slots=True)
class Observer:
    """Collects the record during a run and computes the KPIs and daily series from it."""

    accounts: int
    opening_overdue_usd: int
    overdue_accounts: int
    sales_year_usd: int
    recovered_usd: int = 0
    collected_usd: int = 0
    touches: Counter[str] = field(default_factory=Counter)
    touches_by_day: dict[int, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    conversations: int = 0
    promises: list[PromiseRecord] = field(default_factory=list)
    compliance_violations: int = 0
    policy_violations: int = 0
    checkpoints: dict[int, int] = field(default_factory=dict)
    #: ``(day, recovered so far, open at the end of the day)`` in US cents, one per day.
    daily: list[tuple[int, int, int]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)  # refused deliveries, detailed

    def touch(self, day: int, channel: str, *, allowed: bool) -> None:
        self.touches[channel] += 1
        self.touches_by_day[day][channel] += 1
        if not allowed:
            self.compliance_violations += 1

    def paid(self, usd_cents: int, recovered_cents: int) -> None:
        self.collected_usd += usd_cents
        self.recovered_usd += recovered_cents

    def end_of_day(self, day: int, open_usd: int) -> None:
        self.daily.append((day, self.recovered_usd, open_usd))
        if day in CHECKPOINTS:
            self.checkpoints[day] = self.recovered_usd

    @classmethod
    def merged(cls, parts: Sequence[Observer], *, findings: int = 50) -> Observer:
        """One observer holding the records of ``parts`` (the shards of one run, each over its
        own accounts and the same days): counts and amounts added up, promises listed together,
        the first ``findings`` refused deliveries by instant."""
        if not parts:
            raise ValueError("nothing to merge: no observer given")
        days = [[day for day, _, _ in p.daily] for p in parts]
        if any(d != days[0] for d in days):
            raise ValueError("the observers to merge did not record the same days")
        out = cls(
            accounts=sum(p.accounts for p in parts),
            opening_overdue_usd=sum(p.opening_overdue_usd for p in parts),
            overdue_accounts=sum(p.overdue_accounts for p in parts),
            sales_year_usd=sum(p.sales_year_usd for p in parts),
            recovered_usd=sum(p.recovered_usd for p in parts),
            collected_usd=sum(p.collected_usd for p in parts),
            conversations=sum(p.conversations for p in parts),
            compliance_violations=sum(p.compliance_violations for p in parts),
            policy_violations=sum(p.policy_violations for p in parts),
        )
        for p in parts:
            out.touches.update(p.touches)
            for day, counts in p.touches_by_day.items():
                out.touches_by_day[day].update(counts)
            out.promises.extend(p.promises)
            for day, recovered in p.checkpoints.items():
                out.checkpoints[day] = out.checkpoints.get(day, 0) + recovered
        out.daily = [
            (day, sum(p.daily[i][1] for p in parts), sum(p.daily[i][2] for p in parts))
            for i, day in enumerate(days[0])
        ]
        every = [f for p in parts for f in p.findings]
        out.findings = sorted(every, key=lambda f: (f["at"], f["account"]))[:findings]
        return out

    def kpis(self, *, last_day: date, open_usd: int, escalations: int) -> dict[str, Any]:
        out: dict[str, Any] = {
            "accounts": self.accounts,
            "overdue_accounts": self.overdue_accounts,
            "opening_overdue": _usd(self.opening_overdue_usd),
        }
        for d in CHECKPOINTS:
            got = self.checkpoints.get(d)
            out[f"recovered_{d}"] = None if got is None else _usd(got)
            out[f"recovered_pct_{d}"] = None if got is None else _pct(got, self.opening_overdue_usd)
        out["recovered_end"] = _usd(self.recovered_usd)
        out["recovered_pct_end"] = _pct(self.recovered_usd, self.opening_overdue_usd)
        out["collected_total"] = _usd(self.collected_usd)
        daily_sales = Decimal(self.sales_year_usd) / 365
        out["dso_end"] = float(round(Decimal(open_usd) / daily_sales, 1)) if daily_sales else None
        promises = len(self.promises)
        due = [p for p in self.promises if p.due_by(last_day) > 0]
        kept = sum(1 for p in due if not p.missed and sum(p.paid) >= p.due_by(last_day))
        out["conversations"] = self.conversations
        out["promises"] = promises
        out["ptp_capture_rate"] = _pct(promises, self.conversations)
        out["ptp_kept_rate"] = _pct(kept, len(due))
        out["broken_plans"] = sum(1 for p in self.promises if p.missed)
        total_touches = sum(self.touches.values())
        out["touches"] = total_touches
        out["touches_per_account"] = (
            round(total_touches / self.overdue_accounts, 2) if self.overdue_accounts else 0.0
        )
        out["escalations"] = escalations
        out["compliance_violations"] = self.compliance_violations
        out["policy_violations"] = self.policy_violations
        return out

    def series(self, days: int) -> dict[str, list[list[float]]]:
        channels = sorted(self.touches)
        out: dict[str, list[list[float]]] = {
            "recovered_pct": [[d, _pct(r, self.opening_overdue_usd)] for d, r, _ in self.daily],
            "open_balance_usd": [[d, round(o / 100)] for d, _, o in self.daily],
        }
        for channel in channels:
            out[f"touches_{channel}"] = [
                [d, self.touches_by_day.get(d, Counter())[channel]] for d in range(1, days + 1)
            ]
        return out
