"""Pack files: every shipped pack compiles, ids are unique, and a malformed pack names its problem."""

from __future__ import annotations

import pytest

from amicable.compliance import all_packs
from amicable.compliance.packs import PACK_IDS, parse_pack
from amicable.domain.errors import InvalidPolicy


def test_every_shipped_pack_compiles_with_cited_rules() -> None:
    packs = all_packs()
    assert tuple(p.id for p in packs) == PACK_IDS
    ids = [r.id for p in packs for r in p.rules]
    assert len(ids) == len(set(ids))
    assert all(r.citation for p in packs for r in p.rules)


def rule(**over: object) -> dict[str, object]:
    base: dict[str, object] = {"id": "x.window", "kind": "contact_window", "citation": "test"}
    return {**base, **over}


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (rule(kind="telepathy"), "rules[0].kind: unknown rule kind 'telepathy'"),
        (rule(params={"start": "8am"}), "rules[0].params.start: '8am' is not a time HH:MM"),
        (rule(params={"stat": "08:00"}), "unknown parameter(s) ['stat']"),
        (rule(channels=["fax"]), "rules[0].channels"),
        (rule(colour="red"), "rules[0].colour: unknown field"),
        (
            {"id": "x.c", "kind": "contact_cap", "citation": "t", "params": {"max": 0}},
            "rules[0].params.max: 0 is not an integer >= 1",
        ),
    ],
)
def test_a_malformed_rule_is_refused_with_its_path(bad: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidPolicy) as caught:
        parse_pack({"id": "test", "rules": [bad]}, "test.yaml")
    assert message in str(caught.value)
    assert "test.yaml" in str(caught.value)


def test_a_pack_without_rules_is_refused() -> None:
    with pytest.raises(InvalidPolicy, match="at least one rule"):
        parse_pack({"id": "empty", "rules": []}, "empty.yaml")
