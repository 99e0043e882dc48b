"""The simulated world: a sample portfolio, its personas, a collection strategy, and a simulated
clock that drives them day by day — :func:`simulate` is the public entry point.

Each simulated day (``as_of + 1`` … ``as_of + days``):

1. the collector acts (the agent: its loop at its send slot; a baseline: its own rules);
2. every message that reached a debtor is recorded by the observer and re-checked with the public
   compliance decision at the instant it arrived (a context the world builds from what it knows:
   the customer file, the STOPs it sent, what it received); the persona reads it or not (channel
   responsiveness, active hours), and reacts by the rules of :mod:`amicable.sim.personas` — pays,
   replies through the collector's inbound path (asks for a plan, answers the identity question,
   accepts or counters an offer by affordability, disputes, pleads hardship, promises, abuses,
   says STOP), or ignores it;
3. the personas' own lives: promised payments kept or missed, payments decided earlier, natural
   payments of invoices falling due, spontaneous payments; each payment is a simulated payment
   provider event through ``service.payments.apply_provider_event``;
4. the day's figures go to the observer's series.

The same rules apply whatever the strategy; randomness comes from per-debtor generators seeded by
``(seed, customer id)``, so a run is deterministic for a seed.

Debtors do not interact, so a run can be split into shards — independent worlds over parts of the
portfolio, each in its own process with its own database, sharing the people's capacity — whose
records are added up (``simulate(..., workers=n)``); a run is then deterministic for a seed and
``n``.
"""

from __future__ import annotations

import csv
import gc
import multiprocessing as mp
import random
import resource
import shutil
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from multiprocessing import connection as mp_connection
from pathlib import Path
from typing import Any, Final

from amicable.adapters.importers import read_customers, read_invoice_batches, read_payments
from amicable.bootstrap import App, bootstrap
from amicable.compliance import (
    Address,
    ChannelConsent,
    ComplianceContext,
    ComplianceDecision,
    Debt,
    Debtor,
    HistoryEvent,
    ProposedContact,
    decide,
)
from amicable.domain.clock import SimulatedClock
from amicable.domain.money import Money
from amicable.service import imports, policies, queue
from amicable.service.conversations import embedded_understanding
from amicable.service.payments import ProviderEvent, apply_provider_event
from amicable.sim.baselines import AggressiveCollector, Contact, DunningCollector, TeamCollector
from amicable.sim.collectors import AgentCollector, Collector, Delivery
from amicable.sim.observer import Observer, PromiseRecord, to_usd_cents
from amicable.sim.personas import (
    Persona,
    affordable,
    annoyed,
    draw_persona,
    keep_chance,
    pay_chance_after_reminder,
    payable_now,
    read_chance,
    spontaneous_chance,
)
from amicable.sim.replies import phrase
from amicable.sim.sample import generate_sample

__all__ = ["STRATEGIES", "SimulationResult", "simulate"]

STRATEGIES: Final = ("agent", "dunning", "aggressive", "team")
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
#: How long after a message arrives the debtor answers it (reads, thinks, writes).
REPLY_DELAY: Final = timedelta(minutes=30)
#: The sample's lateness profiles: days after the due date a current invoice is paid.
_DELAYS: Final = {"early": (-12, -1), "punctual": (-2, 3), "late": (5, 35),
                  "very_late": (30, 95), "chronic": (60, 200)}  # fmt: skip


@dataclass(frozen=True, slots=True)
class SimulationResult:
    """What one run measured: ``kpis`` (see :mod:`amicable.sim.observer`) and daily ``series``
    (``[[day, value], …]`` per series), with the run's parameters and its timing."""

    strategy: str
    accounts: int
    days: int
    seed: int
    as_of: date
    kpis: dict[str, Any]
    series: dict[str, list[list[float]]]
    seconds: float = 0.0
    findings: list[dict[str, Any]] = field(default_factory=list)
    workers: int = 1
    #: Each shard's peak memory (MiB) when the run was split (``workers > 1``): its own process.
    worker_peaks_mib: tuple[float, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "strategy": self.strategy,
            "accounts": self.accounts,
            "days": self.days,
            "seed": self.seed,
            "as_of": self.as_of.isoformat(),
            "kpis": self.kpis,
            "series": self.series,
            "compliance_findings": self.findings,
            "seconds": round(self.seconds, 1),
            "workers": self.workers,
        }


