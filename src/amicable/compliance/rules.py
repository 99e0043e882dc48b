"""Rule kinds: the plugins packs are made of, in one dispatch table keyed by kind.

A rule in a pack names a ``kind``, its parameters and a citation. Loading a pack *compiles* every
rule: the kind's ``prepare`` validates and converts the parameters once (so the hot path never
re-parses anything), and the resulting :class:`Rule` carries the kind's ``check`` function.

``check(rule, ev)`` looks at one :class:`Evaluation` (context + proposal + candidate zones) and returns
the violations it finds (an empty list when satisfied). Invariants every check keeps:

* pure: no I/O, no wall clock; time comes from ``ev.proposed.at``;
* a violation that waiting cannot clear is ``permanent``; otherwise its ``retry_at`` is a lower bound
  of when it could clear (the earliest-allowed search relies on this to jump safely);
* only history at or before the proposed instant is looked at.

The runner (``engine.decide``) turns a raising check into a blocking violation naming the rule.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from amicable.compliance.content import CONTENT_CHECKS, ContentFacts, check_content
from amicable.compliance.model import (
    CHANNELS,
    OUTCOMES,
    TELEPHONE_CHANNELS,
    WEEKDAYS,
    ComplianceContext,
    HistoryEvent,
    ProposedContact,
    Violation,
)
from amicable.domain.errors import InvalidPolicy

__all__ = ["RULE_KINDS", "Evaluation", "Rule", "RuleKind", "compile_rule", "medium"]

Check = Callable[["Rule", "Evaluation"], list[Violation]]
Prepare = Callable[[Mapping[str, Any], str], Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class RuleKind:
    """One plugin: what its parameters are (with defaults) and how it checks a proposal."""

    name: str
    summary: str
    defaults: Mapping[str, Any]
    prepare: Prepare
    check: Check


@dataclass(frozen=True, slots=True)
class Rule:
    """A compiled rule of a pack: id, kind, channels it governs, prepared parameters, citation."""

    id: str
    kind: str
    title: str
    citation: str
    channels: frozenset[str]
    params: Mapping[str, Any]
    raw_params: Mapping[str, Any]
    check: Check


class Evaluation:
    """One proposal under evaluation, with values several rules need computed once."""

    __slots__ = ("_debt_ids", "any_call_consent", "ctx", "past", "proposed", "zones")

    def __init__(
        self, ctx: ComplianceContext, proposed: ProposedContact, zones: tuple[ZoneInfo, ...]
    ) -> None:
        self.ctx = ctx
        self.proposed = proposed
        self.zones = zones
        at = proposed.at
        self.past = tuple(e for e in ctx.history if e.at <= at)
        # Most accounts never gave call-back consent: skip the consent scan for them.
        self.any_call_consent = any(e.consent_to_call is not None for e in self.past)
        # A proposal naming no debt is treated as about every debt (the conservative reading).
        self._debt_ids = proposed.debt_ids or tuple(d.id for d in ctx.debts) or ("*",)

    @property
    def debt_ids(self) -> tuple[str, ...]:
        return self._debt_ids


def medium(channel: str) -> str:
    """The medium of communication (§1006.14(h)): call and voicemail are both the telephone."""
    return "telephone" if channel in TELEPHONE_CHANNELS else channel


def _about(event: HistoryEvent, debt_id: str) -> bool:
    # An event naming no debt counts toward every debt (conservative: never under-counts).
    return not event.debt_ids or debt_id in event.debt_ids or debt_id == "*"


def _midnight_after(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=tz).astimezone(UTC)


def _local_date(at: datetime, tz: ZoneInfo) -> date:
    return at.astimezone(tz).date()


def _hhmm(value: Any, where: str) -> time:
    try:
        hours, minutes = str(value).split(":")
        return time(int(hours), int(minutes))
    except (ValueError, TypeError):
        raise InvalidPolicy(f"{where}: {value!r} is not a time HH:MM") from None


def _int(value: Any, where: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidPolicy(f"{where}: {value!r} is not an integer >= {minimum}")
    return value


def _strs(value: Any, allowed: tuple[str, ...], where: str) -> frozenset[str]:
    if not isinstance(value, list) or any(v not in allowed for v in value):
        raise InvalidPolicy(f"{where}: {value!r} must be a list drawn from {list(allowed)}")
    return frozenset(value)


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidPolicy(f"{where}: {value!r} is not true/false")
    return value


def _no_params(params: Mapping[str, Any], where: str) -> Mapping[str, Any]:
    return params


# ---------------------------------------------------------------- contact window (local hours)


def _prepare_window(p: Mapping[str, Any], where: str) -> Mapping[str, Any]:
    days = _strs(p["days"], WEEKDAYS, f"{where}.days")
    return {
        "start": _hhmm(p["start"], f"{where}.start"),
        "end": _hhmm(p["end"], f"{where}.end"),
        "days": frozenset(WEEKDAYS.index(d) for d in days),
    }


def _next_opening(local: datetime, start: time, days: frozenset[int], tz: ZoneInfo) -> datetime:
    for offset in range(8):
        day = local.date() + timedelta(days=offset)
        if day.weekday() in days:
            opening = datetime.combine(day, start, tzinfo=tz)
            if opening > local:
                return opening.astimezone(UTC)
    return _midnight_after(local.date() + timedelta(days=7), tz)


def _check_window(rule: Rule, ev: Evaluation) -> list[Violation]:
    if not ev.zones:
        return [
            Violation(
                rule.id,
                "the debtor's location (time zone) cannot be determined from timezone, phones or "
                "address; contact is blocked until it is known",
                rule.citation,
                permanent=True,
            )
        ]
    start, end, days = rule.params["start"], rule.params["end"], rule.params["days"]
    out: list[Violation] = []
    for tz in ev.zones:
        local = ev.proposed.at.astimezone(tz)
        clock = local.time().replace(tzinfo=None)
        if local.weekday() in days and start <= clock < end:
            continue
        out.append(
            Violation(
                rule.id,
                f"{local:%a %H:%M} in {tz.key} is outside the permitted hours "
                f"{start:%H:%M}-{end:%H:%M} local time"
                + (" (all candidate zones must be convenient)" if len(ev.zones) > 1 else ""),
                rule.citation,
                retry_at=_next_opening(local, start, days, tz),
            )
        )
    return out


# ------------------------------------------------- consumer-designated inconvenient times


def _prepare_reply(p: Mapping[str, Any], where: str) -> Mapping[str, Any]:
    return {
        "reply_once_same_medium": _bool(
            p["reply_once_same_medium"], f"{where}.reply_once_same_medium"
        )
    }


def _replying_once(ev: Evaluation, since: datetime | None = None) -> bool:
    """The consumer's latest inbound message on this medium has not been answered on it yet."""
    med = medium(ev.proposed.channel)
    last_inbound: HistoryEvent | None = None
    for event in reversed(ev.past):
        if medium(event.channel) != med:
            continue
        if event.direction == "outbound":
            return False
        last_inbound = event
        break
    if last_inbound is None:
        return False
    return since is None or last_inbound.at >= since


