"""The compliance context model: who is contacted, about which debts, with which history, and how.

Everything here is an immutable value (frozen, slotted dataclass). Invariants:

* every instant (``at``, ``given_at`` …) is an aware UTC ``datetime``; business dates are ``date``;
* channels and outcomes are drawn from :data:`CHANNELS` and :data:`OUTCOMES` (strings, because they
  are also the wire vocabulary of the dry-run scenario);
* a :class:`ComplianceDecision` is ``allowed`` exactly when it carries no violation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from amicable.domain.clock import ensure_utc
from amicable.domain.errors import InvalidInput

__all__ = [
    "CHANNELS",
    "COLLECTOR_TYPES",
    "DEBTOR_TYPES",
    "ELECTRONIC_CHANNELS",
    "OUTCOMES",
    "TELEPHONE_CHANNELS",
    "WEEKDAYS",
    "Address",
    "CallConsent",
    "ChannelConsent",
    "ComplianceContext",
    "ComplianceDecision",
    "Debt",
    "Debtor",
    "HistoryEvent",
    "InconvenientTime",
    "ProposedContact",
    "Violation",
]

CHANNELS = ("call", "voicemail", "sms", "whatsapp", "email", "letter", "chat")
#: The telephone medium: a voicemail is left by placing a call (Reg F comment 14(b)-1).
TELEPHONE_CHANNELS = frozenset({"call", "voicemail"})
#: Media that need the §1006.6(e) electronic opt-out notice.
ELECTRONIC_CHANNELS = frozenset({"sms", "whatsapp", "email", "chat"})
OUTCOMES = (
    "conversation",
    "no_answer",
    "voicemail",
    "busy",
    "not_in_service",
    "delivered",
    "failed",
)
COLLECTOR_TYPES = ("first_party", "third_party")
DEBTOR_TYPES = ("consumer", "business")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class Address:
    """Where the debtor lives: ISO 3166 country, region (state / province code), postal code."""

    country: str | None = None
    region: str | None = None
    postal_code: str | None = None


@dataclass(frozen=True, slots=True)
class InconvenientTime:
    """A time the debtor designated as inconvenient (Reg F §1006.6(b)(1), comment 6(b)(1)-1).

    ``days`` are weekday codes (``mon`` … ``sun``); ``start``/``end`` are local wall-clock times,
    the interval is ``[start, end)``; both ``None`` means the whole day.
    """

    days: frozenset[int]  # 0 = Monday, as ``date.weekday()``
    start: time | None = None
    end: time | None = None

    def covers(self, local: datetime) -> bool:
        """Whether the local wall-clock instant falls inside this designation."""
        if local.weekday() not in self.days:
            return False
        t = local.time().replace(tzinfo=None)
        start = self.start or time(0, 0)
        if self.end is None:
            return t >= start
        return start <= t < self.end


@dataclass(frozen=True, slots=True)
class ChannelConsent:
    """Prior express consent to be contacted on a channel (TCPA), and its revocation if any."""

    channel: str
    given_at: datetime
    revoked_at: datetime | None = None

    def active_at(self, at: datetime) -> bool:
        return self.given_at <= at and (self.revoked_at is None or at < self.revoked_at)


@dataclass(frozen=True, slots=True)
class Debtor:
    """The person or company contacted, with what they told us about how to contact them."""

    type: str = "consumer"
    address: Address = field(default_factory=Address)
    phones: tuple[str, ...] = ()
    timezone: str | None = None
    inconvenient_times: tuple[InconvenientTime, ...] = ()
    cease: bool = False
    opt_outs: frozenset[str] = frozenset()
    consents: tuple[ChannelConsent, ...] = ()
    attorney: bool = False
    bankruptcy: bool = False
    #: UK CONC 7.2 / 7.10: the firm knows or suspects vulnerability / a mental-capacity limitation.
    vulnerable: bool = False
    mental_capacity_concern: bool = False


@dataclass(frozen=True, slots=True)
class Debt:
    """One particular debt (Reg F §1006.14(b)(4)): the unit of the call-frequency counts."""

    id: str
    consumer: bool = True
    delinquent_since: date | None = None
    time_barred: bool = False


@dataclass(frozen=True, slots=True)
class CallConsent:
    """The debtor asked to be called back (Reg F §1006.14(b)(3)(i)); ``until`` a date, or open."""

    until: date | None = None


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    """One past contact or attempt, inbound or outbound, with its outcome and the debts it was about."""

    at: datetime
    channel: str
    direction: str  # "outbound" | "inbound"
    outcome: str
    debt_ids: tuple[str, ...] = ()
    consent_to_call: CallConsent | None = None


@dataclass(frozen=True, slots=True)
class ProposedContact:
    """The contact the agent wants to make: when, how, about which debts, and with which text."""

    at: datetime
    channel: str
    debt_ids: tuple[str, ...] = ()
    text: str | None = None
    first_communication: bool = False
    #: Language of ``text`` for the content checker (``en``, ``fr``, ``es``).
    lang: str = "en"
    #: True when the contact is placed by automation: an AI (artificial) voice call or voicemail,
    #: an autodialed call, an automated text. The TCPA consent rule applies only to those.
    #: Defaults to True — amicable's own channels are automated, so forgetting it fails closed.
    automated: bool = True

    def moved_to(self, at: datetime) -> ProposedContact:
        """The same proposal at another instant (used by the earliest-allowed search)."""
        return ProposedContact(
            at,
            self.channel,
            self.debt_ids,
            self.text,
            self.first_communication,
            self.lang,
            self.automated,
        )


@dataclass(frozen=True, slots=True)
class ComplianceContext:
    """Everything the rules may look at besides the proposal itself.

    ``history`` is sorted by ``at`` (the constructor sorts it), so rules can scan it once.
    """

    collector_type: str
    debtor: Debtor
    debts: tuple[Debt, ...] = ()
    history: tuple[HistoryEvent, ...] = ()

    def __post_init__(self) -> None:
        if self.collector_type not in COLLECTOR_TYPES:
            raise InvalidInput(
                f"collector type {self.collector_type!r} is not one of {COLLECTOR_TYPES}"
            )
        if self.debtor.type not in DEBTOR_TYPES:
            raise InvalidInput(f"debtor type {self.debtor.type!r} is not one of {DEBTOR_TYPES}")
        for event in self.history:
            ensure_utc(event.at)
        ordered = tuple(sorted(self.history, key=lambda e: e.at))
        object.__setattr__(self, "history", ordered)

    def debt(self, debt_id: str) -> Debt | None:
        for d in self.debts:
            if d.id == debt_id:
                return d
        return None


@dataclass(frozen=True, slots=True)
class Violation:
    """One reason a proposed contact is blocked.

    ``rule`` is the pack rule id, ``citation`` the provision it implements. ``permanent`` says that
    waiting cannot clear it (cease, no consent, bad text); otherwise ``retry_at``, when given, is a
    lower bound of the first instant at which this violation could clear — the earliest-allowed search
    jumps there instead of stepping minute by minute.
    """

    rule: str
    message: str
    citation: str
    permanent: bool = False
    retry_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "message": self.message, "citation": self.citation}


@dataclass(frozen=True, slots=True)
class ComplianceDecision:
    """The answer to one proposed contact.

    ``allowed`` is true exactly when ``violations`` is empty. ``earliest_allowed_at`` is the proposal's
    own instant when allowed, else the first instant (within the search horizon) at which the same
    proposal would be allowed, or ``None`` when none exists (a cease, a missing consent …).
    ``packs`` names the packs that were applied.
    """

    allowed: bool
    violations: tuple[Violation, ...]
    earliest_allowed_at: datetime | None
    packs: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        at = self.earliest_allowed_at
        return {
            "allowed": self.allowed,
            "violations": [v.to_json() for v in self.violations],
            "earliest_allowed_at": None if at is None else at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
