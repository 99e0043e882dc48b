"""Wire forms of the policy engine: the ``amicable offers --json`` document, offer parsing for
``amicable offers check``, and the difference between two policy files.

Invariants
----------
* :func:`offers_report` returns exactly ``{"policy_version", "segment", "action", "bounds",
  "recommended", "ladder", "reasons"}``; an OFFER is exactly ``{"kind", "total", "currency",
  "down_payment", "installments", "discount", "requires_approval"}`` with amounts as strings and
  ``installments`` listing every payment in date order (down payment first), summing to ``total``.
* :func:`parse_offer` refuses JSON numbers for money, unknown keys, bad dates and a currency other
  than the account's, naming every bad field by its path; it does not judge the policy — the gate
  does.
* Everything here is pure: the caller supplies the facts and the as-of date.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from amicable.domain.errors import InvalidInput, InvalidMoney, InvalidPolicy
from amicable.domain.money import Currency, Money, currency
from amicable.policy.evaluate import Limit, OfferSpace, evaluate
from amicable.policy.facts import AccountFacts
from amicable.policy.gate import check
from amicable.policy.load import parse_yaml
from amicable.policy.model import Frequency, Policy
from amicable.policy.offer import Offer, OfferKind, Payment
from amicable.policy.optimise import (
    AffordabilityModel,
    OfferValue,
    Optimisation,
    RiskPort,
    optimise,
)

__all__ = [
    "bounds_json",
    "breakdown_json",
    "check_report",
    "diff_policies",
    "offer_json",
    "offers_report",
    "parse_offer",
    "report_from",
]

_OFFER_KEYS = frozenset(
    {
        "kind",
        "total",
        "currency",
        "down_payment",
        "installments",
        "discount",
        "requires_approval",
        "frequency",
    }
)


def offer_json(offer: Offer, *, requires_approval: bool) -> dict[str, Any]:
    """The OFFER wire shape of the issue (amounts as strings)."""
    return {
        "kind": offer.kind.value,
        "total": offer.total.amount_str(),
        "currency": offer.total.code,
        "down_payment": offer.down_payment.amount_str() if offer.down_payment is not None else None,
        "installments": [
            {"due_date": p.due_date.isoformat(), "amount": p.amount.amount_str()}
            for p in offer.payments
        ],
        "discount": offer.discount.amount_str(),
        "requires_approval": requires_approval,
    }


def _limit(limit: Limit[Any] | None) -> dict[str, Any] | None:
    if limit is None:
        return None
    value = limit.value
    if isinstance(value, Money):
        shown: Any = value.amount_str()
    elif isinstance(value, Decimal):
        shown = f"{value:f}"
    elif isinstance(value, tuple):
        shown = [v.value if isinstance(v, Frequency) else v for v in value]
    else:
        shown = value
    return {"value": shown, "rule": limit.rule}


def bounds_json(space: OfferSpace) -> dict[str, Any]:
    """Every bound of the offer space with the rule it came from."""
    s, p, a = space.settlement, space.plan, space.approval
    return {
        "balance": space.balance.amount_str(),
        "currency": space.balance.code,
        "pay_in_full_within_days": _limit(space.pay_in_full_within_days),
        "settlement": None
        if s is None
        else {
            "max_discount_pct": _limit(s.max_discount_pct),
            "pay_within_days": _limit(s.pay_within_days),
        },
        "plan": None
        if p is None
        else {
            "installments_min": _limit(p.installments_min),
            "installments_max": _limit(p.installments_max),
            "frequencies": _limit(p.frequencies),
            "max_term_days": _limit(p.max_term_days),
            "first_due_within_days": _limit(p.first_due_within_days),
            "down_payment_min_pct": _limit(p.down_payment_min_pct),
            "min_installment": _limit(p.min_installment),
            "waive_late_fees": _limit(p.waive_late_fees),
        },
        "approval": {
            "always": _limit(a.always),
            "balance_above": _limit(a.balance_above),
            "installments_above": _limit(a.installments_above),
            "discount_pct_above": _limit(a.discount_pct_above),
        },
    }


def offers_report(
    policy: Policy,
    facts: AccountFacts,
    *,
    as_of: date,
    risk: RiskPort | None = None,
    model: AffordabilityModel | None = None,
) -> dict[str, Any]:
    """The ``amicable offers ACCOUNT --json`` document for one account."""
    space = evaluate(policy, facts, as_of=as_of)
    result = optimise(policy, space, facts, risk=risk, model=model)
    return report_from(space, result)


def report_from(space: OfferSpace, result: Optimisation) -> dict[str, Any]:
    """The offers document from an already computed space and optimisation."""

    def one(value: OfferValue) -> dict[str, Any]:
        return offer_json(value.offer, requires_approval=value.requires_approval)

    reasons = [r.to_json() for r in space.reasons]
    reasons += [{"code": "condition_held", "message": c.detail} for c in space.matched]
    if space.negotiable:
        reasons += [r.to_json() for r in result.reasons]
    return {
        "policy_version": space.policy_version,
        "segment": space.segment,
        "action": space.action.value,
        "bounds": bounds_json(space),
        "recommended": one(result.recommended) if result.recommended is not None else None,
        "ladder": [one(v) for v in result.ladder],
        "reasons": reasons,
    }


def breakdown_json(result: Optimisation) -> dict[str, Any]:
    """Every candidate's valuation (the numbers behind the recommendation)."""
    return {
        "probability_of_payment": f"{result.probability:.4f}",
        "agency_value": result.agency_value.amount_str(),
        "write_off_value": result.write_off_value.amount_str(),
        "candidates": [v.to_json() for v in result.candidates],
    }