def _check_designated(rule: Rule, ev: Evaluation) -> list[Violation]:
    out: list[Violation] = []
    for tz in ev.zones:
        local = ev.proposed.at.astimezone(tz)
        for slot in ev.ctx.debtor.inconvenient_times:
            if not slot.covers(local):
                continue
            slot_start = datetime.combine(local.date(), slot.start or time(0, 0), tzinfo=tz)
            # Comment 6(b)(1)-2: a consumer who writes in during a blocked slot may be answered once,
            # by the same medium, within that slot.
            if rule.params["reply_once_same_medium"] and _replying_once(ev, since=slot_start):
                continue
            if slot.end is None:
                retry = _midnight_after(local.date(), tz)
            else:
                retry = datetime.combine(local.date(), slot.end, tzinfo=tz).astimezone(UTC)
            out.append(
                Violation(
                    rule.id,
                    f"{local:%a %H:%M} in {tz.key} falls in a time the debtor designated as inconvenient",
                    rule.citation,
                    retry_at=retry,
                )
            )
            break
    return out


# --------------------------------------------------- call frequency (7-in-7) and cool-down


def _prepare_frequency(p: Mapping[str, Any], where: str) -> Mapping[str, Any]:
    return {
        "max_calls": _int(p["max_calls"], f"{where}.max_calls", 1),
        "window_days": _int(p["window_days"], f"{where}.window_days", 1),
        "counted_outcomes": _strs(p["counted_outcomes"], OUTCOMES, f"{where}.counted_outcomes"),
        "consent_days": _int(p["consent_days"], f"{where}.consent_days", 0),
    }


