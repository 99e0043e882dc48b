"""Builders for compliance tests: local wall-clock instants, histories and proposals in one line."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from amicable.compliance import (
    Address,
    CallConsent,
    ChannelConsent,
    ComplianceContext,
    ComplianceDecision,
    Debt,
    Debtor,
    HistoryEvent,
    ProposedContact,
    decide,
)

EASTERN = "America/New_York"
CONSENTED = (
    ChannelConsent("call", datetime(2025, 1, 1, tzinfo=UTC)),
    ChannelConsent("sms", datetime(2025, 1, 1, tzinfo=UTC)),
)


def local(day: str, hhmm: str = "10:00", tz: str = EASTERN) -> datetime:
    """'2026-04-01', '10:00' in ``tz`` -> the aware UTC instant."""
    d = date.fromisoformat(day)
    h, m = (int(x) for x in hhmm.split(":"))
    return datetime(d.year, d.month, d.day, h, m, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def debtor(tz: str | None = EASTERN, **kw: object) -> Debtor:
    kw.setdefault("consents", CONSENTED)
    kw.setdefault("address", Address("US", "NY" if tz == EASTERN else None))
    return Debtor(timezone=tz, **kw)  # type: ignore[arg-type]


def event(
    at: datetime,
    outcome: str = "no_answer",
    *,
    channel: str = "call",
    debts: Sequence[str] = ("D1",),
    direction: str = "outbound",
    until: date | None = None,
    consent: bool = False,
) -> HistoryEvent:
    return HistoryEvent(
        at,
        channel,
        direction,
        outcome,
        tuple(debts),
        CallConsent(until) if consent or until else None,
    )


def ctx(
    history: Iterable[HistoryEvent] = (),
    *,
    who: Debtor | None = None,
    collector: str = "third_party",
    debts: Sequence[str] = ("D1",),
) -> ComplianceContext:
    return ComplianceContext(
        collector, who or debtor(), tuple(Debt(d) for d in debts), tuple(history)
    )


def propose(
    at: datetime,
    channel: str = "call",
    *,
    debts: Sequence[str] = ("D1",),
    text: str | None = None,
    first: bool = False,
    lang: str = "en",
) -> ProposedContact:
    return ProposedContact(at, channel, tuple(debts), text, first, lang)


def regf(context: ComplianceContext, proposed: ProposedContact) -> ComplianceDecision:
    """Decide under the Reg F pack alone (isolates the federal rules from TCPA and overlays)."""
    return decide(context, proposed, packs=["us_fdcpa_regf"])


def rules(decision: ComplianceDecision) -> set[str]:
    return {v.rule for v in decision.violations}