def _amount(value: object, path: str, cur: Currency, errors: list[str]) -> Money | None:
    if not isinstance(value, str):
        errors.append(f'{path}: amounts are strings like "60.00", got {type(value).__name__}')
        return None
    try:
        return Money.of(value, cur)
    except InvalidMoney as exc:
        errors.append(f"{path}: {exc}")
        return None


def parse_offer(obj: object, account_currency: str | Currency) -> Offer:
    """An OFFER JSON object -> :class:`Offer` in ``account_currency``; raises ``InvalidInput``
    naming every bad field."""
    cur = currency(account_currency)
    if not isinstance(obj, dict):
        raise InvalidInput(f"an offer must be a JSON object, got {type(obj).__name__}")
    errors: list[str] = [f"{k}: unknown key" for k in obj if k not in _OFFER_KEYS]
    for key in ("kind", "total", "installments"):
        if key not in obj:
            errors.append(f"{key}: is required")
    kind = None
    if "kind" in obj:
        try:
            kind = OfferKind(obj["kind"])
        except ValueError:
            errors.append(f"kind: {obj['kind']!r} is not one of full, settlement, plan")
    if "currency" in obj and obj["currency"] != cur.code:
        errors.append(f"currency: the offer is in {obj['currency']!r}, the account in {cur.code}")
    total = _amount(obj["total"], "total", cur, errors) if "total" in obj else None
    discount = _amount(obj.get("discount", "0"), "discount", cur, errors)
    down = obj.get("down_payment")
    down_payment = _amount(down, "down_payment", cur, errors) if down is not None else None
    frequency = None
    if obj.get("frequency") is not None:
        try:
            frequency = Frequency(obj["frequency"])
        except ValueError:
            errors.append(f"frequency: {obj['frequency']!r} is not weekly, biweekly or monthly")
    payments: list[Payment] = []
    raw = obj.get("installments", [])
    if not isinstance(raw, list):
        errors.append("installments: must be a list")
        raw = []
    for i, item in enumerate(raw):
        path = f"installments[{i}]"
        if not isinstance(item, dict) or set(item) != {"due_date", "amount"}:
            errors.append(f'{path}: must be {{"due_date": "YYYY-MM-DD", "amount": "…"}}')
            continue
        amount = _amount(item["amount"], f"{path}.amount", cur, errors)
        try:
            due = (
                date.fromisoformat(item["due_date"]) if isinstance(item["due_date"], str) else None
            )
        except ValueError:
            due = None
        if due is None:
            errors.append(f"{path}.due_date: {item['due_date']!r} is not a YYYY-MM-DD date")
        if amount is not None and due is not None:
            payments.append(Payment(due, amount))
    if errors or kind is None or total is None or discount is None:
        raise InvalidInput("invalid offer: " + "; ".join(errors))
    return Offer(kind, total, tuple(payments), discount, down_payment, frequency)


def check_report(space: OfferSpace, offer: Offer) -> dict[str, Any]:
    """The ``amicable offers check --json`` document: the gate's decision on one offer."""
    decision = check(space, offer)
    return {
        "policy_version": space.policy_version,
        "segment": space.segment,
        "action": space.action.value,
        **{k: v for k, v in decision.to_json().items() if k != "policy_version"},
    }


def _flatten(data: object, path: str, out: dict[str, object]) -> None:
    if isinstance(data, dict):
        for key, value in data.items():
            _flatten(value, f"{path}.{key}" if path else str(key), out)
    elif isinstance(data, list):
        names = [s.get("name") for s in data if isinstance(s, dict)]
        by_name = path == "segments" and len(names) == len(data) and len(set(names)) == len(names)
        for i, value in enumerate(data):
            label = f"{path}[{value['name']}]" if by_name else f"{path}[{i}]"
            _flatten(value, label, out)
        if not data:
            out[path] = []
    else:
        out[path] = data


def diff_policies(a_text: str, b_text: str) -> list[str]:
    """What changed from policy text ``a`` to ``b``, one line per changed path (segments keyed by
    name): ``"~ path: old -> new"``, ``"+ path: value"``, ``"- path: value"``."""
    flat: list[dict[str, object]] = []
    for label, text in (("A", a_text), ("B", b_text)):
        data, problems = parse_yaml(text)
        if data is None and problems:
            raise InvalidPolicy(f"policy {label} is not readable: {problems[0]}", tuple(problems))
        out: dict[str, object] = {}
        _flatten(data, "", out)
        flat.append(out)
    a, b = flat
    lines: list[str] = []
    for path in sorted(set(a) | set(b)):
        if path not in b:
            lines.append(f"- {path}: {a[path]!r}")
        elif path not in a:
            lines.append(f"+ {path}: {b[path]!r}")
        elif a[path] != b[path] or type(a[path]) is not type(b[path]):
            lines.append(f"~ {path}: {a[path]!r} -> {b[path]!r}")
    return lines