def _prepare_cooldown(p: Mapping[str, Any], where: str) -> Mapping[str, Any]:
    return {
        "days": _int(p["days"], f"{where}.days", 1),
        "consent_days": _int(p["consent_days"], f"{where}.consent_days", 0),
    }


def _is_conversation(event: HistoryEvent) -> bool:
    return event.channel == "call" and event.outcome == "conversation"


def _consented(ev: Evaluation, debt_id: str, at: datetime, tz: ZoneInfo, consent_days: int) -> bool:
    """§1006.14(b)(3)(i): a call placed within the prior-consent period does not count.

    The period starts on the day the consent was received (day 1), lasts at most ``consent_days``
    days, ends earlier on the date the debtor named, and ends at the next telephone conversation about
    the debt.
    """
    if consent_days == 0 or not ev.any_call_consent:
        return False
    day = _local_date(at, tz)
    for i, event in enumerate(ev.past):
        consent = event.consent_to_call
        if consent is None or event.at > at or not _about(event, debt_id):
            continue
        first = _local_date(event.at, tz)
        last = first + timedelta(days=consent_days - 1)
        if consent.until is not None:
            last = min(last, consent.until)
        if not first <= day <= last:
            continue
        ended = any(
            _is_conversation(later) and _about(later, debt_id) and event.at < later.at < at
            for later in ev.past[i + 1 :]
        )
        if not ended:
            return True
    return False


def _countable_call(event: HistoryEvent, outcomes: frozenset[str]) -> bool:
    return (
        event.direction == "outbound"
        and event.channel in TELEPHONE_CHANNELS
        and event.outcome in outcomes
    )


def _check_frequency(rule: Rule, ev: Evaluation) -> list[Violation]:
    p = rule.params
    limit, window, outcomes, consent_days = (
        p["max_calls"], p["window_days"], p["counted_outcomes"], p["consent_days"]
    )  # fmt: skip
    out: list[Violation] = []
    for debt_id in ev.debt_ids:
        for tz in ev.zones:
            if _consented(ev, debt_id, ev.proposed.at, tz, consent_days):
                continue
            today = _local_date(ev.proposed.at, tz)
            first_day = today - timedelta(days=window - 1)
            counted: list[date] = []
            for event in ev.past:
                if not _countable_call(event, outcomes) or not _about(event, debt_id):
                    continue
                day = _local_date(event.at, tz)
                if first_day <= day <= today and not _consented(
                    ev, debt_id, event.at, tz, consent_days
                ):
                    counted.append(day)
            if len(counted) + 1 <= limit:
                continue
            counted.sort()
            # The proposal fits once enough of the oldest calls have left the rolling window.
            oldest_to_drop = counted[len(counted) - limit]
            out.append(
                Violation(
                    rule.id,
                    f"debt {debt_id}: {len(counted)} calls already placed in the {window} days ending "
                    f"{today.isoformat()} ({tz.key}); another would exceed {limit}",
                    rule.citation,
                    retry_at=_midnight_after(oldest_to_drop + timedelta(days=window - 1), tz),
                )
            )
            break
    return out


