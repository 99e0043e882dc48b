"""Baseline collection strategies the agent is measured against, on the same population and seed,
each in its own database: static dunning, aggressive daily reminders, and a capacity-limited human
team. None of them uses the agent: they read their ledger through the public queries
(``accounts_list``), honour STOP, and (the team) check plans with the public policy gate
(``service.policies.check_offer``) before agreeing them.

* :class:`DunningCollector` — reminders at +7, +14 and +30 days past due (worst invoice), then a
  final notice ("last reminder") 14 days after the last reminder; one cycle per account; a
  business-day batch; e-mail, else SMS.
  An account already past a step when the run starts gets the latest step reached at once.
* :class:`AggressiveCollector` — a reminder every day on e-mail and SMS to every overdue account.
* :class:`TeamCollector` — ``capacity`` calls a weekday, largest overdue balances first, an
  account at most once a fortnight; on the phone a person understands the debtor exactly and can
  agree a simple monthly plan (3, 6 or 12 payments, or what the debtor says it can pay a month)
  when the policy gate allows it; disputes, hardship and abuse go to a supervisor (escalation).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from amicable.bootstrap import App
from amicable.domain.money import Money
from amicable.service import policies, queries
from amicable.sim.collectors import Delivery, at_slot, daily_slots

__all__ = ["AggressiveCollector", "DunningCollector", "TeamCollector", "plan_offer"]

_ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
DUNNING_STEPS: Final = (7, 14, 30)
FINAL_NOTICE_GAP: Final = timedelta(days=14)

_TEXT: Final[dict[str, dict[str, str]]] = {
    "reminder": {
        "en": "Reminder: {amount} is past due on your account. Please pay at {link}. "
        "Reply STOP to opt out.",
        "fr": "Rappel : {amount} restent impayés sur votre compte. Réglez ici : {link}. "
        "Répondez STOP pour ne plus recevoir de messages.",
        "es": "Recordatorio: {amount} está vencido en su cuenta. Pague aquí: {link}. "
        "Responda STOP para no recibir más mensajes.",
    },
    "final_notice": {
        "en": "Last reminder: {amount} is still unpaid on your account. Please pay at {link} "
        "or contact us. Reply STOP to opt out.",
        "fr": "Dernier rappel : {amount} restent impayés sur votre compte. Réglez ici : {link} "
        "ou contactez-nous. Répondez STOP pour ne plus recevoir de messages.",
        "es": "Último recordatorio: {amount} sigue impagado en su cuenta. Pague aquí: {link} "
        "o contáctenos. Responda STOP para no recibir más mensajes.",
    },
}


@dataclass(frozen=True, slots=True)
class Contact:
    """What the creditor's master data says about reaching one customer (the import file)."""

    lang: str
    timezone: str
    channels: tuple[str, ...]  # written channels with an address (and consent for texts)


def _overdue(app: App, day: date) -> list[queries.AccountSummary]:
    return [a for a in queries.accounts_list(app.uow(), day) if a.max_days_past_due > 0 and
            any(m.is_positive() for m in a.balances.values())]  # fmt: skip


def _amount(account: queries.AccountSummary) -> str:
    return ", ".join(f"{m.amount_str()} {c}" for c, m in sorted(account.balances.items()))


def _text(kind: str, lang: str, account: queries.AccountSummary) -> str:
    ref = account.customer.external_id
    template = _TEXT[kind].get(lang) or _TEXT[kind]["en"]
    return template.format(amount=_amount(account), link=f"https://pay.example/{ref}")


@dataclass(slots=True)
class _Written:
    """Shared by the written baselines: who said STOP on which channel."""

    contacts: Mapping[str, Contact]
    stopped: dict[str, set[str]] = field(default_factory=dict)

    def at(self, day: date) -> datetime:
        """The day's send instant: the first of the same daily slots the agent uses."""
        zones = sorted({c.timezone for c in self.contacts.values()})
        return at_slot(day, daily_slots(day, zones)[0])

    def channels(self, ref: str) -> tuple[str, ...]:
        contact = self.contacts.get(ref)
        if contact is None:
            return ()
        gone = self.stopped.get(ref, set())
        return tuple(c for c in contact.channels if c not in gone)

    def lang(self, ref: str) -> str:
        contact = self.contacts.get(ref)
        return contact.lang if contact else "en"


