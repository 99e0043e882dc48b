"""Policy YAML text -> validated :class:`~amicable.policy.model.Policy`, reporting every problem.

Invariants
----------
* Validation never stops at the first problem: :func:`validate_text` returns every
  :class:`Problem` found, each with the location inside the file (``segments[2].terms.plan.
  installments.min``) and a message saying what is wrong.
* :func:`load_policy` returns a policy only when there is no problem at all; otherwise it raises
  :class:`~amicable.domain.errors.InvalidPolicy` carrying all of them. An invalid policy is never
  half-built.
* Money and percentages are written as strings (``"5"``, ``"50.00"``) or integers; YAML floats
  (``5.0``, ``0.10``) are refused because a float is not an exact amount.
* Unknown keys, wrong types, unknown enum values, ``min > max``, percentages above 100, negative
  amounts, unknown currencies, duplicate keys, duplicate segment names, unreachable segments (all
  accounts they match are taken by an earlier one) and overlapping sibling segments (same condition
  keys, intersecting values) are all problems.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from importlib import resources
from typing import Any, TypeVar

import yaml

from amicable.domain.errors import InvalidPolicy
from amicable.domain.money import CURRENCIES, Currency
from amicable.policy.model import (
    AGING_BUCKETS,
    CONDITION_KEYS,
    RISK_BANDS,
    Action,
    ApprovalRules,
    ClearingPart,
    Conditions,
    CustomerType,
    DecimalRange,
    DisputeStatus,
    Economics,
    FeeRules,
    Frequency,
    IntRange,
    LateFee,
    PlanTerms,
    Policy,
    Segment,
    ServicingTerms,
    SettlementTerms,
    Terms,
)

__all__ = [
    "Problem",
    "load_default_policy",
    "load_policy",
    "parse_yaml",
    "validate_text",
]

E = TypeVar("E", bound=StrEnum)

_JURISDICTION = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")
#: Shortest gap of each frequency in days (a month is at least 28 days).
_MIN_PERIOD_DAYS = {Frequency.WEEKLY: 7, Frequency.BIWEEKLY: 14, Frequency.MONTHLY: 28}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a policy file: where (``path``) and what (``message``)."""

    path: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}

    def __str__(self) -> str:
        return f"{self.path or '<file>'}: {self.message}"


class _DuplicateKeyLoader(yaml.SafeLoader):
    """A safe loader that records duplicate mapping keys instead of silently keeping the last."""

    duplicates: list[tuple[int, str]]


def _construct_mapping(loader: _DuplicateKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, Hashable) and key in seen:
            loader.duplicates.append((key_node.start_mark.line + 1, str(key)))
        if isinstance(key, Hashable):
            seen.add(key)
    return dict(loader.construct_mapping(node, deep=True))


_DuplicateKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


def parse_yaml(text: str) -> tuple[object, list[Problem]]:
    """YAML text -> plain data, with problems for syntax errors and duplicate keys."""
    try:
        # The reader checks every character when it is built (NUL and other controls raise).
        loader = _DuplicateKeyLoader(text)
    except yaml.YAMLError as exc:
        return None, [Problem("", f"not valid YAML: {getattr(exc, 'reason', None) or exc}")]
    loader.duplicates = []
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        return None, [Problem("", f"not valid YAML: {where}{problem}")]
    finally:
        loader.dispose()
    problems = [
        Problem("", f"line {line}: key {key!r} appears more than once")
        for line, key in loader.duplicates
    ]
    return data, problems


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _type_name(value: object) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a float",
        str: "a string",
        list: "a list",
        dict: "a mapping",
        type(None): "empty",
    }.get(type(value), type(value).__name__)


