"""Policy what-if: replay the organisation's overdue portfolio under a proposed policy and under the
policy in force, and compare expected recovery, agreements and escalations (``amicable policy
whatif``).

One set of rules, the agent's own:

* the accounts are every customer with an open overdue balance as of the date (a positive open
  amount due before it), read in bulk the way the agent loop reads them and turned into the
  policy's facts by :func:`amicable.service.queries.facts_of` and
  :func:`amicable.service.policies.policy_facts` (the single mapping);
* per account and policy, :func:`amicable.policy.evaluate.evaluate` gives the segment and action and
  :func:`amicable.policy.optimise.optimise` the opening offer the agent would make (the same calls
  the conversation makes); the vectorised planner (:func:`amicable.strategy.portfolio.plan_portfolio`
  on :func:`amicable.service.planning.portfolio_facts`, with the final notices already sent read
  from the attempts) gives the next action. The planner does not enumerate offers, so it is used
  only for the action;
* P(pays) is the stored risk model's when one was trained (``amicable risk train``), else the
  optimiser's documented heuristic; it does not depend on the policy, so it is computed once per
  account and used under both policies.

Figures, per account under one policy:

* **expected recovery** = Σ over the opening offer's payments of ``amount_minor × P(paid)``
  (``P(paid)`` is the optimiser's per-payment probability: affordability × survival × discount
  boost), computed exactly in ``Decimal`` and rounded once per account to a whole minor unit,
  half-even; the portfolio totals are sums of those integers per currency. No offer (the policy
  holds or escalates, or nothing fits) → 0;
* **P(accept)** = expected recovery / the offer's total (the amount-weighted P(paid): the chance
  the debtor takes the offer up and pays it), a ``Decimal`` rounded half-even to 6 places;
  **agreements** = Σ P(accept), printed with 4 places;
* **needs a person** (one escalation per account) when the policy's action is ``escalate`` (a
  segment that says so, no segment, or a currency the segment does not cover), the planner
  escalates (follow-up ended), the planner's next action is a final notice (always approved by a
  person), or the opening offer itself needs approval (beyond the agent's authority).

Invariants: nothing is written — the unit of work is never committed and the policy in force is
read, not stored (before any version exists the packaged default is used and labelled so); an
invalid proposed file is refused with every problem before anything is read; the clock is not read.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Final, Protocol

import polars as pl
import yaml

from amicable.domain.errors import InvalidPolicy
from amicable.domain.money import Money
from amicable.policy.evaluate import evaluate
from amicable.policy.facts import AccountFacts
from amicable.policy.load import Problem, default_policy_text, load_policy, validate_text
from amicable.policy.model import Action as PolicyAction
from amicable.policy.model import Policy
from amicable.policy.optimise import OfferValue, RiskPort, optimise
from amicable.service.planning import PlanningUnitOfWork, portfolio_facts
from amicable.service.policies import policy_facts
from amicable.service.queries import facts_of
from amicable.service.risk_queries import load_risk_estimator
from amicable.service.runtime_ports import FINAL_NOTICE_SETTLED, RuntimeUnitOfWork
from amicable.service.strategy_ports import StrategyUnitOfWork
from amicable.strategy.portfolio import plan_portfolio

__all__ = [
    "AccountOutcome",
    "WhatIfUnitOfWork",
    "line_of",
    "located_problems",
    "proposed_policy",
    "what_if",
]

#: Default number of changed accounts listed (largest balances first).
TOP: Final = 20
_PLACES: Final = Decimal("0.000001")


class WhatIfUnitOfWork(PlanningUnitOfWork, StrategyUnitOfWork, RuntimeUnitOfWork, Protocol):
    """Ledger, policies, planning read, the stored risk model and the attempts."""


def line_of(text: str, path: str) -> int | None:
    """The 1-based line of ``path`` (``segments[2].terms.plan.installments.min``) in YAML ``text``:
    the deepest part of the path that exists (None when the text does not parse)."""
    try:
        node: yaml.Node | None = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            index = int(part[1:-1])
            if not isinstance(node, yaml.SequenceNode) or index >= len(node.value):
                break
            node = node.value[index]
            line = node.start_mark.line + 1
        else:
            if not isinstance(node, yaml.MappingNode):
                break
            found = next((kv for kv in node.value if kv[0].value == part), None)
            if found is None:
                break
            line = found[0].start_mark.line + 1
            node = found[1]
    return line


def located_problems(text: str, problems: Iterable[Problem]) -> list[dict[str, Any]]:
    """Each problem as ``{"line", "path", "message"}`` (``line`` None when it cannot be placed)."""
    return [
        {"line": line_of(text, p.path) if p.path else None, "path": p.path, "message": p.message}
        for p in problems
    ]


def proposed_policy(text: str, *, source: str) -> Policy:
    """Validate ``text`` like ``policy validate``; raise :class:`InvalidPolicy` (every problem,
    each message starting ``<source>: line N: <path>``) when it does not validate."""
    problems = validate_text(text)
    if problems:
        located = [
            dataclasses.replace(
                p,
                message=f"{source}: line {item['line']}: {p.path or '<file>'}: {p.message}"
                if item["line"] is not None
                else f"{source}: {p.path or '<file>'}: {p.message}",
            )
            for p, item in zip(problems, located_problems(text, problems), strict=True)
        ]
        raise InvalidPolicy(
            f"{source}: the proposed policy has {len(problems)} problem(s); nothing was compared",
            tuple(located),
        )
    return load_policy(text)


@dataclass(frozen=True, slots=True)
class AccountOutcome:
    """One account under one policy."""

    segment: str | None
    action: str
    next_action: str
    offer: OfferValue | None
    currency: str
    recovery_minor: int
    p_accept: Decimal
    needs_person: tuple[str, ...]

    def signature(self) -> tuple[Any, ...]:
        o = self.offer
        shape = None
        if o is not None:
            of = o.offer
            shape = (
                of.kind,
                of.total,
                of.discount,
                of.down_payment,
                len(of.installments),
                of.frequency,
                o.requires_approval,
            )
        return (self.segment, self.action, self.next_action, shape, self.needs_person)

    def to_json(self) -> dict[str, Any]:
        o = self.offer
        return {
            "segment": self.segment,
            "action": self.action,
            "next_action": self.next_action,
            "offer": None
            if o is None
            else {
                "kind": o.offer.kind.value,
                "total": o.offer.total.amount_str(),
                "discount": o.offer.discount.amount_str(),
                "down_payment": None
                if o.offer.down_payment is None
                else o.offer.down_payment.amount_str(),
                "installments": len(o.offer.installments),
                "frequency": None if o.offer.frequency is None else o.offer.frequency.value,
                "requires_approval": o.requires_approval,
            },
            "expected_recovery": Money.from_minor(self.recovery_minor, self.currency).amount_str(),
            "p_accept": f"{self.p_accept:.4f}",
            "needs_person": list(self.needs_person),
        }


def _describe(o: AccountOutcome) -> str:
    if o.offer is None:
        return "no offer"
    of = o.offer.offer
    text = f"{of.kind.value} {of.total}"
    if of.discount.is_positive():
        text += f" ({of.discount.amount_str()} off)"
    if of.kind.value == "plan":
        freq = of.frequency.value if of.frequency else "?"
        down = f" after {of.down_payment.amount_str()} down" if of.down_payment else ""
        text += f", {len(of.installments)} {freq} installments{down}"
    if o.offer.requires_approval:
        text += " [needs approval]"
    return text


def _why(cur: AccountOutcome, new: AccountOutcome) -> list[str]:
    why: list[str] = []
    if cur.segment != new.segment:
        why.append(f"segment {cur.segment} -> {new.segment}")
    if cur.action != new.action:
        why.append(f"policy action {cur.action} -> {new.action}")
    if cur.next_action != new.next_action:
        why.append(f"next action {cur.next_action} -> {new.next_action}")
    if _describe(cur) != _describe(new):
        why.append(f"opening offer {_describe(cur)} -> {_describe(new)}")
    if cur.needs_person != new.needs_person:
        before = ", ".join(cur.needs_person) or "none"
        after = ", ".join(new.needs_person) or "none"
        why.append(f"needs a person: {before} -> {after}")
    return why


def _outcome(policy: Policy, facts: AccountFacts, as_of: date, next_action: str) -> AccountOutcome:
    space = evaluate(policy, facts, as_of=as_of)
    best = optimise(policy, space, facts).recommended if space.negotiable else None
    recovery = Decimal(0)
    if best is not None:
        recovery = sum(
            (Decimal(p.amount.minor) * p.probability for p in best.payments), Decimal(0)
        ).to_integral_value(rounding=ROUND_HALF_EVEN)
    p_accept = Decimal(0)
    if best is not None and best.offer.total.is_positive():
        p_accept = (recovery / best.offer.total.minor).quantize(_PLACES, rounding=ROUND_HALF_EVEN)
    person: list[str] = []
    if space.action is PolicyAction.ESCALATE:
        person.append("policy_escalate")
    elif next_action == "escalate":
        person.append("follow_up_ended")
    if next_action == "final_notice":
        person.append("final_notice_needs_approval")
    if best is not None and best.requires_approval:
        person.append("offer_needs_approval")
    return AccountOutcome(
        space.segment,
        space.action.value,
        next_action,
        best,
        facts.currency,
        int(recovery),
        p_accept,
        tuple(person),
    )


@dataclass
class _Tally:
    accounts: int = 0
    recovery: dict[str, int] = dataclasses.field(default_factory=lambda: defaultdict(int))
    agreements: Decimal = Decimal(0)
    escalations: int = 0

    def add(self, code: str, o: AccountOutcome) -> None:
        self.accounts += 1
        self.recovery[code] += o.recovery_minor
        self.agreements += o.p_accept
        self.escalations += 1 if o.needs_person else 0

    def money(self) -> dict[str, str]:
        return {c: Money.from_minor(m, c).amount_str() for c, m in sorted(self.recovery.items())}

    def to_json(self, label: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {} if label is None else {"policy": label}
        out.update(
            accounts=self.accounts,
            expected_recovery=self.money(),
            agreements=float(self.agreements.quantize(Decimal("0.0001"), ROUND_HALF_EVEN)),
            escalations=self.escalations,
        )
        return out


def _difference(cur: _Tally, new: _Tally) -> dict[str, Any]:
    codes = sorted(set(cur.recovery) | set(new.recovery))
    return {
        "expected_recovery": {
            c: Money.from_minor(new.recovery.get(c, 0) - cur.recovery.get(c, 0), c).amount_str()
            for c in codes
        },
        "agreements": float(
            (new.agreements - cur.agreements).quantize(Decimal("0.0001"), ROUND_HALF_EVEN)
        ),
        "escalations": new.escalations - cur.escalations,
    }


def _in_force(uow: WhatIfUnitOfWork) -> tuple[Policy, str]:
    stored = uow.policies.latest()
    if stored is None:  # read, never store: a what-if writes nothing
        policy = load_policy(default_policy_text())
        return policy, f"{policy.version} (packaged default, not stored yet)"
    label = f"{stored.label}#{stored.version}"
    return dataclasses.replace(load_policy(stored.yaml), version=label), label


def _next_actions(
    uow: WhatIfUnitOfWork, as_of: date, policies: tuple[Policy, Policy]
) -> tuple[dict[str, str], dict[str, str]]:
    frame = portfolio_facts(uow, as_of)
    # sent or settled, or waiting for a person (the planner asks for neither again); a blocked or
    # failed one is still owed
    sent = {
        a.customer_id
        for a in uow.runtime.attempts(actions=("final_notice",))
        if a.status in FINAL_NOTICE_SETTLED or a.status == "needs_approval"
    }
    frame = frame.with_columns(pl.col("customer_id").is_in(sorted(sent)).alias("final_notice_sent"))
    # The planner needs an instant for the contact window; the action does not depend on it.
    now = datetime.combine(as_of, time(12), tzinfo=UTC)
    out: list[dict[str, str]] = []
    for policy in policies:
        plan = plan_portfolio(frame, policy, as_of=as_of, now=now)
        out.append(dict(zip(plan["account"].to_list(), plan["next_action"].to_list(), strict=True)))
    return out[0], out[1]


def what_if(
    uow: WhatIfUnitOfWork,
    proposed: Policy,
    *,
    as_of: date,
    proposed_label: str | None = None,
    top: int = TOP,
) -> dict[str, Any]:
    """The what-if document (shape in ``docs/policy.md``); reads only, commits nothing."""
    with uow:
        current, current_label = _in_force(uow)
        estimator = load_risk_estimator(uow)
        risk: RiskPort | None = estimator
        refs = uow.reports.customer_refs()
        invoices: dict[int, list[Any]] = defaultdict(list)
        for inv in uow.reports.invoice_balances(as_of):
            if inv.open_minor != 0:
                invoices[inv.customer_id].append(inv)
        overdue = sorted(
            (
                cid
                for cid, invs in invoices.items()
                if any(i.open_minor > 0 and i.due_date < as_of for i in invs)
            ),
            key=lambda c: refs[c].external_id,
        )
        unallocated: dict[int, dict[str, int]] = defaultdict(dict)
        for (cid, code), minor in uow.reports.unallocated(as_of).items():
            unallocated[cid][code] = minor
        settled = uow.reports.settlements(overdue, as_of) if overdue else {}
        rows = uow.ledger.customers([refs[c].external_id for c in overdue])
        actions_cur, actions_new = _next_actions(uow, as_of, (current, proposed))
        # Leaving the unit of work uncommitted rolls it back: nothing is written.

    totals = (_Tally(), _Tally())
    segments: dict[str, tuple[_Tally, _Tally]] = {}
    changed: list[tuple[Money, str, AccountOutcome, AccountOutcome]] = []
    for cid in overdue:
        ref = refs[cid]
        ledger = facts_of(
            ref,
            rows[ref.external_id].customer,
            invoices[cid],
            unallocated.get(cid, {}),
            settled.get(cid, []),
            as_of,
        )[0]
        facts = policy_facts(ledger)
        if facts is None:
            continue  # overdue invoices offset by credits: nothing is owed
        if risk is not None:
            p = risk.probability_of_payment(facts)
            facts = dataclasses.replace(facts, probability_of_payment=p)
        key = ref.external_id
        cur = _outcome(current, facts, as_of, actions_cur.get(key, "hold"))
        new = _outcome(proposed, facts, as_of, actions_new.get(key, "hold"))
        code = facts.currency
        totals[0].add(code, cur)
        totals[1].add(code, new)
        for i, o in enumerate((cur, new)):
            name = o.segment if o.segment is not None else "(none)"
            segments.setdefault(name, (_Tally(), _Tally()))[i].add(code, o)
        if cur.signature() != new.signature():
            changed.append((facts.balance, key, cur, new))

    changed.sort(key=lambda c: (-c[0].amount, c[0].code, c[1]))
    proposed_name = proposed_label or str(proposed.version)
    return {
        "as_of": as_of.isoformat(),
        "accounts": totals[0].accounts,
        "probabilities": "heuristic" if estimator is None else "model",
        "current": totals[0].to_json(current_label),
        "proposed": totals[1].to_json(proposed_name),
        "difference": _difference(*totals),
        "by_segment": [
            {
                "segment": name,
                "current": pair[0].to_json(),
                "proposed": pair[1].to_json(),
                "difference": _difference(*pair),
            }
            for name, pair in sorted(segments.items())
        ],
        "changed_accounts": len(changed),
        "changed": [
            {
                "account": key,
                "balance": balance.amount_str(),
                "currency": balance.code,
                "current": cur.to_json(),
                "proposed": new.to_json(),
                "why": _why(cur, new),
            }
            for balance, key, cur, new in changed[: max(0, top)]
        ],
    }