def _check_cooldown(rule: Rule, ev: Evaluation) -> list[Violation]:
    p = rule.params
    days, consent_days = p["days"], p["consent_days"]
    out: list[Violation] = []
    for debt_id in ev.debt_ids:
        for tz in ev.zones:
            if _consented(ev, debt_id, ev.proposed.at, tz, consent_days):
                continue
            today = _local_date(ev.proposed.at, tz)
            latest: date | None = None
            for event in ev.past:
                if _is_conversation(event) and _about(event, debt_id):
                    latest = _local_date(event.at, tz)
            if latest is None or today > latest + timedelta(days=days - 1):
                continue
            out.append(
                Violation(
                    rule.id,
                    f"debt {debt_id}: a telephone conversation took place on {latest.isoformat()} "
                    f"({tz.key}); no call about this debt until {(latest + timedelta(days=days)).isoformat()}",
                    rule.citation,
                    retry_at=_midnight_after(latest + timedelta(days=days - 1), tz),
                )
            )
            break
    return out


# ----------------------------------------------------------- contact caps (state, house)


def _prepare_cap(p: Mapping[str, Any], where: str) -> Mapping[str, Any]:
    return {
        "max": _int(p["max"], f"{where}.max", 1),
        "window_days": _int(p["window_days"], f"{where}.window_days", 1),
        "counted_channels": _strs(p["counted_channels"], CHANNELS, f"{where}.counted_channels"),
        "counted_outcomes": _strs(p["counted_outcomes"], OUTCOMES, f"{where}.counted_outcomes"),
        "per_debt": _bool(p["per_debt"], f"{where}.per_debt"),
        "except_reply": _bool(p["except_reply"], f"{where}.except_reply"),
    }


def _check_cap(rule: Rule, ev: Evaluation) -> list[Violation]:
    p = rule.params
    if p["except_reply"] and _replying_once(ev):
        return []
    limit, window = p["max"], p["window_days"]
    chans, outcomes = p["counted_channels"], p["counted_outcomes"]
    scopes = ev.debt_ids if p["per_debt"] else ("*",)
    out: list[Violation] = []
    for debt_id in scopes:
        for tz in ev.zones:
            today = _local_date(ev.proposed.at, tz)
            first_day = today - timedelta(days=window - 1)
            counted = sorted(
                day
                for event in ev.past
                if event.direction == "outbound"
                and event.channel in chans
                and event.outcome in outcomes
                and _about(event, debt_id)
                and first_day <= (day := _local_date(event.at, tz)) <= today
            )
            if len(counted) + 1 <= limit:
                continue
            oldest_to_drop = counted[len(counted) - limit]
            scope = f"debt {debt_id}: " if p["per_debt"] else ""
            out.append(
                Violation(
                    rule.id,
                    f"{scope}{len(counted)} contacts already in the {window} day(s) ending "
                    f"{today.isoformat()} ({tz.key}); the cap is {limit}",
                    rule.citation,
                    retry_at=_midnight_after(oldest_to_drop + timedelta(days=window - 1), tz),
                )
            )
            break
    return out


# ------------------------------------------------------------------- stops and consents


def _check_cease(rule: Rule, ev: Evaluation) -> list[Violation]:
    if not ev.ctx.debtor.cease:
        return []
    return [
        Violation(
            rule.id, "the debtor asked that communication cease", rule.citation, permanent=True
        )
    ]


def _check_opt_out(rule: Rule, ev: Evaluation) -> list[Violation]:
    opted = {medium(c) for c in ev.ctx.debtor.opt_outs}
    if medium(ev.proposed.channel) not in opted:
        return []
    if rule.params["reply_once_same_medium"] and _replying_once(ev):
        return []
    return [
        Violation(
            rule.id,
            f"the debtor asked not to be contacted by {ev.proposed.channel}",
            rule.citation,
            permanent=True,
        )
    ]


def _check_attorney(rule: Rule, ev: Evaluation) -> list[Violation]:
    if not ev.ctx.debtor.attorney:
        return []
    if rule.params["reply_once_same_medium"] and _replying_once(ev):
        return []
    return [
        Violation(
            rule.id,
            "the debtor is represented by an attorney; communicate with the attorney instead",
            rule.citation,
            permanent=True,
        )
    ]


