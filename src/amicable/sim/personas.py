"""Simulated debtors (personas): the hidden truth behind each sample account, and the behaviour
rules every collection strategy meets in the same way.

A :class:`Persona` is drawn deterministically from ``(seed, customer id)`` and the sample's hidden
lateness profile (``profiles.csv``): ability and willingness to pay, how it reads each channel and
when, and the flags that change a conversation (dispute, hardship, hostility, unreachability,
strategic default, a business's payables day). None of it is ever written where the agent can
read it; the agent only meets its effects (replies, payments, silence).

The rules (:func:`read_chance`, :func:`pay_chance_after_reminder`, :func:`keep_chance`,
:func:`affordable`) are pure functions of the persona and what it has received — the world applies
them identically whatever strategy sent the messages. All probabilities are floats in [0, 1]
(never money); amounts are integer minor units.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

__all__ = [
    "PROFILES",
    "Persona",
    "affordable",
    "annoyed",
    "draw_persona",
    "keep_chance",
    "pay_chance_after_reminder",
    "payable_now",
    "read_chance",
    "spontaneous_chance",
]


@dataclass(frozen=True, slots=True)
class _ProfileTraits:
    willing: tuple[float, float]  # willingness range
    full: float  # chance the whole overdue balance is affordable at once
    hazard: float  # daily chance of paying unprompted (able and willing)
    keep: float  # chance of keeping an instalment promised to a person


#: Per lateness profile of the sample (its hidden ``profiles.csv``).
PROFILES: Final[dict[str, _ProfileTraits]] = {
    "early": _ProfileTraits((0.9, 1.0), 0.95, 0.10, 0.95),
    "punctual": _ProfileTraits((0.85, 1.0), 0.9, 0.08, 0.92),
    "late": _ProfileTraits((0.6, 0.9), 0.6, 0.02, 0.82),
    "very_late": _ProfileTraits((0.35, 0.7), 0.35, 0.008, 0.7),
    "chronic": _ProfileTraits((0.05, 0.4), 0.15, 0.002, 0.5),
}
#: A promise made to an automated agent is kept somewhat less often than one made to a person.
AUTOMATED_KEEP_FACTOR: Final = 0.88
#: Reading a reminder raises the day's chance to pay, with diminishing returns per extra reminder.
REMINDER_LIFT: Final = 0.45
REMINDER_DECAY: Final = 0.6
#: More than this many messages in seven days is harassment: annoyance grows.
HARASSMENT_PER_WEEK: Final = 3


@dataclass(frozen=True, slots=True)
class Persona:
    """One debtor's hidden parameters.

    Attributes:
        ref: the customer id of the sample.
        business: a business (has a payables cycle) rather than a consumer.
        lang: the language it writes in (``en``, ``fr``, ``es``).
        timezone: IANA zone of its active hours.
        postal_code: what it answers to an identity question.
        profile: the sample's lateness profile.
        willingness: propensity to pay what it can, in [0, 1].
        pays_in_full: the whole overdue balance is affordable at once.
        monthly_share: share of the opening overdue balance it can pay per month otherwise.
        responsiveness: chance of reading a message, per channel.
        active_hours: local hours ``[start, end)`` in which it reads messages at once.
        reply_propensity: chance it answers a message it read and cannot simply pay.
        disputes: it says the amount is wrong (and does not pay before that is resolved).
        hardship: it is in hardship and says so.
        hostile: it answers pressure with abuse or STOP.
        unreachable: no message ever reaches it (wrong addresses).
        strategic: a strategic defaulter: promises, never pays.
        payables_weekday: a business pays only on this weekday (0 = Monday); ``None``: any day.
        base_keep: chance of keeping an instalment promised to a person.
        hazard: daily chance of paying unprompted.
    """

    ref: str
    business: bool
    lang: str
    timezone: str
    postal_code: str
    profile: str
    willingness: float
    pays_in_full: bool
    monthly_share: float
    responsiveness: dict[str, float]
    active_hours: tuple[int, int]
    reply_propensity: float
    disputes: bool
    hardship: bool
    hostile: bool
    unreachable: bool
    strategic: bool
    payables_weekday: int | None
    base_keep: float
    hazard: float

    def can_pay_on(self, day: date) -> bool:
        """A business pays on its payables day; a consumer any day."""
        return self.payables_weekday is None or day.weekday() == self.payables_weekday

    def next_pay_day(self, day: date) -> date:
        """The first day from ``day`` on which it can pay."""
        while not self.can_pay_on(day):
            day += timedelta(days=1)
        return day


def draw_persona(
    seed: int,
    ref: str,
    *,
    profile: str,
    business: bool,
    lang: str,
    timezone: str,
    postal_code: str,
    channels: tuple[str, ...],
    disputed: bool = False,
) -> Persona:
    """Draw the persona of customer ``ref`` (deterministic in ``seed`` and ``ref`` only, so the
    same debtor is the same person whichever strategy works it)."""
    traits = PROFILES.get(profile)
    if traits is None:
        raise ValueError(f"customer {ref}: unknown lateness profile {profile!r}")
    rng = random.Random(f"amicable-sim:{seed}:{ref}")
    willingness = rng.uniform(*traits.willing)
    pays_in_full = rng.random() < traits.full
    monthly_share = rng.uniform(0.2, 0.9)
    responsiveness: dict[str, float] = {}
    for channel in ("email", "sms", "whatsapp", "call"):
        base = {"email": (0.35, 0.85), "sms": (0.55, 0.95), "whatsapp": (0.6, 0.95),
                "call": (0.2, 0.6)}[channel]  # fmt: skip
        value = rng.uniform(*base)
        responsiveness[channel] = value if channel in channels or channel == "call" else 0.0
    if business:
        active = (8, 18) if rng.random() < 0.8 else (7, 20)
    else:
        active = rng.choice(((7, 22), (17, 22), (9, 21)))
    hardship = not business and not pays_in_full and rng.random() < 0.25
    strategic = rng.random() < (0.3 if profile == "chronic" else 0.02)
    return Persona(
        ref=ref,
        business=business,
        lang=lang if lang in ("en", "fr", "es") else "en",
        timezone=timezone or "UTC",
        postal_code=postal_code,
        profile=profile,
        willingness=0.0 if strategic else willingness,
        pays_in_full=pays_in_full,
        monthly_share=monthly_share,
        responsiveness=responsiveness,
        active_hours=active,
        reply_propensity=rng.uniform(0.3, 0.8),
        disputes=disputed or rng.random() < 0.04,
        hardship=hardship,
        hostile=rng.random() < 0.05,
        unreachable=rng.random() < 0.06,
        strategic=strategic,
        payables_weekday=rng.choice((1, 3, 4)) if business and rng.random() < 0.7 else None,
        base_keep=traits.keep,
        hazard=traits.hazard,
    )


def _local_hour(persona: Persona, at: datetime) -> int:
    try:
        zone = ZoneInfo(persona.timezone)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return at.astimezone(zone).hour


def read_chance(persona: Persona, channel: str, at: datetime) -> float:
    """Chance the persona reads a message on ``channel`` arriving at ``at`` (the same day)."""
    if persona.unreachable:
        return 0.0
    base = persona.responsiveness.get(channel, 0.0)
    start, end = persona.active_hours
    return base if start <= _local_hour(persona, at) < end else base * 0.6


def annoyed(received_last_week: int) -> int:
    """Annoyance from the number of messages received in the last seven days (harassment)."""
    return max(0, received_last_week - HARASSMENT_PER_WEEK)


def pay_chance_after_reminder(persona: Persona, reminders_read: int, annoyance: int) -> float:
    """Chance of paying what it can (:func:`payable_now`) on the day a reminder is read: the lift
    of the ``n``-th reminder read in 30 days decays geometrically (diminishing returns);
    harassment erodes willingness."""
    if persona.disputes or persona.hardship or reminders_read < 1:
        return 0.0
    willing = max(0.0, persona.willingness - 0.1 * annoyance)
    return min(1.0, willing * REMINDER_LIFT * REMINDER_DECAY ** (reminders_read - 1))


def spontaneous_chance(persona: Persona) -> float:
    """Daily chance of paying what it can with no contact at all (willing, undisputed)."""
    if persona.disputes or persona.hardship:
        return 0.0
    return persona.hazard * persona.willingness


def payable_now(persona: Persona, overdue_minor: int, opening_minor: int) -> int:
    """What a payment made now amounts to: the whole overdue balance when it is affordable at
    once, else a month's means (its share of the opening overdue balance) — a part payment that
    no plan is needed for, but that leaves the rest unpaid."""
    if persona.pays_in_full:
        return overdue_minor
    return min(overdue_minor, int(opening_minor * persona.monthly_share))


def keep_chance(persona: Persona, *, automated: bool) -> float:
    """Chance a promise is kept to the end (drawn once, when it is made): lower for a promise made
    to an automated agent; a strategic defaulter never keeps one."""
    if persona.strategic:
        return 0.0
    p = persona.base_keep * (0.6 + 0.4 * persona.willingness)
    if automated:
        p *= AUTOMATED_KEEP_FACTOR
    return min(1.0, p)


def affordable(persona: Persona, opening_minor: int, *, upfront_minor: int,
               per_month_minor: int) -> bool:  # fmt: skip
    """Whether terms fit the persona's means: ``upfront_minor`` due at once (a lump sum or a
    down payment) and ``per_month_minor`` a month after it."""
    if persona.pays_in_full:
        return True
    monthly = int(opening_minor * persona.monthly_share)
    return upfront_minor <= monthly and per_month_minor <= monthly