class DunningCollector:
    """Static dunning (see the module docstring)."""

    name = "dunning"
    automated = True

    def __init__(self, app: App, contacts: Mapping[str, Contact]) -> None:
        self._app = app
        self._written = _Written(contacts)
        self._step: dict[str, int] = {}  # steps done (1..3 reminders, 4 = final notice)
        self._last: dict[str, date] = {}

    def act(self, day: date) -> Sequence[Delivery]:
        out: list[Delivery] = []
        if day.weekday() >= 5:  # a dunning run is a business-day batch job
            return out
        for account in _overdue(self._app, day):
            ref = account.customer.external_id
            done = self._step.get(ref, 0)
            reached = sum(1 for s in DUNNING_STEPS if account.max_days_past_due >= s)
            if done < reached:
                kind, step = "reminder", reached
            elif done == len(DUNNING_STEPS) and day - self._last[ref] >= FINAL_NOTICE_GAP:
                kind, step = "final_notice", done + 1
            else:
                continue
            channels = [c for c in self._written.channels(ref) if c in ("email", "sms")]
            if not channels:
                continue
            channel = channels[0]
            text = _text(kind, self._written.lang(ref), account)
            out.append(Delivery(ref, channel, self._written.at(day), text, kind))
            self._step[ref] = step
            self._last[ref] = day
        return out

    def message(self, ref: str, channel: str, text: str, at: datetime,
                kind: str = "") -> dict[str, Any] | None:  # fmt: skip
        return None  # a no-reply mailbox: nobody reads the answers

    def opt_out(self, ref: str, channel: str, at: datetime) -> None:
        self._written.stopped.setdefault(ref, set()).add(channel)

    def escalations(self) -> int:
        return 0


class AggressiveCollector:
    """A reminder every day on every written channel to every overdue account."""

    name = "aggressive"
    automated = True

    def __init__(self, app: App, contacts: Mapping[str, Contact]) -> None:
        self._app = app
        self._written = _Written(contacts)

    def act(self, day: date) -> Sequence[Delivery]:
        out: list[Delivery] = []
        for account in _overdue(self._app, day):
            ref = account.customer.external_id
            text = _text("reminder", self._written.lang(ref), account)
            for channel in self._written.channels(ref):
                if channel in ("email", "sms"):
                    out.append(Delivery(ref, channel, self._written.at(day), text, "reminder"))
        return out

    def message(self, ref: str, channel: str, text: str, at: datetime,
                kind: str = "") -> dict[str, Any] | None:  # fmt: skip
        return None

    def opt_out(self, ref: str, channel: str, at: datetime) -> None:
        self._written.stopped.setdefault(ref, set()).add(channel)

    def escalations(self) -> int:
        return 0


def _weekday(day: date, avoid: frozenset[date] = frozenset()) -> date:
    while day.weekday() >= 5 or day in avoid:
        day += timedelta(days=1)
    return day