def _check_bankruptcy(rule: Rule, ev: Evaluation) -> list[Violation]:
    if not ev.ctx.debtor.bankruptcy:
        return []
    return [
        Violation(
            rule.id,
            "the debtor is in bankruptcy; collection is stayed",
            rule.citation,
            permanent=True,
        )
    ]


def _check_vulnerability(rule: Rule, ev: Evaluation) -> list[Violation]:
    debtor = ev.ctx.debtor
    reasons = []
    if debtor.mental_capacity_concern:
        reasons.append("a mental-capacity concern has been raised")
    if debtor.vulnerable and rule.params["pause_on_vulnerability"]:
        reasons.append("the customer is known or suspected to be vulnerable")
    if not reasons:
        return []
    return [
        Violation(
            rule.id,
            "; ".join(reasons) + "; recovery is paused for specialist review",
            rule.citation,
            permanent=True,
        )
    ]


def _prepare_vulnerability(p: Mapping[str, Any], where: str) -> Mapping[str, Any]:
    return {
        "pause_on_vulnerability": _bool(
            p["pause_on_vulnerability"], f"{where}.pause_on_vulnerability"
        )
    }


def _consent_channels(channel: str) -> frozenset[str]:
    return (
        frozenset({"call", "voicemail"}) if channel in TELEPHONE_CHANNELS else frozenset({channel})
    )


def _check_tcpa(rule: Rule, ev: Evaluation) -> list[Violation]:
    if not ev.proposed.automated:
        # A call dialled and spoken by a person is outside 227(b)'s consent requirement.
        return []
    at = ev.proposed.at
    accepted = _consent_channels(ev.proposed.channel)
    future: list[datetime] = []
    for consent in ev.ctx.debtor.consents:
        if consent.channel not in accepted:
            continue
        if consent.active_at(at):
            return []
        if consent.given_at > at and consent.revoked_at is None:
            future.append(consent.given_at)
    kind = (
        "an artificial (AI) voice"
        if ev.proposed.channel in TELEPHONE_CHANNELS
        else "automated texts"
    )
    return [
        Violation(
            rule.id,
            f"no active prior express consent for {ev.proposed.channel} ({kind} to a possibly mobile "
            "number); consent may be revoked by any reasonable means",
            rule.citation,
            permanent=not future,
            retry_at=min(future) if future else None,
        )
    ]


# ------------------------------------------------------------------------ content rules


def _prepare_content(p: Mapping[str, Any], where: str) -> Mapping[str, Any]:
    return {"checks": _strs(p["checks"], CONTENT_CHECKS, f"{where}.checks")}


def _check_content(rule: Rule, ev: Evaluation) -> list[Violation]:
    proposed = ev.proposed
    if proposed.text is None:
        # Content is checked when the text exists; a timing-only dry run has none.
        return []
    ctx = ev.ctx
    debts = [d for d in ctx.debts if not proposed.debt_ids or d.id in proposed.debt_ids]
    facts = ContentFacts(
        third_party_collector=ctx.collector_type == "third_party",
        consumer=ctx.debtor.type == "consumer",
        time_barred=any(d.time_barred for d in debts),
        attorney_involved=False,
        uk_consumer=(ctx.debtor.address.country or "").upper() == "GB",
        checks=rule.params["checks"],
    )
    found = check_content(
        proposed.text,
        lang=proposed.lang,
        channel=proposed.channel,
        first_communication=proposed.first_communication,
        facts=facts,
    )
    return [Violation(rule.id, v.message, v.citation, permanent=True) for v in found]


def _check_information(rule: Rule, ev: Evaluation) -> list[Violation]:
    # Information the agent may state (rates, fixed compensation): never blocks a contact.
    return []


def _kind(
    name: str, summary: str, check: Check, prepare: Prepare = _no_params, **defaults: Any
) -> RuleKind:
    return RuleKind(name, summary, MappingProxyType(dict(defaults)), prepare, check)


