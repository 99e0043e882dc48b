"""Rule packs: data files per jurisdiction and collector type, loaded and compiled once.

A pack (``packs/<id>.yaml``) has an ``id``, a ``title``, an ``applies_to`` list of alternatives
(``collector``, ``debtor`` and ``countries`` lists, optional ``regions``) and its ``rules``. Which
packs apply follows from the collector type, the debtor type and the debtor's jurisdiction
(:func:`select_packs`). Invariants:

* every rule id is unique across all packs, so ``explain RULE_ID`` is unambiguous;
* a malformed pack fails loudly at load (:class:`~amicable.domain.errors.InvalidPolicy`), never later;
* the jurisdiction is the address country/region; a +1 phone with no country means the US; a US
  debtor whose state is unknown gets every US state overlay (fail closed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from amicable.compliance.model import COLLECTOR_TYPES, DEBTOR_TYPES, ComplianceContext
from amicable.compliance.rules import Rule, compile_rule
from amicable.domain.errors import InvalidPolicy

__all__ = [
    "PACK_IDS",
    "Applicability",
    "Pack",
    "all_packs",
    "find_rule",
    "load_pack",
    "select_packs",
]

PACK_IDS = (
    "us_fdcpa_regf",
    "us_tcpa",
    "us_ma",
    "us_wa",
    "us_ca",
    "us_ny",
    "uk_fca_conc7",
    "eu_fr_b2b",
    "first_party_b2b",
)


@dataclass(frozen=True, slots=True)
class Applicability:
    """One alternative of a pack's ``applies_to``: all listed conditions must hold."""

    collector: frozenset[str]
    debtor: frozenset[str]
    countries: frozenset[str] | None  # None: any country
    regions: frozenset[str] | None  # None: any region

    def matches(self, collector: str, debtor: str, country: str, region: str) -> bool:
        if collector not in self.collector or debtor not in self.debtor:
            return False
        if self.countries is not None and country not in self.countries:
            return False
        # An unknown region matches every regional overlay of the country (fail closed).
        return self.regions is None or not region or region in self.regions


@dataclass(frozen=True, slots=True)
class Pack:
    """A compiled pack: its rules in file order and when it applies."""

    id: str
    title: str
    description: str
    applies_to: tuple[Applicability, ...]
    rules: tuple[Rule, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "applies_to": [
                {
                    "collector": sorted(a.collector),
                    "debtor": sorted(a.debtor),
                    "countries": None if a.countries is None else sorted(a.countries),
                    "regions": None if a.regions is None else sorted(a.regions),
                }
                for a in self.applies_to
            ],
            "rules": [r.id for r in self.rules],
        }


def _upper_set(value: Any, where: str) -> frozenset[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidPolicy(f"{where}: must be a list of codes")
    return frozenset(v.upper() for v in value)


def _choice_set(value: Any, allowed: tuple[str, ...], where: str) -> frozenset[str]:
    if not isinstance(value, list) or any(v not in allowed for v in value):
        raise InvalidPolicy(f"{where}: {value!r} must be a list drawn from {list(allowed)}")
    return frozenset(value)


def parse_pack(data: Mapping[str, Any], source: str) -> Pack:
    """Compile a pack from its parsed YAML mapping; every problem names its path in ``source``."""
    known = {"id", "title", "description", "applies_to", "rules"}
    unknown = [k for k in data if k not in known]
    if unknown:
        raise InvalidPolicy(f"{source}: unknown field(s) {unknown}")
    applies = []
    for i, alt in enumerate(data.get("applies_to") or []):
        where = f"{source}.applies_to[{i}]"
        applies.append(
            Applicability(
                collector=_choice_set(alt.get("collector"), COLLECTOR_TYPES, f"{where}.collector"),
                debtor=_choice_set(alt.get("debtor"), DEBTOR_TYPES, f"{where}.debtor"),
                countries=_upper_set(alt.get("countries"), f"{where}.countries"),
                regions=_upper_set(alt.get("regions"), f"{where}.regions"),
            )
        )
    rules = tuple(
        compile_rule(raw, f"{source}.rules[{i}]") for i, raw in enumerate(data.get("rules") or [])
    )
    if not rules:
        raise InvalidPolicy(f"{source}.rules: a pack needs at least one rule")
    return Pack(
        id=str(data["id"]),
        title=str(data.get("title", data["id"])),
        description=str(data.get("description", "")).strip(),
        applies_to=tuple(applies),
        rules=rules,
    )


@cache
def load_pack(pack_id: str) -> Pack:
    """The shipped pack ``pack_id``, parsed and compiled on first use, then cached."""
    if pack_id not in PACK_IDS:
        raise InvalidPolicy(f"unknown compliance pack {pack_id!r}; known: {list(PACK_IDS)}")
    source = f"packs/{pack_id}.yaml"
    text = resources.files("amicable.compliance").joinpath(source).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or data.get("id") != pack_id:
        raise InvalidPolicy(f"{source}: must be a mapping whose id is {pack_id!r}")
    return parse_pack(data, source)


@cache
def all_packs() -> tuple[Pack, ...]:
    """Every shipped pack; also checks that rule ids are unique across packs."""
    packs = tuple(load_pack(p) for p in PACK_IDS)
    seen: dict[str, str] = {}
    for pack in packs:
        for rule in pack.rules:
            if rule.id in seen:
                raise InvalidPolicy(f"rule id {rule.id!r} is in both {seen[rule.id]} and {pack.id}")
            seen[rule.id] = pack.id
    return packs


def find_rule(rule_id: str) -> tuple[Pack, Rule] | None:
    """The pack and rule with this id, or ``None``."""
    for pack in all_packs():
        for rule in pack.rules:
            if rule.id == rule_id:
                return pack, rule
    return None


def jurisdiction(ctx: ComplianceContext) -> tuple[str, str]:
    """(country, region) of the debtor, upper case; '' when unknown."""
    address = ctx.debtor.address
    country = (address.country or "").upper()
    if not country and any(p.startswith("+1") for p in ctx.debtor.phones):
        country = "US"
    return country, (address.region or "").upper()


@cache
def _select(collector: str, debtor: str, country: str, region: str) -> tuple[Pack, ...]:
    return tuple(
        pack
        for pack in all_packs()
        if any(a.matches(collector, debtor, country, region) for a in pack.applies_to)
    )


def select_packs(ctx: ComplianceContext) -> tuple[Pack, ...]:
    """The packs that apply to this collector, debtor and jurisdiction.

    A consumer whose debts are all marked non-consumer (business-purpose) is treated as a business
    debtor: the FDCPA and the consumer overlays only reach consumer debts.
    """
    country, region = jurisdiction(ctx)
    debtor_type = ctx.debtor.type
    if debtor_type == "consumer" and ctx.debts and not any(d.consumer for d in ctx.debts):
        debtor_type = "business"
    return _select(ctx.collector_type, debtor_type, country, region)


def resolve(packs: Sequence[str | Pack]) -> tuple[Pack, ...]:
    """Pack ids or packs -> packs (ids loaded from the shipped files)."""
    return tuple(p if isinstance(p, Pack) else load_pack(p) for p in packs)