@dataclass(slots=True)
class _Invoice:
    number: str
    due: date
    open_minor: int
    opening_overdue: bool
    natural_day: date | None  # when a current invoice is paid unprompted (None: it is not)


@dataclass(slots=True)
class _Debtor:
    persona: Persona
    currency: str
    consumer: bool
    country: str
    region: str
    postal: str
    timezone: str | None  # as on file (None: not given)
    phones: tuple[str, ...]
    consents: dict[str, bool]
    invoices: list[_Invoice]
    react: random.Random
    spont: random.Random
    stopped: dict[str, datetime] = field(default_factory=dict)  # channel -> when STOP was sent
    #: When the debtor asked for all contact to stop (every "abuse" phrasing says "leave me
    #: alone"): every later message breaks the house pack's cease rule, whatever the
    #: collector understood.
    ceased_at: datetime | None = None
    history: list[HistoryEvent] = field(default_factory=list)
    received: list[date] = field(default_factory=list)
    reads: list[date] = field(default_factory=list)
    said: set[str] = field(default_factory=set)
    asked_on: date | None = None
    pay_on: date | None = None
    part_paid_on: date | None = None  # a part payment uses up a month's means
    opening_minor: int = 0
    promise: PromiseRecord | None = None
    closed: bool = False  # with a person (escalated) or settled by agreement
    payments: int = 0

    def overdue(self, day: date) -> int:
        return sum(i.open_minor for i in self.invoices if i.due < day and i.open_minor > 0)


