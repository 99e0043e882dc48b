"""The single entry point: ``decide(context, proposed) -> ComplianceDecision``.

The runner applies every rule of every applicable pack whose channels include the proposal's channel,
collects every violation (it never stops early) and fails closed: a rule whose check raises produces a
blocking violation that names the rule. When blocked, it searches forward for the first instant at which
the *same* proposal would be allowed, jumping to the lower bounds the violations give (window openings,
local midnights), within a bounded horizon (default 60 days). Invariant: an ``earliest_allowed_at`` it
returns has been evaluated and found allowed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from amicable.compliance.model import (
    ComplianceContext,
    ComplianceDecision,
    ProposedContact,
    Violation,
)
from amicable.compliance.packs import Pack, resolve, select_packs
from amicable.compliance.rules import Evaluation
from amicable.compliance.zones import candidate_zones
from amicable.domain.clock import ensure_utc
from amicable.domain.errors import InvalidInput

__all__ = ["DEFAULT_HORIZON", "decide", "evaluate"]

DEFAULT_HORIZON = timedelta(days=60)
#: Step used when a violation gives no hint of when it could clear.
_FALLBACK_STEP = timedelta(minutes=15)
_MAX_STEPS = 20_000


def evaluate(
    context: ComplianceContext, proposed: ProposedContact, packs: Sequence[Pack]
) -> tuple[Violation, ...]:
    """Every violation of every rule of ``packs`` for this proposal (no search)."""
    ev = Evaluation(context, proposed, candidate_zones(context.debtor))
    channel = proposed.channel
    found: list[Violation] = []
    for pack in packs:
        for rule in pack.rules:
            if channel not in rule.channels:
                continue
            try:
                found.extend(rule.check(rule, ev))
            except Exception as exc:  # fail closed: any bug in a rule blocks the contact
                found.append(
                    Violation(
                        rule.id,
                        f"rule {rule.id} failed ({type(exc).__name__}: {exc}); the contact is blocked",
                        rule.citation,
                        permanent=True,
                    )
                )
    return tuple(found)


def decide(
    context: ComplianceContext,
    proposed: ProposedContact,
    *,
    packs: Sequence[str | Pack] | None = None,
    horizon: timedelta = DEFAULT_HORIZON,
) -> ComplianceDecision:
    """Decide whether ``proposed`` may be made, with every reason, and when it could be made."""
    at = ensure_utc(proposed.at)
    if at != proposed.at or proposed.at.tzinfo is not at.tzinfo:
        proposed = proposed.moved_to(at)
    if proposed.channel not in ("call", "voicemail", "sms", "whatsapp", "email", "letter", "chat"):
        raise InvalidInput(f"unknown channel {proposed.channel!r}")
    chosen = select_packs(context) if packs is None else resolve(packs)
    pack_ids = tuple(p.id for p in chosen)
    violations = evaluate(context, proposed, chosen)
    if not violations:
        return ComplianceDecision(True, (), at, pack_ids)
    return ComplianceDecision(
        False, violations, _earliest(context, proposed, chosen, violations, horizon), pack_ids
    )


def _earliest(
    context: ComplianceContext,
    proposed: ProposedContact,
    packs: Sequence[Pack],
    violations: tuple[Violation, ...],
    horizon: timedelta,
) -> datetime | None:
    start = proposed.at
    limit = start + horizon
    t = start
    current = violations
    for _ in range(_MAX_STEPS):
        if any(v.permanent for v in current):
            return None
        hints = [v.retry_at for v in current if v.retry_at is not None]
        if len(hints) < len(current):
            hints.append(t + _FALLBACK_STEP)
        # Every hint is a lower bound for its violation to clear; all must clear, so take the max.
        t = max(max(hints), t + timedelta(seconds=1))
        if t > limit:
            return None
        current = evaluate(context, proposed.moved_to(t), packs)
        if not current:
            return t
    return None