def plan_offer(
    balance: Money, payments: int, first: date, avoid: frozenset[date] = frozenset()
) -> dict[str, Any]:
    """A simple plan in the policy's OFFER wire shape, as a collector would write it by hand: one
    payment of the whole ``balance`` on ``first``, or a 20 % down payment on ``first`` and the rest
    in ``payments - 1`` monthly parts (exact minor units, the remainder on the first part), every
    date moved off the weekend and the days in ``avoid`` (public holidays the gate named)."""
    if payments < 1:
        raise ValueError(f"a plan needs at least one payment, got {payments}")
    total = balance.minor
    if payments == 1:
        amounts = [total]
    else:
        down = -(-total // 5)
        part, rest = divmod(total - down, payments - 1)
        amounts = [down, part + rest] + [part] * (payments - 2)
    code = balance.code
    return {
        "kind": "plan" if payments > 1 else "full",
        "total": balance.amount_str(),
        "currency": code,
        "down_payment": Money.from_minor(amounts[0], code).amount_str() if payments > 1 else None,
        "installments": [
            {
                "due_date": _weekday(first + timedelta(days=30 * i), avoid).isoformat(),
                "amount": Money.from_minor(a, code).amount_str(),
            }
            for i, a in enumerate(amounts)
        ],
        "discount": "0.00",
    }


def _turn(reply: str, state: str, *, offer: dict[str, Any] | None = None,
          agreement: dict[str, Any] | None = None, escalation: str | None = None) -> dict[str, Any]:  # fmt: skip
    return {
        "reply": reply,
        "state": state,
        "intents": [],
        "offer": offer,
        "agreement": agreement,
        "escalation": None if escalation is None else {"reason": escalation, "summary": reply},
        "ended": state in ("agreed", "escalated", "ceased"),
    }


class TeamCollector:
    """A capacity-limited human team on the phone (see the module docstring)."""

    name = "team"
    automated = False

    def __init__(self, app: App, contacts: Mapping[str, Contact], *, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"the team needs a capacity of at least 1 call a day, got {capacity}")
        self._app = app
        self._written = _Written(contacts)
        self.capacity = capacity
        self._called: dict[str, date] = {}
        self._closed: set[str] = set()  # agreed or with a supervisor
        self._balance: dict[str, Money] = {}
        self._on_table: dict[str, dict[str, Any]] = {}
        self._escalated = 0
        self._day = date.min

    def act(self, day: date) -> Sequence[Delivery]:
        self._day = day
        if day.weekday() >= 5:
            return ()
        queue = []
        for account in _overdue(self._app, day):
            ref = account.customer.external_id
            last = self._called.get(ref)
            if ref in self._closed or (last is not None and day - last < timedelta(days=14)):
                continue
            if "call" in self._written.stopped.get(ref, set()):
                continue
            code, money = max(account.balances.items(), key=lambda kv: kv[1].minor)
            self._balance[ref] = money
            queue.append((Decimal(money.minor) * _WEIGHT.get(code, Decimal(1)), ref))
        queue.sort(reverse=True)
        out = []
        for _, ref in queue[: self.capacity]:
            self._called[ref] = day
            out.append(Delivery(ref, "call", self._written.at(day), "(a collector calls)", "call"))
        return out

    def _offer(self, ref: str, payments: tuple[int, ...], day: date) -> dict[str, Any] | None:
        balance = self._balance[ref]
        for n in payments:
            avoid: frozenset[date] = frozenset()
            for _ in range(3):  # a holiday named by the gate moves that payment a day later
                offer = plan_offer(balance, n, day + timedelta(days=7), avoid)
                checked = policies.check_offer(self._app.uow(), ref, offer, day)
                if not isinstance(checked, dict):
                    return None
                if checked.get("outcome") == "ok":
                    return offer
                codes = {v["code"] for v in checked.get("violations", ())}
                if codes != {"not_a_business_day"}:
                    break
                named = {
                    date.fromisoformat(m)
                    for v in checked["violations"]
                    for m in _ISO_DATE.findall(str(v["message"]))
                }
                avoid = avoid | named
        return None

    def message(self, ref: str, channel: str, text: str, at: datetime,
                kind: str = "") -> dict[str, Any] | None:  # fmt: skip
        day = at.date()
        if ref in self._closed or ref not in self._balance:
            return None
        if kind in ("dispute", "hardship", "abuse"):
            self._closed.add(ref)
            self._escalated += 1
            return _turn("I'll pass this to my supervisor.", "escalated", escalation=kind)
        if kind == "accept" and ref in self._on_table:
            self._closed.add(ref)
            return _turn("Thank you, that's agreed.", "agreed", agreement=self._on_table.pop(ref))
        if kind == "promise":
            full = self._offer(ref, (1,), day)
            if full is None:
                return _turn("Thank you, goodbye.", "ended")
            self._closed.add(ref)
            return _turn("Noted, thank you.", "agreed", agreement=full)
        if kind == "ask_plan":
            offer = self._offer(ref, (3, 4, 6), day)
        elif kind == "counter" and text:
            per_month = _amount_in(text)
            if per_month is None or per_month <= 0:
                offer = None
            else:
                months = -(-self._balance[ref].minor // per_month)
                offer = self._offer(ref, (months,), day) if months <= 24 else None
        else:
            return _turn("Thank you, goodbye.", "ended")
        if offer is None:
            self._closed.add(ref)
            self._escalated += 1
            return _turn("I need my manager's approval for that.", "escalated",
                         escalation="out_of_policy")  # fmt: skip
        self._on_table[ref] = offer
        return _turn("We could do this plan.", "negotiating", offer=offer)

    def opt_out(self, ref: str, channel: str, at: datetime) -> None:
        self._written.stopped.setdefault(ref, set()).update({channel, "call"})

    def escalations(self) -> int:
        return self._escalated


#: Rough value weights to rank balances across currencies for the call list (not money math).
_WEIGHT: Final = {"USD": Decimal(1), "EUR": Decimal("1.08"), "GBP": Decimal("1.27"),
                  "CAD": Decimal("0.73")}  # fmt: skip


def _amount_in(text: str) -> int | None:
    """The first decimal amount in a debtor's sentence, in minor units (two decimals)."""
    for word in text.replace(",", " ").split():
        word = word.strip(".!?")
        try:
            value = Decimal(word)
        except ArithmeticError:
            continue
        return int(value * 100)
    return None