class _World:
    def __init__(self, app: App, collector: Collector, debtors: dict[str, _Debtor],
                 observer: Observer, start: date) -> None:  # fmt: skip
        self.app = app
        self.collector = collector
        self.debtors = debtors
        self.obs = observer
        self.start = start
        self._approved_cache: tuple[int, dict[str, set[tuple[object, ...]]]] | None = None

    # -- payments ------------------------------------------------------------------------------

    def pay(self, d: _Debtor, minor: int, day: date) -> None:
        if minor <= 0:
            return
        d.payments += 1
        ref = d.persona.ref
        apply_provider_event(self.app.uow(), ProviderEvent(
            provider="simulated", event_id=f"sim-{ref}-{d.payments}",
            event_type="simulated.payment_succeeded", type="paid", on=day,
            payment_reference=f"SIMPAY-{ref}-{d.payments}",
            amount=Money.from_minor(minor, d.currency), metadata=(("account", ref),),
        ))  # fmt: skip
        left, recovered = minor, 0
        for inv in sorted(d.invoices, key=lambda i: i.due):
            take = min(left, max(inv.open_minor, 0))
            inv.open_minor -= take
            left -= take
            if inv.opening_overdue:
                recovered += take
        self.obs.paid(to_usd_cents(minor, d.currency), to_usd_cents(recovered, d.currency))

    # -- compliance re-check -------------------------------------------------------------------

    def allowed(self, d: _Debtor, m: Delivery) -> bool:
        """Re-check a delivered message; a refusal is kept as a finding (first 50)."""
        decision = self._decide(d, m)
        if not decision.allowed and len(self.obs.findings) < 50:
            self.obs.findings.append({
                "account": d.persona.ref, "channel": m.channel, "at": m.at.isoformat(),
                "kind": m.kind,
                "violations": [{"rule": v.rule, "message": v.message} for v in decision.violations],
            })  # fmt: skip
        return decision.allowed

    def _decide(self, d: _Debtor, m: Delivery) -> ComplianceDecision:
        p = d.persona
        # only what had happened when the message arrived (a STOP sent after it does not count)
        stopped = {c for c, at in d.stopped.items() if at <= m.at}
        debtor = Debtor(
            type="consumer" if d.consumer else "business",
            address=Address(d.country, d.region, d.postal),
            phones=d.phones,
            timezone=d.timezone,
            cease=d.ceased_at is not None and d.ceased_at <= m.at,
            opt_outs=frozenset({c for c, ok in d.consents.items() if not ok} | stopped),
            consents=tuple(
                ChannelConsent(c, _EPOCH) for c, ok in d.consents.items() if ok and c not in stopped
            ),
        )
        day = m.at.date()
        debts = tuple(
            Debt(i.number, d.consumer, i.due + timedelta(days=1) if i.due < day else None)
            for i in d.invoices
            if i.open_minor > 0
        )
        history = tuple(e for e in d.history if e.at <= m.at)
        ctx = ComplianceContext("first_party", debtor, debts, history)
        proposal = ProposedContact(m.at, m.channel, tuple(x.id for x in debts), m.text, False,
                                   p.lang, automated=self.collector.automated)  # fmt: skip
        return decide(ctx, proposal)

    # -- conversations -------------------------------------------------------------------------

    def converse(self, d: _Debtor, channel: str, at: datetime, opening: str) -> None:
        p, rng = d.persona, d.react
        kind = opening
        text = phrase(kind, p.lang, rng)
        countered = False
        asked = opening == "ask_plan"
        talked = False
        for _ in range(8):
            if channel != "call":
                d.history.append(HistoryEvent(at, channel, "inbound", "delivered"))
            turn = self.collector.message(p.ref, channel, text, at, kind)
            if turn is None:
                break
            if not talked:
                talked = True
                self.obs.conversations += 1
            if turn.get("agreement"):
                self.agreed(d, turn["agreement"], at.date())
                return
            if turn.get("escalation") or turn.get("ended"):
                d.closed = d.closed or bool(turn.get("escalation"))
                return
            offer = turn.get("offer")
            opening_minor = d.opening_minor or d.overdue(at.date())
            if turn.get("state") == "verifying":
                kind = "identity"
            elif turn.get("state") == "confirming":
                kind = "accept"
            elif offer:
                upfront, monthly = _burden(offer)
                if p.strategic or affordable(p, opening_minor, upfront_minor=upfront,
                                             per_month_minor=monthly):  # fmt: skip
                    kind = "accept"
                elif not countered:
                    kind, countered = "counter", True
                else:
                    kind = "decline"
            elif not asked:
                kind, asked = "ask_plan", True
            else:
                return
            amount = Money.from_minor(int(opening_minor * p.monthly_share), d.currency).amount_str()
            text = phrase(kind, p.lang, rng, amount=amount, code=p.postal_code)
            if kind == "decline":
                self.collector.message(p.ref, channel, text, at, kind)
                return

    def consider(self, d: _Debtor, channel: str, at: datetime) -> None:
        """Terms a person approved arrived: the debtor says yes to see them read back, then
        confirms them if they fit its means (a strategic defaulter always does) or turns them
        down — the same test as for any offer in :meth:`converse`."""
        p, rng = d.persona, d.react
        if channel != "call":
            d.history.append(HistoryEvent(at, channel, "inbound", "delivered"))
        turn = self.collector.message(p.ref, channel, phrase("accept", p.lang, rng), at, "accept")
        if turn is None:
            return
        self.obs.conversations += 1
        offer = turn.get("offer")
        if turn.get("state") != "confirming" or not offer:
            d.closed = d.closed or bool(turn.get("escalation"))
            return
        opening_minor = d.opening_minor or d.overdue(at.date())
        upfront, monthly = _burden(offer)
        fits = affordable(p, opening_minor, upfront_minor=upfront, per_month_minor=monthly)
        kind = "accept" if p.strategic or fits else "decline"
        if channel != "call":
            d.history.append(HistoryEvent(at, channel, "inbound", "delivered"))
        turn = self.collector.message(p.ref, channel, phrase(kind, p.lang, rng), at, kind)
        if turn is not None and turn.get("agreement"):
            self.agreed(d, turn["agreement"], at.date())
        elif turn is not None:
            d.closed = d.closed or bool(turn.get("escalation"))

    def _approved(self, ref: str, offer: dict[str, Any]) -> bool:
        """Whether a person approved exactly these terms for the account (the human queue's
        decisions: terms needing approval are inside the policy only then)."""
        return _terms(offer) in self._approved_terms().get(ref, ())

    def _approved_terms(self) -> dict[str, set[tuple[object, ...]]]:
        """The terms approved per account, read from the queue again only after the reviewer
        decided something (it decides only then; every agreement of a run read every approved
        item, ~3 % of a 10,000-account run)."""
        decided = getattr(self.collector, "decisions", 0)
        if self._approved_cache is None or self._approved_cache[0] != decided:
            found: dict[str, set[tuple[object, ...]]] = {}
            for item in queue.list_items(self.app.uow(), status="approved"):
                approved = (item.decision or {}).get("approved_terms") or {}
                if item.account and approved.get("terms"):
                    found.setdefault(item.account, set()).add(_terms(approved["terms"]))
            self._approved_cache = (decided, found)
        return self._approved_cache[1]

    def agreed(self, d: _Debtor, offer: dict[str, Any], day: date) -> None:
        schedule = [
            (date.fromisoformat(str(i["due_date"])), _minor(str(i["amount"])))
            for i in offer.get("installments") or ()
        ]
        if not schedule:
            schedule = [(day + timedelta(days=3), _minor(str(offer["total"])))]
        checked = policies.check_offer(self.app.uow(), d.persona.ref, offer, day)
        outcome = checked.get("outcome") if isinstance(checked, dict) else None
        if outcome != "ok" and not (
            outcome == "needs_approval" and self._approved(d.persona.ref, offer)
        ):
            self.obs.policy_violations += 1
        automated = self.collector.automated
        kept = d.react.random() < keep_chance(d.persona, automated=automated)
        breaks_at = None if kept else d.react.randrange(len(schedule))
        record = PromiseRecord(d.persona.ref, day, schedule, automated, breaks_at)
        d.promise = record
        d.closed = True
        self.obs.promises.append(record)

    # -- reacting to a message -----------------------------------------------------------------

    def receive(self, d: _Debtor, m: Delivery, day_no: int) -> None:
        allowed = self.allowed(d, m)
        self.obs.touch(day_no, m.channel, allowed=allowed)
        day = m.at.date()
        if m.channel != "call":
            d.history.append(HistoryEvent(m.at, m.channel, "outbound", "delivered"))
        at = m.at + REPLY_DELAY  # a debtor answers a while after the message arrived
        d.received.append(day)
        if m.kind == "offer" and d.promise is None:
            # terms a person approved: the case is back from the people who had it, whether or
            # not this message is read (later messages are read as from any collector)
            d.closed = False
        p, rng = d.persona, d.react
        if rng.random() >= read_chance(p, m.channel, m.at):
            return
        if m.kind == "offer" and d.promise is None and d.ceased_at is None:
            # terms a person approved, read: answered like any offer
            self.consider(d, m.channel, at)
            return
        if m.kind == "plan" or d.promise is not None or d.closed:
            return
        d.reads.append(day)
        week = sum(1 for r in d.received if (day - r).days < 7)
        annoyance = annoyed(week)
        if m.channel != "call" and (
            (p.hostile and rng.random() < 0.5) or (annoyance and rng.random() < 0.15 * annoyance)
        ):
            if p.hostile and "abuse" not in d.said:
                d.said.add("abuse")
                d.ceased_at = at
                d.history.append(HistoryEvent(at, m.channel, "inbound", "delivered"))
                self.collector.message(p.ref, m.channel, phrase("abuse", p.lang, rng), at,
                                       "abuse")  # fmt: skip
            d.stopped.setdefault(m.channel, at)
            self.collector.opt_out(p.ref, m.channel, at)
            return
        for flag, kind in ((p.disputes, "dispute"), (p.hardship, "hardship")):
            if flag:
                if kind not in d.said:
                    d.said.add(kind)
                    self.converse(d, m.channel, at, kind)
                return
        if p.strategic:
            if "promise" not in d.said and rng.random() < 0.5:
                d.said.add("promise")
                self.converse(d, m.channel, at, "promise")
            return
        recent = sum(1 for r in d.reads if (day - r).days < 30)
        chance = pay_chance_after_reminder(p, recent, annoyance)
        if m.channel == "call":
            chance = min(1.0, 2 * chance)  # a live conversation weighs like two reminders
        if chance and self.has_means(d, day) and rng.random() < chance:
            if d.pay_on is None:
                d.pay_on = p.next_pay_day(day + timedelta(days=rng.randint(0, 2)))
            return
        if (
            not p.pays_in_full
            and p.willingness > 0.25
            and (d.asked_on is None or (day - d.asked_on).days >= 14)
            and (m.channel == "call" or rng.random() < p.reply_propensity)
        ):
            d.asked_on = day
            self.converse(d, m.channel, at, "ask_plan")

    # -- the debtor's own day ------------------------------------------------------------------

    def live(self, d: _Debtor, day: date) -> None:
        p = d.persona
        spont = d.spont.random()  # one draw a day whatever happens (common random numbers)
        promise = d.promise
        if promise is not None:
            while len(promise.paid) < promise.due_by(day) and not promise.missed:
                index = len(promise.paid)
                _, amount = promise.schedule[index]
                keep = promise.breaks_at is None or index < promise.breaks_at
                promise.paid.append(keep)
                if keep:
                    self.pay(d, amount, day)
                else:
                    promise.missed = True
            if promise.missed:  # broken: the debtor is back among the unpaid accounts
                d.promise = None
                d.closed = False
            elif len(promise.paid) == len(promise.schedule):
                # fully kept: what it settled is closed in the world's book
                for inv in d.invoices:
                    if inv.due < promise.made_on:
                        inv.open_minor = 0
                d.promise = None
                d.closed = False
        for inv in d.invoices:
            if inv.natural_day == day and inv.open_minor > 0:
                self.pay(d, inv.open_minor, day)
        overdue = d.overdue(day)
        if overdue <= 0 or d.promise is not None:
            d.pay_on = None
            return
        if d.pay_on is None and self.has_means(d, day) and spont < spontaneous_chance(p):
            d.pay_on = p.next_pay_day(day)
        if d.pay_on is not None and d.pay_on <= day:
            d.pay_on = None
            amount = payable_now(p, overdue, d.opening_minor or overdue)
            if amount < overdue:
                d.part_paid_on = day
            self.pay(d, amount, day)

    def has_means(self, d: _Debtor, day: date) -> bool:
        """Whether the debtor has money to pay with today (a part payment uses a month's means)."""
        return d.part_paid_on is None or (day - d.part_paid_on).days >= 30

    def open_usd(self) -> int:
        return sum(to_usd_cents(sum(max(i.open_minor, 0) for i in d.invoices), d.currency)
                   for d in self.debtors.values())  # fmt: skip