_COUNTED = ["conversation", "no_answer", "voicemail"]
RULE_KINDS: Mapping[str, RuleKind] = MappingProxyType(
    {
        k.name: k
        for k in (
            _kind("contact_window", "only between start and end local time, on the listed days, in "
                  "every candidate zone", _check_window, _prepare_window,
                  start="08:00", end="21:00", days=list(WEEKDAYS)),
            _kind("designated_inconvenient_times", "not at times the debtor designated as "
                  "inconvenient; one same-medium reply to a debtor who writes in at such a time",
                  _check_designated, _prepare_reply, reply_once_same_medium=True),
            _kind("call_frequency", "at most max_calls countable calls per debt in any window_days "
                  "consecutive local days, calls under prior consent excluded", _check_frequency,
                  _prepare_frequency, max_calls=7, window_days=7, counted_outcomes=_COUNTED,
                  consent_days=7),
            _kind("conversation_cooldown", "no call about a debt for days local days after a "
                  "telephone conversation about it (its date is day 1)", _check_cooldown,
                  _prepare_cooldown, days=7, consent_days=7),
            _kind("contact_cap", "at most max outbound contacts (counted channels and outcomes) in "
                  "any window_days local days, per debt or per debtor", _check_cap, _prepare_cap,
                  max=2, window_days=7, counted_channels=["call", "voicemail", "sms"],
                  counted_outcomes=["conversation", "no_answer", "voicemail", "delivered"],
                  per_debt=True, except_reply=False),
            _kind("cease_communication", "no contact after a cease request", _check_cease),
            _kind("channel_opt_out", "not through a medium the debtor opted out of; one same-medium "
                  "reply to a debtor who writes in on it", _check_opt_out, _prepare_reply,
                  reply_once_same_medium=True),
            _kind("attorney_representation", "not with a debtor represented by an attorney (one "
                  "reply to a debtor-initiated message)", _check_attorney, _prepare_reply,
                  reply_once_same_medium=True),
            _kind("bankruptcy_stay", "no collection contact during bankruptcy", _check_bankruptcy),
            _kind("vulnerability_pause", "pause on mental-capacity concern (and vulnerability if "
                  "configured)", _check_vulnerability, _prepare_vulnerability,
                  pause_on_vulnerability=True),
            _kind("prior_express_consent", "automated or artificial-voice calls and texts need active "
                  "prior express consent for the channel", _check_tcpa),
            _kind("content", "the message text passes the listed content checks", _check_content,
                  _prepare_content, checks=list(CONTENT_CHECKS)),
            _kind("information", "information the agent may state; never blocks", _check_information),
        )
    }
)  # fmt: skip


def compile_rule(raw: Mapping[str, Any], where: str) -> Rule:
    """Validate one rule entry of a pack and compile it (parameters prepared once)."""
    known = {"id", "kind", "title", "citation", "channels", "params"}
    problems = [f"{where}.{key}: unknown field" for key in raw if key not in known]
    problems += [f"{where}.{key}: required" for key in ("id", "kind", "citation") if key not in raw]
    if problems:
        raise InvalidPolicy("; ".join(problems))
    kind = RULE_KINDS.get(str(raw["kind"]))
    if kind is None:
        raise InvalidPolicy(
            f"{where}.kind: unknown rule kind {raw['kind']!r}; known: {sorted(RULE_KINDS)}"
        )
    given = raw.get("params") or {}
    if not isinstance(given, Mapping):
        raise InvalidPolicy(f"{where}.params: must be a mapping")
    if kind.name == "information":
        merged: dict[str, Any] = dict(given)
    else:
        unknown = [k for k in given if k not in kind.defaults]
        if unknown:
            raise InvalidPolicy(
                f"{where}.params: unknown parameter(s) {unknown} for kind {kind.name}"
            )
        merged = {**kind.defaults, **given}
    channels = _strs(raw.get("channels", list(CHANNELS)), CHANNELS, f"{where}.channels")
    return Rule(
        id=str(raw["id"]),
        kind=kind.name,
        title=str(raw.get("title", kind.summary)),
        citation=str(raw["citation"]),
        channels=channels,
        params=MappingProxyType(dict(kind.prepare(merged, f"{where}.params"))),
        raw_params=MappingProxyType(merged),
        check=kind.check,
    )
