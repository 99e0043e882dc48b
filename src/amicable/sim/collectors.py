"""Who works the simulated portfolio: the :class:`Collector` interface the world drives, what it
delivers (:class:`Delivery`), and the agent itself behind it (:class:`AgentCollector`).

The agent is reached only through its public entry points: ``amicable.bootstrap``, the runtime's
``run_days`` (the agent loop with a recording outbox whose sink hands every message to the world
at the simulated instant it is sent) and ``receive_inbound`` (the real inbound path, with a
simulated provider name and event ids). Baselines (:mod:`amicable.sim.baselines`) implement the
same interface without the agent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final, Protocol
from zoneinfo import ZoneInfo

from amicable.adapters.channels.outbox import OutboxRecord, RecordingOutboxSender
from amicable.bootstrap import App
from amicable.domain.clock import SimulatedClock
from amicable.domain.errors import Conflict, InvalidInput
from amicable.service import queue
from amicable.service.runtime import receive_inbound, run_days

__all__ = ["BUSINESS_HOURS", "AgentCollector", "Collector", "Delivery", "at_slot", "daily_slots"]

#: Queue reasons a person handles personally (the agent stays out); every other item is approved
#: (a final notice is released, an escalation closed so chasing resumes).
TAKE_OVER_REASONS: Final = frozenset(
    {"hardship", "dispute", "legal", "abuse", "human_requested", "identity_doubt"}
)
#: The local business hours every strategy's daily send slot is chosen inside.
BUSINESS_HOURS: Final = (time(8, 0), time(18, 0))


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message that reached a debtor: account, channel, instant, text and its kind
    (``reminder``, ``final_notice``, ``plan`` for plan servicing, ``offer`` for terms a person
    approved, ``call`` for a live call)."""

    ref: str
    channel: str
    at: datetime
    text: str
    kind: str = "reminder"


class Collector(Protocol):
    """A collection strategy as the world sees it.

    ``act(day)`` does the day's outbound work and returns what was delivered; ``message`` hands
    a debtor's message to the collector and returns its answer in the ``amicable chat --jsonl``
    turn shape (``reply``, ``state``, ``offer``, ``agreement``, ``escalation``, ``ended``), or
    ``None`` when nobody reads replies (``kind`` is what the debtor means: a person on the phone
    understands it exactly, the agent is never given it); ``opt_out`` is a STOP on a channel; ``escalations`` counts
    cases handed to people so far; ``automated`` says promises are made to a machine.
    """

    name: str
    automated: bool

    def act(self, day: date) -> Sequence[Delivery]: ...

    def message(self, ref: str, channel: str, text: str, at: datetime,
                kind: str = "") -> dict[str, Any] | None: ...  # fmt: skip

    def opt_out(self, ref: str, channel: str, at: datetime) -> None: ...

    def escalations(self) -> int: ...


def daily_slots(day: date, zones: Sequence[str]) -> tuple[time, ...]:
    """The send slots (UTC) of ``day`` for debtors in ``zones``: one slot on the hour when local
    business hours overlap in every zone (08:00 on the US west coast is 16:00 in Paris in winter,
    and 17:00 once Europe is on summer time — the overlap moves with daylight saving time), else
    two — the first hour open in the westmost zone and the last hour open in the eastmost one.
    One pass a day instead of three is what keeps a 90-day run of thousands of accounts short."""
    opens, closes = [], []
    for name in sorted(set(zones)) or ["UTC"]:
        try:
            zone = ZoneInfo(name)
        except (KeyError, ValueError):
            zone = ZoneInfo("UTC")
        opens.append(datetime.combine(day, BUSINESS_HOURS[0], tzinfo=zone).astimezone(UTC))
        closes.append(datetime.combine(day, BUSINESS_HOURS[1], tzinfo=zone).astimezone(UTC))
    first = max(opens)
    if first.minute or first.second:
        first = first.replace(minute=0, second=0) + timedelta(hours=1)
    last = min(closes) - timedelta(hours=1)
    if first <= last and first.date() == day:
        return (first.time(),)
    return tuple(sorted({first.time(), last.replace(minute=0).time()}))


def _kind(record: OutboxRecord) -> str:
    key = record.message.dedupe_key
    if ":plan:" in key:
        return "plan"
    if ":final_notice:" in key:
        return "final_notice"
    if ":approved_offer:" in key:
        return "offer"
    return "reminder"