def _terms(o: dict[str, Any]) -> tuple[object, ...]:
    """Offer terms compared for approval: the total and every installment's date and amount."""
    parts = o.get("installments") or ()
    return (str(o.get("total")), tuple((str(i["due_date"]), str(i["amount"])) for i in parts))


def _minor(amount: str) -> int:
    return int(Decimal(amount) * 100)


def _burden(offer: dict[str, Any]) -> tuple[int, int]:
    """What an offer asks at once (its first payment) and at most in any 30 days after it."""
    parts = [
        (date.fromisoformat(str(i["due_date"])), _minor(str(i["amount"])))
        for i in offer.get("installments") or ()
    ]
    if not parts:
        return _minor(str(offer.get("total", "0"))), 0
    parts.sort()
    first = parts[0][1]
    rest = parts[1:]
    window = max(
        (sum(a for d, a in rest if start <= d < start + timedelta(days=30)) for start, _ in rest),
        default=0,
    )
    return first, window


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _load(sample: Path, seed: int, as_of: date) -> dict[str, _Debtor]:
    profiles = {r["customer_id"]: r["lateness_profile"]
                for r in _rows(sample / "profiles.csv")}  # fmt: skip
    invoices: dict[str, list[dict[str, str]]] = {}
    for row in _rows(sample / "invoices.csv"):
        invoices.setdefault(row["customer_id"], []).append(row)
    out: dict[str, _Debtor] = {}
    for row in _rows(sample / "customers.csv"):
        ref = row["customer_id"]
        mine = invoices.get(ref, [])
        channels = tuple(
            c
            for c, has in (
                ("email", row["emails"]),
                ("sms", row["phones"]),
                ("whatsapp", row["phones"]),
            )
            if has
        )
        persona = draw_persona(
            seed,
            ref,
            profile=profiles[ref],
            business=row["type"] == "business",
            lang=row["language"],
            timezone=row["timezone"],
            postal_code=row["postal_code"],
            channels=channels,
            disputed=any(i["disputed"] == "yes" for i in mine),
        )
        natural = random.Random(f"amicable-sim-natural:{seed}:{ref}")
        book = []
        for i in mine:
            due = date.fromisoformat(i["due_date"])
            open_minor = _minor(i["open_amount"])
            nat = None
            if due >= as_of and open_minor > 0 and natural.random() < persona.willingness:
                low, high = _DELAYS[persona.profile]
                nat = max(
                    as_of + timedelta(days=1), due + timedelta(days=natural.randint(low, high))
                )
            book.append(_Invoice(i["invoice_number"], due, open_minor, due < as_of, nat))
        consents = {
            c: row[f"consent_{c}"] == "yes"
            for c in ("email", "sms", "call", "whatsapp")
            if row[f"consent_{c}"] in ("yes", "no")
        }
        out[ref] = _Debtor(
            opening_minor=sum(b.open_minor for b in book if b.opening_overdue and b.open_minor > 0),
            persona=persona,
            currency=mine[0]["currency"] if mine else "USD",
            consumer=row["type"] != "business",
            country=row["country"],
            region=row["region"],
            postal=row["postal_code"],
            timezone=row["timezone"] or None,
            phones=tuple(x for x in row["phones"].split(";") if x),
            consents=consents,
            invoices=book,
            react=random.Random(f"amicable-sim-react:{seed}:{ref}"),
            spont=random.Random(f"amicable-sim-spont:{seed}:{ref}"),
        )
    return out


