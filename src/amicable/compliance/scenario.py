"""The dry-run scenario format (``amicable compliance check``): JSON in, context + proposal out.

Strict: an unknown field anywhere is an error naming its path (``debtor.adress``); a wrong type or
value names its path too; every problem found is reported at once. Missing optional fields take the
defaults documented in ``docs/compliance.md`` — the most protective reading where a choice exists
(collector ``third_party``, debtor ``consumer``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from typing import Any, TypeVar

from amicable.compliance.content import LANGUAGES
from amicable.compliance.model import (
    CHANNELS,
    COLLECTOR_TYPES,
    DEBTOR_TYPES,
    OUTCOMES,
    WEEKDAYS,
    Address,
    CallConsent,
    ChannelConsent,
    ComplianceContext,
    Debt,
    Debtor,
    HistoryEvent,
    InconvenientTime,
    ProposedContact,
)
from amicable.domain.clock import ensure_utc
from amicable.domain.errors import InvalidScenario

__all__ = ["parse_scenario"]

T = TypeVar("T")


class _Reader:
    """Collects every problem with its path instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def obj(
        self,
        value: Any,
        path: str,
        fields: set[str],
        required: frozenset[str] | set[str] = frozenset(),
    ) -> dict[str, Any]:
        if value is None:
            value = {}
        if not isinstance(value, Mapping):
            self.fail(path, "must be an object")
            return {}
        for key in value:
            if key not in fields:
                self.fail(f"{path}.{key}" if path else key, "unknown field")
        for key in sorted(required):
            if value.get(key) is None:
                self.fail(f"{path}.{key}" if path else key, "is required")
        return dict(value)

    def lst(self, value: Any, path: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(path, "must be a list")
            return []
        return value

    def boolean(self, value: Any, path: str, default: bool = False) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(path, "must be true or false")
            return default
        return value

    def text(self, value: Any, path: str) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            self.fail(path, "must be a string")
            return None
        return value

    def choice(
        self, value: Any, path: str, allowed: tuple[str, ...], default: str | None = None
    ) -> str:
        if value is None and default is not None:
            return default
        if value not in allowed:
            self.fail(path, f"{value!r} is not one of {list(allowed)}")
            return allowed[0]
        return str(value)

    def convert(self, value: Any, path: str, fn: Callable[[str], T], what: str) -> T | None:
        if value is None:
            return None
        try:
            if not isinstance(value, str):
                raise ValueError
            return fn(value)
        except ValueError:
            self.fail(path, f"{value!r} is not {what}")
            return None


def _instant(raw: str) -> datetime:
    parsed = datetime.fromisoformat(raw)
    if parsed.tzinfo is None:
        raise ValueError
    return ensure_utc(parsed)


def _hhmm(raw: str) -> time:
    hours, minutes = raw.split(":")
    return time(int(hours), int(minutes))


_INSTANT = "an ISO-8601 instant with a zone (e.g. 2026-04-08T15:00:00Z)"


def parse_scenario(data: Any) -> tuple[ComplianceContext, ProposedContact]:
    """Validate a scenario (parsed JSON) and build the context and the proposal.

    Raises :class:`InvalidScenario` listing every problem, each with its field path.
    """
    r = _Reader()
    top = r.obj(data, "", {"collector", "debtor", "debts", "history", "proposed"}, {"proposed"})

    collector = r.obj(top.get("collector"), "collector", {"type"})
    collector_type = r.choice(
        collector.get("type"), "collector.type", COLLECTOR_TYPES, "third_party"
    )

    debtor = _debtor(r, top.get("debtor"))

    debts: list[Debt] = []
    for i, raw in enumerate(r.lst(top.get("debts"), "debts")):
        p = f"debts[{i}]"
        d = r.obj(raw, p, {"id", "consumer", "delinquent_since", "time_barred"}, {"id"})
        debts.append(
            Debt(
                id=r.text(d.get("id"), f"{p}.id") or f"#{i}",
                consumer=r.boolean(d.get("consumer"), f"{p}.consumer", True),
                delinquent_since=r.convert(
                    d.get("delinquent_since"),
                    f"{p}.delinquent_since",
                    date.fromisoformat,
                    "a date YYYY-MM-DD",
                ),
                time_barred=r.boolean(d.get("time_barred"), f"{p}.time_barred"),
            )
        )
    known_debts = {d.id for d in debts}

    def debt_ids(value: Any, path: str) -> tuple[str, ...]:
        ids = []
        for j, item in enumerate(r.lst(value, path)):
            if not isinstance(item, str):
                r.fail(f"{path}[{j}]", "must be a string")
            elif known_debts and item not in known_debts:
                r.fail(f"{path}[{j}]", f"unknown debt {item!r} (not in debts)")
            else:
                ids.append(item)
        return tuple(ids)

    history: list[HistoryEvent] = []
    fields = {"at", "channel", "direction", "outcome", "debt_ids", "consent_to_call"}
    for i, raw in enumerate(r.lst(top.get("history"), "history")):
        p = f"history[{i}]"
        e = r.obj(raw, p, fields, {"at", "channel", "outcome"})
        consent = None
        if e.get("consent_to_call") is not None:
            c = r.obj(e.get("consent_to_call"), f"{p}.consent_to_call", {"until"})
            until = r.convert(
                c.get("until"),
                f"{p}.consent_to_call.until",
                date.fromisoformat,
                "a date YYYY-MM-DD",
            )
            consent = CallConsent(until)
        at = r.convert(e.get("at"), f"{p}.at", _instant, _INSTANT)
        history.append(
            HistoryEvent(
                at=at or datetime.fromtimestamp(0).astimezone(),
                channel=r.choice(e.get("channel"), f"{p}.channel", CHANNELS),
                direction=r.choice(
                    e.get("direction"), f"{p}.direction", ("outbound", "inbound"), "outbound"
                ),
                outcome=r.choice(e.get("outcome"), f"{p}.outcome", OUTCOMES),
                debt_ids=debt_ids(e.get("debt_ids"), f"{p}.debt_ids"),
                consent_to_call=consent,
            )
        )

    fields = {"at", "channel", "debt_ids", "text", "first_communication", "lang", "automated"}
    pr = r.obj(top.get("proposed"), "proposed", fields, {"at", "channel"})
    proposed_at = r.convert(pr.get("at"), "proposed.at", _instant, _INSTANT)
    proposed = ProposedContact(
        at=proposed_at or datetime.fromtimestamp(0).astimezone(),
        channel=r.choice(pr.get("channel"), "proposed.channel", CHANNELS),
        debt_ids=debt_ids(pr.get("debt_ids"), "proposed.debt_ids"),
        text=r.text(pr.get("text"), "proposed.text"),
        first_communication=r.boolean(
            pr.get("first_communication"), "proposed.first_communication"
        ),
        lang=r.choice(pr.get("lang"), "proposed.lang", LANGUAGES, "en"),
        # The dry run describes a contact; unless it says it is automated (AI voice, autodialer,
        # automated text) it is one placed by a person, so the TCPA consent rule does not apply.
        automated=r.boolean(pr.get("automated"), "proposed.automated"),
    )
    if r.problems:
        raise InvalidScenario("invalid scenario: " + "; ".join(r.problems))
    return ComplianceContext(collector_type, debtor, tuple(debts), tuple(history)), proposed


def _debtor(r: _Reader, raw: Any) -> Debtor:
    fields = {
        "type", "address", "phones", "timezone", "inconvenient_times", "cease", "opt_outs", "consents",
        "attorney", "bankruptcy", "vulnerable", "mental_capacity_concern",
    }  # fmt: skip
    d = r.obj(raw, "debtor", fields)
    a = r.obj(d.get("address"), "debtor.address", {"country", "region", "postal_code"})
    address = Address(
        country=r.text(a.get("country"), "debtor.address.country"),
        region=r.text(a.get("region"), "debtor.address.region"),
        postal_code=r.text(a.get("postal_code"), "debtor.address.postal_code"),
    )
    phones = []
    for i, phone in enumerate(r.lst(d.get("phones"), "debtor.phones")):
        if not isinstance(phone, str) or not phone.startswith("+") or not phone[1:].isdigit():
            r.fail(f"debtor.phones[{i}]", f"{phone!r} is not an E.164 number (+ and digits)")
        else:
            phones.append(phone)
    timezone = r.text(d.get("timezone"), "debtor.timezone")
    if timezone is not None:
        try:
            from zoneinfo import ZoneInfo

            ZoneInfo(timezone)
        except (ValueError, KeyError, OSError):
            r.fail("debtor.timezone", f"{timezone!r} is not an IANA time zone")
            timezone = None
    slots = []
    for i, raw_slot in enumerate(r.lst(d.get("inconvenient_times"), "debtor.inconvenient_times")):
        p = f"debtor.inconvenient_times[{i}]"
        s = r.obj(raw_slot, p, {"days", "from", "to"})
        days_raw = s.get("days")
        days = frozenset(range(7)) if days_raw is None else frozenset(
            WEEKDAYS.index(r.choice(day, f"{p}.days[{j}]", WEEKDAYS)) for j, day in enumerate(r.lst(days_raw, f"{p}.days"))
        )  # fmt: skip
        start = r.convert(s.get("from"), f"{p}.from", _hhmm, "a time HH:MM")
        end = r.convert(s.get("to"), f"{p}.to", _hhmm, "a time HH:MM")
        if start is not None and end is not None and end <= start:
            r.fail(p, "'to' must be after 'from'")
        slots.append(InconvenientTime(days, start, end))
    opt_outs = frozenset(
        r.choice(c, f"debtor.opt_outs[{i}]", CHANNELS)
        for i, c in enumerate(r.lst(d.get("opt_outs"), "debtor.opt_outs"))
    )
    consents = []
    for i, raw_c in enumerate(r.lst(d.get("consents"), "debtor.consents")):
        p = f"debtor.consents[{i}]"
        c = r.obj(raw_c, p, {"channel", "given_at", "revoked_at"}, {"channel", "given_at"})
        given = r.convert(c.get("given_at"), f"{p}.given_at", _instant, _INSTANT)
        consents.append(
            ChannelConsent(
                channel=r.choice(c.get("channel"), f"{p}.channel", CHANNELS),
                given_at=given or datetime.fromtimestamp(0).astimezone(),
                revoked_at=r.convert(c.get("revoked_at"), f"{p}.revoked_at", _instant, _INSTANT),
            )
        )
    return Debtor(
        type=r.choice(d.get("type"), "debtor.type", DEBTOR_TYPES, "consumer"),
        address=address,
        phones=tuple(phones),
        timezone=timezone,
        inconvenient_times=tuple(slots),
        cease=r.boolean(d.get("cease"), "debtor.cease"),
        opt_outs=opt_outs,
        consents=tuple(consents),
        attorney=r.boolean(d.get("attorney"), "debtor.attorney"),
        bankruptcy=r.boolean(d.get("bankruptcy"), "debtor.bankruptcy"),
        vulnerable=r.boolean(d.get("vulnerable"), "debtor.vulnerable"),
        mental_capacity_concern=r.boolean(
            d.get("mental_capacity_concern"), "debtor.mental_capacity_concern"
        ),
    )