class AgentCollector:
    """The amicable agent: its loop at the day's :func:`daily_slots`, its inbound path."""

    name = "agent"
    automated = True

    def __init__(self, app: App, clock: SimulatedClock, *, zones: Sequence[str] = (),
                 seed: int = 0, reviews_per_day: int = 0) -> None:  # fmt: skip
        self._app = app
        self._reviews = reviews_per_day
        self.decisions = 0
        self._clock = clock
        self._zones = tuple(zones)
        self._seed = seed
        self._today: list[Delivery] = []
        self._sender = RecordingOutboxSender(clock=clock, sink=self._capture)
        self._escalated = 0
        self._events = 0
        self.errors = 0

    def _capture(self, record: OutboxRecord) -> None:
        m = record.message
        if m.account_ref is None:  # pragma: no cover - the runtime always names the account
            raise ValueError(f"outbox message {m.dedupe_key} names no account")
        self._today.append(
            Delivery(m.account_ref, m.channel, self._clock.now(), m.text, _kind(record))
        )

    def act(self, day: date) -> Sequence[Delivery]:
        self._today = []
        if day.weekday() >= 5:
            # The house courtesy hours allow no contact at the weekend: a pass would only store
            # blocked records; plan servicing catches up on Monday (it advances to a date).
            return ()
        if self._reviews:
            self._review(day)
        report = run_days(self._app.uow, self._clock, start=day, until=day, sender=self._sender,
                          slots=daily_slots(day, self._zones), seed=self._seed)  # fmt: skip
        self._escalated += report.escalated
        self.errors += report.errors
        return tuple(self._today)

    def _review(self, day: date) -> None:
        """The creditor's reviewer works the human queue first thing in the business day (07:00
        UTC, before the agent's pass), oldest SLA first, up to its capacity: reasons in
        :data:`TAKE_OVER_REASONS` are taken over, everything else is approved (or, when it cannot
        be — proposed terms the policy now refuses — declined)."""
        self._clock.set(at_slot(day, time(7, 0)))
        # Only open items take a decision: an item already taken over is a person's case, not
        # a place in today's capacity (it used to be counted, so every take-over cost the
        # reviewer a decision a day for good — 20 a day fell to 1 within weeks).
        # (Read as such: the taken-over items pile up over a run and were read every day.)
        waiting = queue.list_items(self._app.uow(), status="open")
        for item in waiting[: self._reviews]:
            try:
                if item.new.reason in TAKE_OVER_REASONS:
                    queue.take_over(self._app.uow(), item.id, actor="simulated-reviewer")
                else:
                    queue.approve(
                        self._app.uow(), item.id, actor="simulated-reviewer", role="admin"
                    )
            except (Conflict, InvalidInput) as exc:  # decided meanwhile, or not approvable
                if not self._decline(item.id, str(exc)):
                    continue
            self.decisions += 1

    def _decline(self, item_id: int, why: str) -> bool:
        """An item still open that could not be approved (terms the policy now refuses) is
        declined with the reason, so it does not hold a place in the reviewer's day for good."""
        try:
            queue.decline(self._app.uow(), item_id, actor="simulated-reviewer", reason=why)
        except (Conflict, InvalidInput):  # decided meanwhile
            return False
        return True

    def _event_id(self) -> str:
        self._events += 1
        return f"sim-{self._events:08d}"

    def message(self, ref: str, channel: str, text: str, at: datetime,
                kind: str = "") -> dict[str, Any] | None:  # fmt: skip
        """The debtor's text through the real inbound path (``kind``, the simulator's label of
        what the debtor means, is not given to the agent: it has to understand the text)."""
        at = max(at, self._clock.now())
        self._clock.set(at)
        result = receive_inbound(self._app.uow(), ref, channel, text, now=at,
                                 event_id=self._event_id(), provider="simulated")  # fmt: skip
        turn = result.to_json()
        if turn.get("escalation"):
            self._escalated += 1
        return turn

    def opt_out(self, ref: str, channel: str, at: datetime) -> None:
        at = max(at, self._clock.now())
        self._clock.set(at)
        receive_inbound(self._app.uow(), ref, channel, "STOP", now=at, event_id=self._event_id(),
                        provider="simulated")  # fmt: skip

    def escalations(self) -> int:
        return self._escalated


def at_slot(day: date, slot: time) -> datetime:
    """The UTC instant of ``slot`` on ``day``."""
    return datetime.combine(day, slot, tzinfo=UTC)