class _Reader:
    """Typed accessors that record a problem and return ``None`` instead of raising."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def mapping(
        self, value: object, path: str, *, allowed: Iterable[str], required: Iterable[str] = ()
    ) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.problem(path, f"must be a mapping, got {_type_name(value)}")
            return None
        allowed_set = set(allowed)
        for key in value:
            if not isinstance(key, str):
                self.problem(_join(path, str(key)), f"key must be a string, got {_type_name(key)}")
            elif key not in allowed_set:
                self.problem(
                    _join(path, key),
                    f"unknown key {key!r}; allowed: {', '.join(sorted(allowed_set))}",
                )
        for key in required:
            if key not in value:
                self.problem(_join(path, key), "is required")
        return {k: v for k, v in value.items() if isinstance(k, str) and k in allowed_set}

    def string(self, value: object, path: str) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.problem(path, f"must be a non-empty string, got {_type_name(value)}")
            return None
        return value.strip()

    def boolean(self, value: object, path: str) -> bool | None:
        if not isinstance(value, bool):
            self.problem(path, f"must be true or false, got {_type_name(value)}")
            return None
        return value

    def integer(self, value: object, path: str, *, minimum: int = 0) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(path, f"must be a whole number, got {_type_name(value)}")
            return None
        if value < minimum:
            self.problem(path, f"must be at least {minimum}, got {value}")
            return None
        return value

    def decimal(
        self,
        value: object,
        path: str,
        *,
        pct: bool = False,
        money: Currency | None = None,
        maximum: Decimal | None = None,
        signed: bool = False,
    ) -> Decimal | None:
        if isinstance(value, float):
            self.problem(
                path,
                f"write the number as a string ({_quote(value)}), not the float {value!r}: "
                "a float is not an exact amount",
            )
            return None
        if isinstance(value, bool) or not isinstance(value, (int, str, Decimal)):
            self.problem(path, f"must be a number written as a string, got {_type_name(value)}")
            return None
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            self.problem(path, f"{value!r} is not a number")
            return None
        if not number.is_finite():
            self.problem(path, f"{value!r} is not a finite number")
            return None
        if number < 0 and not signed:
            self.problem(path, f"must not be negative, got {value}")
            return None
        if pct and number > 100:
            self.problem(path, f"a percentage must be at most 100, got {value}")
            return None
        if maximum is not None and number > maximum:
            self.problem(path, f"must be at most {maximum}, got {value}")
            return None
        if money is not None and number != number.quantize(money.exponent):
            self.problem(
                path, f"{value} has more decimals than {money.code} allows ({money.minor_units})"
            )
            return None
        return number

    def enum(self, value: object, path: str, kind: type[E]) -> E | None:
        allowed = [member.value for member in kind]
        if not isinstance(value, str) or value not in allowed:
            self.problem(path, f"unknown value {value!r}; allowed: {', '.join(allowed)}")
            return None
        return kind(value)

    def list_of(
        self, value: object, path: str, item: Callable[[object, str], Any]
    ) -> list[Any] | None:
        """A list (a single scalar is read as a one-item list); ``None`` if any item is bad."""
        items = value if isinstance(value, list) else [value]
        if isinstance(value, dict) or not items:
            self.problem(path, f"must be a non-empty list, got {_type_name(value)}")
            return None
        before = len(self.problems)
        out = [
            item(v, _join(path, i) if isinstance(value, list) else path)
            for i, v in enumerate(items)
        ]
        return out if len(self.problems) == before else None


def _quote(value: float) -> str:
    return f'"{Decimal(repr(value)).normalize():f}"'


def _text_item(reader: _Reader) -> Callable[[object, str], str | None]:
    def read(value: object, path: str) -> str | None:
        if isinstance(value, bool):
            reader.problem(
                path,
                f"{value!r} was read as a boolean; quote it (YAML reads NO, yes, on as booleans)",
            )
            return None
        if isinstance(value, int):
            return str(value)
        return reader.string(value, path)

    return read


def _choice_item(reader: _Reader, allowed: tuple[str, ...]) -> Callable[[object, str], Any]:
    def read(value: object, path: str) -> str | None:
        if not isinstance(value, str) or value not in allowed:
            reader.problem(path, f"unknown value {value!r}; allowed: {', '.join(allowed)}")
            return None
        return value

    return read


class _PolicyReader(_Reader):
    def policy(self, data: object) -> Policy | None:
        top = self.mapping(
            data,
            "",
            allowed=("version", "currency", "economics", "segments", "fees", "servicing"),
            required=("version", "currency", "segments"),
        )
        if top is None:
            return None
        version = None
        if "version" in top:
            raw = top["version"]
            version = str(raw) if isinstance(raw, int) and not isinstance(raw, bool) else None
            version = version or self.string(raw, "version")
        cur = self._currency(top["currency"], "currency") if "currency" in top else None
        economics = self._economics(top["economics"]) if "economics" in top else Economics()
        fees = self._fees(top["fees"], cur) if "fees" in top else FeeRules()
        servicing = self._servicing(top["servicing"]) if "servicing" in top else ServicingTerms()
        segments: list[Segment | None] = []
        if "segments" in top:
            raw_segments = top["segments"]
            if not isinstance(raw_segments, list) or not raw_segments:
                self.problem(
                    "segments", f"must be a non-empty list, got {_type_name(raw_segments)}"
                )
            else:
                names: dict[str, int] = {}
                for i, raw_segment in enumerate(raw_segments):
                    path = f"segments[{i}]"
                    segment = self._segment(raw_segment, path, cur)
                    segments.append(segment)
                    if segment is not None:
                        if segment.name in names:
                            self.problem(
                                _join(path, "name"),
                                f"duplicate segment name {segment.name!r} "
                                f"(also segments[{names[segment.name]}])",
                            )
                        names.setdefault(segment.name, i)
                self._reachability([s for s in segments if s is not None])
        if version is None or cur is None or economics is None or fees is None or servicing is None:
            return None
        if not segments or any(s is None for s in segments) or self.problems:
            return None
        return Policy(
            version=version,
            currency=cur,
            segments=tuple(s for s in segments if s is not None),
            economics=economics,
            fees=fees,
            servicing=servicing,
        )

    def _currency(self, value: object, path: str) -> Currency | None:
        if not isinstance(value, str) or value.strip().upper() not in CURRENCIES:
            self.problem(path, f"unknown currency {value!r}: not an active ISO 4217 code")
            return None
        return CURRENCIES[value.strip().upper()]

    def _economics(self, value: object) -> Economics | None:
        path = "economics"
        m = self.mapping(
            value,
            path,
            allowed=(
                "annual_discount_rate",
                "cost_per_contact",
                "external_agency_fee_pct",
                "contacts_per_payment",
            ),
        )
        if m is None:
            return None
        default = Economics()
        before = len(self.problems)
        rate = self.decimal(
            m.get("annual_discount_rate", default.annual_discount_rate),
            _join(path, "annual_discount_rate"),
            maximum=Decimal(1),
        )
        cost = self.decimal(
            m.get("cost_per_contact", default.cost_per_contact), _join(path, "cost_per_contact")
        )
        fee = self.decimal(
            m.get("external_agency_fee_pct", default.external_agency_fee_pct),
            _join(path, "external_agency_fee_pct"),
            pct=True,
        )
        contacts = self.decimal(
            m.get("contacts_per_payment", default.contacts_per_payment),
            _join(path, "contacts_per_payment"),
        )
        if len(self.problems) != before or None in (rate, cost, fee, contacts):
            return None
        assert rate is not None and cost is not None and fee is not None and contacts is not None
        return Economics(rate, cost, fee, contacts)

    def _fees(self, value: object, cur: Currency | None) -> FeeRules | None:
        path = "fees"
        m = self.mapping(
            value,
            path,
            allowed=("late_fee", "eu_b2b_compensation", "statutory_interest", "clearing_order"),
        )
        if m is None:
            return None
        before = len(self.problems)
        late_fee = None
        if "late_fee" in m:
            lp = _join(path, "late_fee")
            lm = self.mapping(m["late_fee"], lp, allowed=("fixed", "pct", "max"))
            if lm is not None:
                fixed = self.decimal(lm.get("fixed", 0), _join(lp, "fixed"), money=cur)
                pct = self.decimal(lm.get("pct", 0), _join(lp, "pct"), pct=True)
                cap = self.decimal(lm["max"], _join(lp, "max"), money=cur) if "max" in lm else None
                if fixed is not None and pct is not None:
                    late_fee = LateFee(fixed, pct, cap)
        compensation = False
        if "eu_b2b_compensation" in m:
            compensation = bool(
                self.boolean(m["eu_b2b_compensation"], _join(path, "eu_b2b_compensation"))
            )
        interest = False
        reference = Decimal(0)
        if "statutory_interest" in m:
            sp = _join(path, "statutory_interest")
            sm = self.mapping(
                m["statutory_interest"],
                sp,
                allowed=("reference_rate_pct",),
                required=("reference_rate_pct",),
            )
            if sm is not None and "reference_rate_pct" in sm:
                ref = self.decimal(
                    sm["reference_rate_pct"], _join(sp, "reference_rate_pct"), pct=True, signed=True
                )
                if ref is not None:
                    interest, reference = True, ref
        order = FeeRules().clearing_order
        if "clearing_order" in m:
            cp = _join(path, "clearing_order")
            parts = self.list_of(
                m["clearing_order"], cp, lambda v, p: self.enum(v, p, ClearingPart)
            )
            if parts is not None:
                if sorted(parts) != sorted(ClearingPart):
                    self.problem(cp, "must name fees, interest and principal each exactly once")
                else:
                    order = tuple(parts)
        if len(self.problems) != before:
            return None
        return FeeRules(late_fee, compensation, interest, reference, order)

    def _servicing(self, value: object) -> ServicingTerms | None:
        path = "servicing"
        default = ServicingTerms()
        m = self.mapping(
            value,
            path,
            allowed=(
                "grace_days",
                "reminder_offsets_days",
                "overdue_reminder_offsets_days",
                "max_renegotiations",
                "max_open_misses",
            ),
        )
        if m is None:
            return None
        before = len(self.problems)
        grace = self.integer(m.get("grace_days", default.grace_days), _join(path, "grace_days"))
        renegotiations = self.integer(
            m.get("max_renegotiations", default.max_renegotiations),
            _join(path, "max_renegotiations"),
        )
        misses = self.integer(
            m.get("max_open_misses", default.max_open_misses),
            _join(path, "max_open_misses"),
            minimum=1,  # zero open misses would break a plan before anything is missed
        )
        before_due = self._offsets(
            m.get("reminder_offsets_days", list(default.reminder_offsets_days)),
            _join(path, "reminder_offsets_days"),
        )
        overdue = self._offsets(
            m.get("overdue_reminder_offsets_days", list(default.overdue_reminder_offsets_days)),
            _join(path, "overdue_reminder_offsets_days"),
        )
        if overdue is not None and grace is not None:
            for i, offset in enumerate(overdue):
                if offset > grace:
                    # After grace the installment is missed: the missed-payment rule speaks.
                    self.problem(
                        _join(_join(path, "overdue_reminder_offsets_days"), i),
                        f"{offset} days after the due date is past grace_days ({grace})",
                    )
        if len(self.problems) != before:
            return None
        assert grace is not None and renegotiations is not None and misses is not None
        assert before_due is not None and overdue is not None
        return ServicingTerms(grace, before_due, overdue, renegotiations, misses)

    def _offsets(self, value: object, path: str) -> tuple[int, ...] | None:
        """A list of distinct day offsets ``>= 0`` (``[]``: none), kept in the file's order."""
        if value == []:
            return ()
        days = self.list_of(value, path, lambda v, p: self.integer(v, p))
        if days is None:
            return None
        seen: set[int] = set()
        for i, day in enumerate(days):
            if day in seen:
                self.problem(_join(path, i), f"{day} appears more than once")
                return None
            seen.add(day)
        return tuple(days)

    def _segment(
        self, value: object, path: str, policy_currency: Currency | None
    ) -> Segment | None:
        m = self.mapping(
            value,
            path,
            allowed=("name", "when", "action", "approval", "terms"),
            required=("name", "action"),
        )
        if m is None:
            return None
        before = len(self.problems)
        name = self.string(m["name"], _join(path, "name")) if "name" in m else None
        action = self.enum(m["action"], _join(path, "action"), Action) if "action" in m else None
        when = (
            self._conditions(m["when"], _join(path, "when"), policy_currency)
            if "when" in m
            else Conditions()
        )
        money_currency = policy_currency
        if when is not None and when.currency is not None and len(when.currency) == 1:
            money_currency = CURRENCIES[next(iter(when.currency))]
        if when is not None and when.balance is not None and money_currency is not None:
            self._check_money_range(when.balance, _join(path, "when.balance"), money_currency)
        approval = False
        if "approval" in m:
            raw = m["approval"]
            if raw not in ("always", "never"):
                self.problem(
                    _join(path, "approval"), f"unknown value {raw!r}; allowed: always, never"
                )
            approval = raw == "always"
        terms = Terms()
        if "terms" in m:
            if action is not None and action is not Action.NEGOTIATE:
                self.problem(
                    _join(path, "terms"),
                    f"terms apply only to negotiate segments, not {action.value}",
                )
            parsed = self._terms(m["terms"], _join(path, "terms"), money_currency)
            terms = parsed if parsed is not None else terms
        if len(self.problems) != before or name is None or action is None or when is None:
            return None
        if money_currency is None:  # the policy currency is invalid: already reported
            return None
        return Segment(name, path, when, action, money_currency, approval, terms)

    def _check_money_range(self, value: DecimalRange, path: str, cur: Currency) -> None:
        for side, number in (("min", value.min), ("max", value.max)):
            if number is not None and number != number.quantize(cur.exponent):
                self.problem(
                    _join(path, side),
                    f"{number} has more decimals than {cur.code} allows ({cur.minor_units})",
                )

    def _int_range(self, value: object, path: str, *, minimum: int = 0) -> IntRange | None:
        m = self.mapping(value, path, allowed=("min", "max"))
        if m is None:
            return None
        if not m:
            self.problem(path, "give min, max or both")
            return None
        lo = self.integer(m["min"], _join(path, "min"), minimum=minimum) if "min" in m else None
        hi = self.integer(m["max"], _join(path, "max"), minimum=minimum) if "max" in m else None
        if ("min" in m and lo is None) or ("max" in m and hi is None):
            return None
        if lo is not None and hi is not None and lo > hi:
            self.problem(path, f"min ({lo}) is greater than max ({hi})")
            return None
        return IntRange(lo, hi)

    def _decimal_range(self, value: object, path: str) -> DecimalRange | None:
        m = self.mapping(value, path, allowed=("min", "max"))
        if m is None:
            return None
        if not m:
            self.problem(path, "give min, max or both")
            return None
        lo = self.decimal(m["min"], _join(path, "min")) if "min" in m else None
        hi = self.decimal(m["max"], _join(path, "max")) if "max" in m else None
        if ("min" in m and lo is None) or ("max" in m and hi is None):
            return None
        if lo is not None and hi is not None and lo > hi:
            self.problem(path, f"min ({lo}) is greater than max ({hi})")
            return None
        return DecimalRange(lo, hi)

    def _conditions(
        self, value: object, path: str, policy_currency: Currency | None
    ) -> Conditions | None:
        m = self.mapping(value, path, allowed=CONDITION_KEYS)
        if m is None:
            return None
        before = len(self.problems)
        out: dict[str, Any] = {}

        def as_set(key: str, item: Callable[[object, str], Any]) -> None:
            if key in m:
                items = self.list_of(m[key], _join(path, key), item)
                if items is not None:
                    out[key] = frozenset(items)

        if "balance" in m:
            out["balance"] = self._decimal_range(m["balance"], _join(path, "balance"))
        for key in ("days_past_due", "broken_promises"):
            if key in m:
                out[key] = self._int_range(m[key], _join(path, key))
        as_set("aging_bucket", _choice_item(self, AGING_BUCKETS))
        as_set("risk_band", _choice_item(self, RISK_BANDS))
        as_set("tier", _text_item(self))
        as_set("tags", _text_item(self))
        as_set("customer_type", lambda v, p: self.enum(v, p, CustomerType))
        as_set("dispute", lambda v, p: self.enum(v, p, DisputeStatus))

        def jurisdiction(v: object, p: str) -> str | None:
            text = _text_item(self)(v, p)
            if text is not None and not _JURISDICTION.match(text):
                self.problem(
                    p, f"{text!r} is not an ISO 3166 country (FR) or country-region (US-CA) code"
                )
                return None
            return text

        as_set("jurisdiction", jurisdiction)

        def currency_item(v: object, p: str) -> str | None:
            found = self._currency(v, p)
            return found.code if found is not None else None

        as_set("currency", currency_item)
        if len(self.problems) != before:
            return None
        return Conditions(**out)

    def _terms(self, value: object, path: str, cur: Currency | None) -> Terms | None:
        m = self.mapping(
            value,
            path,
            allowed=("settlement", "plan", "approval_required_above", "pay_in_full_within_days"),
        )
        if m is None:
            return None
        before = len(self.problems)
        settlement = None
        if "settlement" in m:
            sp = _join(path, "settlement")
            sm = self.mapping(
                m["settlement"],
                sp,
                allowed=("max_discount_pct", "pay_within_days"),
                required=("max_discount_pct", "pay_within_days"),
            )
            if sm is not None and "max_discount_pct" in sm and "pay_within_days" in sm:
                pct = self.decimal(sm["max_discount_pct"], _join(sp, "max_discount_pct"), pct=True)
                days = self.integer(sm["pay_within_days"], _join(sp, "pay_within_days"))
                if pct is not None and days is not None:
                    settlement = SettlementTerms(pct, days)
        plan = self._plan(m["plan"], _join(path, "plan"), cur) if "plan" in m else None
        approval = ApprovalRules()
        if "approval_required_above" in m:
            ap = _join(path, "approval_required_above")
            am = self.mapping(
                m["approval_required_above"],
                ap,
                allowed=("balance", "installments", "discount_pct"),
            )
            if am is not None:
                approval = ApprovalRules(
                    balance=self.decimal(am["balance"], _join(ap, "balance"), money=cur)
                    if "balance" in am
                    else None,
                    installments=self.integer(am["installments"], _join(ap, "installments"))
                    if "installments" in am
                    else None,
                    discount_pct=self.decimal(
                        am["discount_pct"], _join(ap, "discount_pct"), pct=True
                    )
                    if "discount_pct" in am
                    else None,
                )
        full_days = 14
        if "pay_in_full_within_days" in m:
            full_days = (
                self.integer(m["pay_in_full_within_days"], _join(path, "pay_in_full_within_days"))
                or 0
            )
        if len(self.problems) != before:
            return None
        return Terms(settlement, plan, approval, full_days)

    def _plan(self, value: object, path: str, cur: Currency | None) -> PlanTerms | None:
        m = self.mapping(
            value,
            path,
            allowed=(
                "down_payment_min_pct",
                "installments",
                "frequencies",
                "max_term_days",
                "min_installment",
                "first_due_within_days",
                "waive_late_fees",
            ),
            required=("installments", "frequencies", "max_term_days", "first_due_within_days"),
        )
        if m is None:
            return None
        before = len(self.problems)
        installments = (
            self._int_range(m["installments"], _join(path, "installments"), minimum=1)
            if "installments" in m
            else None
        )
        if installments is not None and (installments.min is None or installments.max is None):
            self.problem(_join(path, "installments"), "give both min and max")
        frequencies = (
            self.list_of(
                m["frequencies"],
                _join(path, "frequencies"),
                lambda v, p: self.enum(v, p, Frequency),
            )
            if "frequencies" in m
            else None
        )
        term = (
            self.integer(m["max_term_days"], _join(path, "max_term_days"), minimum=1)
            if "max_term_days" in m
            else None
        )
        first = (
            self.integer(m["first_due_within_days"], _join(path, "first_due_within_days"))
            if "first_due_within_days" in m
            else None
        )
        down = self.decimal(
            m.get("down_payment_min_pct", 0), _join(path, "down_payment_min_pct"), pct=True
        )
        if down is not None and down >= 100:
            self.problem(
                _join(path, "down_payment_min_pct"), "must be below 100 (a plan needs installments)"
            )
        minimum = (
            self.decimal(m["min_installment"], _join(path, "min_installment"), money=cur)
            if "min_installment" in m
            else None
        )
        waive = False
        if "waive_late_fees" in m:
            waive = bool(self.boolean(m["waive_late_fees"], _join(path, "waive_late_fees")))
        if term is not None and first is not None and first > term:
            self.problem(
                _join(path, "first_due_within_days"),
                f"first payment window ({first} days) is longer than max_term_days ({term})",
            )
        if len(self.problems) != before:
            return None
        if installments is None or frequencies is None or term is None or first is None:
            return None  # a required key is missing: reported by mapping()
        assert down is not None and installments.min is not None  # else a problem was recorded
        fastest = min(_MIN_PERIOD_DAYS[f] for f in frequencies)
        periods = installments.min if down > 0 else installments.min - 1
        if periods * fastest > term:
            self.problem(
                _join(path, "installments.min"),
                f"no plan fits: {installments.min} installments need at least {periods * fastest} "
                f"days at the fastest frequency, max_term_days is {term}",
            )
            return None
        return PlanTerms(
            installments=installments,
            frequencies=tuple(dict.fromkeys(frequencies)),
            max_term_days=term,
            first_due_within_days=first,
            down_payment_min_pct=down,
            min_installment=minimum,
            waive_late_fees=waive,
        )

    def _reachability(self, segments: list[Segment]) -> None:
        for j, later in enumerate(segments):
            for earlier in segments[:j]:
                if _implies(later.when, earlier.when):
                    self.problem(
                        later.path,
                        f"unreachable: every account it matches is taken first by {earlier.path} "
                        f"({earlier.name!r})",
                    )
                    break
                if later.when.given() == earlier.when.given() and _intersects(
                    later.when, earlier.when
                ):
                    self.problem(
                        later.path,
                        f"overlaps {earlier.path} ({earlier.name!r}) on "
                        f"{', '.join(later.when.given())}: accounts matching both take "
                        f"{earlier.name!r}; make the ranges or sets disjoint",
                    )
                    break