def _contacts(debtors: dict[str, _Debtor]) -> dict[str, Contact]:
    return {
        ref: Contact(
            d.persona.lang,
            d.persona.timezone,
            tuple(
                c
                for c, r in d.persona.responsiveness.items()
                if r > 0 and c != "call" and d.consents.get(c, c == "email")
            ),
        )
        for ref, d in debtors.items()
    }


def _import(app: App, sample: Path) -> None:
    for name, result in (
        ("customers", imports.import_customers(app.uow(), read_customers(sample / "customers.csv"))),
        ("invoices", imports.import_invoices(
            app.uow(), imports.prefetched(read_invoice_batches(sample / "invoices.csv")))),
        ("payments", imports.import_payments(app.uow(), read_payments(sample / "payments.csv"))),
    ):  # fmt: skip
        if result.refused:
            raise RuntimeError(f"the sample {name} file was refused: {result.errors[:3]}")


def simulate(
    workdir: Path,
    *,
    accounts: int,
    days: int,
    strategy: str,
    seed: int,
    as_of: date,
    database_url: str | None = None,
    team_capacity: int | None = None,
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
) -> SimulationResult:
    """Run ``strategy`` for ``days`` simulated days on a sample of ``accounts`` accounts drawn
    with ``seed`` as of ``as_of``, in ``workdir/<strategy>/`` (its own fresh SQLite database,
    unless ``database_url`` names an empty one). ``progress`` is called with each day done.

    ``workers > 1`` splits the portfolio into that many shards (the ``k``-th customer of the
    sample file goes to shard ``k mod workers``), each an independent world with its own SQLite
    database under ``workdir/<strategy>/shard-<i>-of-<n>/``, run in its own process; the
    people's capacity (the reviewer's decisions, the team's calls) is shared out between them,
    and the observers' records are added up before the KPIs are computed. Debtors never
    interact, so a shard sees what the whole run would, except that each shard's reviewer works
    its own part of the queue. A run is deterministic for a seed and a number of workers.
    """
    import time as _time

    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; expected one of {', '.join(STRATEGIES)}")
    if accounts < 1 or days < 1:
        raise ValueError(f"accounts and days must be at least 1 (got {accounts}, {days})")
    if workers < 1:
        raise ValueError(f"workers must be at least 1 (got {workers})")
    if workers > 1 and database_url is not None:
        raise ValueError("a database URL holds one world: run it with workers=1")
    workers = min(workers, accounts)
    began = _time.perf_counter()
    home = Path(workdir) / strategy
    if home.exists():
        shutil.rmtree(home)
    sample = home / "sample"
    generate_sample(sample, accounts=accounts, seed=seed, as_of=as_of)
    zones = tuple(sorted({r["timezone"] or "UTC" for r in _rows(sample / "customers.csv")}))
    reviews = reviews_per_day(accounts) if strategy == "agent" else 0
    calls = team_capacity or max(3, accounts // 40)
    specs = [
        _WorldSpec(
            home=home, sample=sample, database_url=database_url, days=days, strategy=strategy,
            seed=seed, as_of=as_of, zones=zones, reviews=reviews, team_capacity=calls,
        )
    ]  # fmt: skip
    if workers > 1:
        homes = [home / f"shard-{k + 1}-of-{workers}" for k in range(workers)]
        samples = _split_sample(sample, homes)
        specs = [
            replace(specs[0], home=h, sample=s, reviews=_share(reviews, k, workers),
                    team_capacity=max(1, _share(calls, k, workers)))
            for k, (h, s) in enumerate(zip(homes, samples, strict=True))
        ]  # fmt: skip
        runs = _run_shards(specs, progress)
    else:
        runs = [_run_world(specs[0], progress)]
    observer = Observer.merged([r.observer for r in runs])
    last = as_of + timedelta(days=days)
    kpis = observer.kpis(last_day=last, open_usd=sum(r.open_usd for r in runs),
                         escalations=sum(r.escalations for r in runs))  # fmt: skip
    return SimulationResult(strategy, accounts, days, seed, as_of, kpis, observer.series(days),
                            _time.perf_counter() - began, observer.findings, workers=workers,
                            worker_peaks_mib=tuple(r.peak_mib for r in runs)
                            if workers > 1 else ())  # fmt: skip


@dataclass(frozen=True, slots=True)
class _WorldSpec:
    """One world to run: where it lives (``home``, the ``sample`` it imports, its database), the
    run's parameters, the portfolio's time ``zones`` (the agent's send slots are the whole
    portfolio's, whatever part of it a shard holds) and its share of the people's capacity."""

    home: Path
    sample: Path
    database_url: str | None
    days: int
    strategy: str
    seed: int
    as_of: date
    zones: tuple[str, ...]
    reviews: int  # the agent's reviewer: decisions a business day
    team_capacity: int  # the team baseline: calls a day


@dataclass(slots=True)
class _WorldRun:
    """What one world recorded, with its open balance at the end and its peak memory."""

    observer: Observer
    open_usd: int
    escalations: int
    peak_mib: float


#: The collector's thresholds while a world runs (Python's defaults: 700, 10, 10).
_GC_YOUNG = 50_000
_GC_OLDER = 50


def _run_world(spec: _WorldSpec, progress: Callable[[int], None] | None) -> _WorldRun:
    """Import ``spec.sample`` into a fresh database and run the strategy on it day by day."""
    start = datetime.combine(spec.as_of, datetime.min.time(), tzinfo=UTC)
    clock = SimulatedClock(start)
    thresholds = gc.get_threshold()
    spec.home.mkdir(parents=True, exist_ok=True)
    app = bootstrap(spec.database_url or f"sqlite:///{spec.home / 'amicable.db'}", clock=clock)
    as_of, strategy = spec.as_of, spec.strategy
    try:
        app.init()
        _import(app, spec.sample)
        debtors = _load(spec.sample, spec.seed, as_of)
        if strategy == "agent":
            embedded_understanding().warm_up()  # loaded now, so that it is frozen below
        # What is alive now (modules, the NLU model, the imported sample's objects) is left out
        # of the collector's full collections for the run: each walked all of it (at 2,000
        # accounts x 18 days, 1.2 s of collections became 0.4 s).
        gc.collect()
        gc.freeze()
        # A simulated day allocates millions of short-lived containers (rows, records, dicts)
        # that reference counting frees; collecting the young generation every 700 of them was
        # about 5 % of a run, for no memory (peak unchanged at 2,500 accounts x 90 days).
        gc.set_threshold(_GC_YOUNG, _GC_OLDER, _GC_OLDER)
        contacts = _contacts(debtors)
        collector: Collector
        if strategy == "agent":
            collector = AgentCollector(app, clock, zones=spec.zones, seed=spec.seed,
                                       reviews_per_day=spec.reviews)  # fmt: skip
        elif strategy == "dunning":
            collector = DunningCollector(app, contacts)
        elif strategy == "aggressive":
            collector = AggressiveCollector(app, contacts)
        else:
            collector = TeamCollector(app, contacts, capacity=spec.team_capacity)
        opening = sum(to_usd_cents(sum(i.open_minor for i in d.invoices if i.opening_overdue
                                       and i.open_minor > 0), d.currency)
                      for d in debtors.values())  # fmt: skip
        overdue_accounts = sum(1 for d in debtors.values() if d.overdue(as_of + timedelta(days=1)))
        observer = Observer(len(debtors), opening, overdue_accounts, _sales(spec.sample, as_of))
        world = _World(app, collector, debtors, observer, as_of)
        for n in range(1, spec.days + 1):
            day = as_of + timedelta(days=n)
            clock.set(datetime.combine(day, datetime.min.time(), tzinfo=UTC))
            for m in sorted(collector.act(day), key=lambda m: (m.at, m.ref, m.channel)):
                debtor = debtors.get(m.ref)
                if debtor is not None:
                    world.receive(debtor, m, n)
            for ref in sorted(debtors):
                world.live(debtors[ref], day)
            observer.end_of_day(n, world.open_usd())
            if progress is not None:
                progress(n)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return _WorldRun(observer, world.open_usd(), collector.escalations(), round(peak, 1))
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
        app.close()


def _share(total: int, k: int, n: int) -> int:
    """Shard ``k``'s part of ``total`` split as evenly as whole numbers allow among ``n``."""
    return total // n + (1 if k < total % n else 0)


def _split_sample(sample: Path, homes: Sequence[Path]) -> list[Path]:
    """Write the sample's files again under each of ``homes`` (``<home>/sample``), each with its
    shard's customers (the ``k``-th of the customer file to shard ``k mod n``) and their rows."""
    n = len(homes)
    outs = [h / "sample" for h in homes]
    for out in outs:
        out.mkdir(parents=True)
    shard_of = {r["customer_id"]: k % n for k, r in enumerate(_rows(sample / "customers.csv"))}
    for name in ("customers.csv", "invoices.csv", "payments.csv", "profiles.csv"):
        with (sample / name).open(encoding="utf-8", newline="") as src:
            reader = csv.reader(src)
            header = next(reader)
            at = header.index("customer_id")
            files = [(o / name).open("w", encoding="utf-8", newline="") for o in outs]
            try:
                writers = [csv.writer(f) for f in files]
                for w in writers:
                    w.writerow(header)
                for line, row in enumerate(reader, start=2):
                    shard = shard_of.get(row[at])
                    if shard is None:
                        raise ValueError(f"{sample / name}, line {line}: customer_id "
                                         f"{row[at]!r} is not in customers.csv")  # fmt: skip
                    writers[shard].writerow(row)
            finally:
                for f in files:
                    f.close()
    return outs


def _run_shards(
    specs: Sequence[_WorldSpec], progress: Callable[[int], None] | None
) -> list[_WorldRun]:
    """Run each world in its own process (spawned: nothing of this process's state is shared)
    and collect what they recorded; ``progress`` gets the days every shard has done. A shard
    that fails stops the run: the others are stopped and its error is raised."""
    ctx = mp.get_context("spawn")
    n = len(specs)
    procs: list[Any] = []
    live: dict[mp_connection.Connection, int] = {}
    try:
        for k, spec in enumerate(specs):
            parent, child = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_shard_main, args=(spec, child),
                               name=f"amicable-sim-shard-{k + 1}-of-{n}")  # fmt: skip
            proc.start()
            child.close()
            procs.append(proc)
            live[parent] = k
        days = [0] * n
        runs: dict[int, _WorldRun] = {}
        while live:
            ready = mp_connection.wait(list(live))
            for conn in [c for c in list(live) if c in ready]:
                k = live[conn]
                try:
                    kind, value = conn.recv()
                except EOFError:
                    procs[k].join()
                    raise RuntimeError(f"simulation shard {k + 1} of {n} stopped without "
                                       f"reporting (exit code {procs[k].exitcode})") from None  # fmt: skip
                if kind == "day":
                    before = min(days)
                    days[k] = value
                    if progress is not None and min(days) > before:
                        progress(min(days))
                elif kind == "done":
                    runs[k] = value
                    del live[conn]
                    conn.close()
                else:
                    raise RuntimeError(f"simulation shard {k + 1} of {n} failed: {value}")
        return [runs[k] for k in range(n)]
    finally:
        for conn in live:
            conn.close()
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
            proc.join()


def _shard_main(spec: _WorldSpec, conn: Any) -> None:
    """A shard's process: run its world, reporting each day done, then what it recorded (or its
    error, as text)."""
    try:
        run = _run_world(spec, lambda n: conn.send(("day", n)))
        conn.send(("done", run))
    except BaseException as exc:  # reported as data: the parent raises it
        conn.send(("error", "".join(traceback.format_exception(exc)).strip()))
    finally:
        conn.close()


def reviews_per_day(accounts: int) -> int:
    """The capacity of the person working the agent's human queue: 1 decision a business day per
    100 accounts (at least 2) — a fraction of the team baseline's 1 call per 40 accounts."""
    return max(2, accounts // 100)


def _sales(sample: Path, as_of: date) -> int:
    total = 0
    for row in _rows(sample / "invoices.csv"):
        if as_of - date.fromisoformat(row["issue_date"]) <= timedelta(days=365):
            total += to_usd_cents(_minor(row["amount"]), row["currency"])
    return total
