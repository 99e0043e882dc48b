"""Shared builders for the policy engine tests: policy documents as dicts, facts, strategies.

Policies are built as plain dicts, dumped to YAML and loaded through the real loader, so every
test also exercises validation.
"""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from typing import Any

import yaml
from hypothesis import strategies as st

from amicable.domain.money import Money
from amicable.policy.facts import AccountFacts
from amicable.policy.load import load_policy
from amicable.policy.model import Policy

AS_OF = date(2026, 11, 20)  # a Friday

STANDARD_TERMS: dict[str, Any] = {
    "settlement": {"max_discount_pct": "5", "pay_within_days": 10},
    "plan": {
        "down_payment_min_pct": "10",
        "installments": {"min": 2, "max": 6},
        "frequencies": ["weekly", "biweekly", "monthly"],
        "max_term_days": 180,
        "min_installment": "50.00",
        "first_due_within_days": 14,
        "waive_late_fees": True,
    },
    "approval_required_above": {"balance": "10000", "installments": 4, "discount_pct": "3"},
}


def policy_doc(terms: dict[str, Any] | None = None, **segment: Any) -> dict[str, Any]:
    """A one-segment negotiate policy (plus nothing else) as a dict."""
    seg: dict[str, Any] = {"name": "only", "action": "negotiate"}
    seg["terms"] = copy.deepcopy(STANDARD_TERMS if terms is None else terms)
    seg.update(segment)
    return {"version": "t1", "currency": "USD", "segments": [seg]}


def load_doc(doc: dict[str, Any]) -> Policy:
    return load_policy(yaml.safe_dump(doc, sort_keys=False))


def facts(balance: str = "1200.00", days_past_due: int = 45, **kw: Any) -> AccountFacts:
    code = kw.pop("currency", "USD")
    return AccountFacts(balance=Money.of(balance, code), days_past_due=days_past_due, **kw)


_MIN_PERIOD = {"weekly": 7, "biweekly": 14, "monthly": 28}


@st.composite
def terms_dicts(draw: st.DrawFn) -> dict[str, Any]:
    """Random valid negotiate terms (feasible by construction)."""
    freqs = draw(
        st.lists(
            st.sampled_from(["weekly", "biweekly", "monthly"]), min_size=1, max_size=3, unique=True
        )
    )
    lo = draw(st.integers(1, 4))
    hi = draw(st.integers(lo, 10))
    down = draw(st.sampled_from(["0", "5", "10", "12.5", "25"]))
    periods = lo if Decimal(down) > 0 else lo - 1
    need = periods * min(_MIN_PERIOD[f] for f in freqs)
    term = draw(st.integers(max(need, 1), 400))
    terms: dict[str, Any] = {
        "plan": {
            "down_payment_min_pct": down,
            "installments": {"min": lo, "max": hi},
            "frequencies": freqs,
            "max_term_days": term,
            "first_due_within_days": draw(st.integers(0, min(term, 30))),
            "min_installment": draw(st.sampled_from(["0", "10.00", "50.00", "200.00"])),
        }
    }
    if draw(st.booleans()):
        terms["settlement"] = {
            "max_discount_pct": draw(st.sampled_from(["0", "1", "2.5", "5", "10", "30"])),
            "pay_within_days": draw(st.integers(0, 30)),
        }
    if draw(st.booleans()):
        terms["approval_required_above"] = {
            "installments": draw(st.integers(0, 8)),
            "discount_pct": draw(st.sampled_from(["0", "2", "5"])),
        }
    return terms


def stricter(terms: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    """A copy of ``terms`` that allows no more than ``terms`` does (every bound tightened or kept)."""
    out = copy.deepcopy(terms)
    plan = out["plan"]
    plan["frequencies"] = data.draw(
        st.lists(st.sampled_from(plan["frequencies"]), min_size=1, unique=True)
    )
    lo, hi = plan["installments"]["min"], plan["installments"]["max"]
    new_lo = data.draw(st.integers(lo, hi))
    plan["installments"] = {"min": new_lo, "max": data.draw(st.integers(new_lo, hi))}
    plan["down_payment_min_pct"] = str(
        Decimal(plan["down_payment_min_pct"]) + data.draw(st.sampled_from([0, 5, 10]))
    )
    periods = new_lo if Decimal(plan["down_payment_min_pct"]) > 0 else new_lo - 1
    need = periods * min(_MIN_PERIOD[f] for f in plan["frequencies"])
    if need > plan["max_term_days"]:  # the tightening made it infeasible: keep the original plan
        return (
            copy.deepcopy(terms)
            if "settlement" not in terms
            else _only_settlement_tightened(terms, data)
        )
    plan["max_term_days"] = data.draw(st.integers(max(need, 1), plan["max_term_days"]))
    plan["first_due_within_days"] = data.draw(
        st.integers(0, min(plan["first_due_within_days"], plan["max_term_days"]))
    )
    plan["min_installment"] = str(
        Decimal(plan["min_installment"]) + data.draw(st.sampled_from([0, 25]))
    )
    if "settlement" in out:
        if data.draw(st.booleans()):
            del out["settlement"]
        else:
            s = out["settlement"]
            s["max_discount_pct"] = str(Decimal(s["max_discount_pct"]) / 2)
            s["pay_within_days"] = data.draw(st.integers(0, s["pay_within_days"]))
    return out


def _only_settlement_tightened(terms: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    out = copy.deepcopy(terms)
    s = out["settlement"]
    s["max_discount_pct"] = str(Decimal(s["max_discount_pct"]) / 2)
    s["pay_within_days"] = data.draw(st.integers(0, s["pay_within_days"]))
    return out


balances = st.integers(1000, 5_000_000).map(lambda minor: Money.from_minor(minor, "USD"))
countries = st.sampled_from([None, "US", "FR", "DE", "GB"])
as_of_dates = st.dates(date(2026, 1, 1), date(2028, 12, 31))