def _implies(a: Conditions, b: Conditions) -> bool:
    """True when every account satisfying ``a`` also satisfies ``b`` (judged key by key)."""
    for key in b.given():
        mine, theirs = getattr(a, key), getattr(b, key)
        if mine is None:
            return False
        if isinstance(theirs, (IntRange, DecimalRange)):
            if not mine.within(theirs):
                return False
        elif key == "tags":
            if not mine >= theirs:  # carrying all of a's tags implies carrying all of b's
                return False
        elif not mine <= theirs:
            return False
    return True


def _intersects(a: Conditions, b: Conditions) -> bool:
    for key in a.given():
        mine, theirs = getattr(a, key), getattr(b, key)
        if isinstance(mine, (IntRange, DecimalRange)):
            if not mine.intersects(theirs):
                return False
        elif key != "tags" and not (mine & theirs):
            return False
    return True


def validate_text(text: str) -> list[Problem]:
    """Every problem of a policy file (empty when it is valid)."""
    data, problems = parse_yaml(text)
    if problems and data is None:
        return problems
    reader = _PolicyReader()
    reader.policy(data)
    return problems + reader.problems


def load_policy(text: str) -> Policy:
    """A validated policy from YAML text; raises ``InvalidPolicy`` with every problem otherwise."""
    data, problems = parse_yaml(text)
    reader = _PolicyReader()
    policy = reader.policy(data) if data is not None or not problems else None
    problems = problems + reader.problems
    if problems or policy is None:
        summary = "; ".join(str(p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise InvalidPolicy(f"invalid policy: {summary}{more}", tuple(problems))
    return policy


def load_default_policy() -> Policy:
    """The policy shipped with amicable (``default_policy.yaml``)."""
    return load_policy(default_policy_text())


def default_policy_text() -> str:
    """The text of the shipped default policy."""
    return resources.files("amicable.policy").joinpath("default_policy.yaml").read_text("utf-8")
