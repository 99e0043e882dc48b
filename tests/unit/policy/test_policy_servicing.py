"""The policy's ``servicing`` section: optional, defaulting to the servicing engine's defaults,
validated strictly (unknown keys, wrong types, negatives, duplicates, offsets past grace) with
the location of every problem."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from policy_helpers import policy_doc

from amicable.domain.errors import InvalidPolicy
from amicable.policy.load import load_default_policy, load_policy, validate_text
from amicable.policy.model import ServicingTerms
from amicable.servicing.plans import ServicingRules


def _text(servicing: Any) -> str:
    doc = policy_doc()
    doc["servicing"] = servicing
    return yaml.safe_dump(doc, sort_keys=False)


def _problems(servicing: Any) -> list[tuple[str, str]]:
    return [(p.path, p.message) for p in validate_text(_text(servicing))]


def test_a_policy_without_a_servicing_section_gets_the_engine_defaults() -> None:
    policy = load_policy(yaml.safe_dump(policy_doc(), sort_keys=False))
    defaults = ServicingRules()
    assert policy.servicing == ServicingTerms()
    assert policy.servicing.grace_days == defaults.grace_days
    assert policy.servicing.reminder_offsets_days == defaults.reminder_offsets_days
    assert policy.servicing.overdue_reminder_offsets_days == defaults.overdue_reminder_offsets_days
    assert policy.servicing.max_renegotiations == defaults.max_renegotiations
    assert policy.servicing.max_open_misses == defaults.max_open_misses


def test_the_shipped_default_policy_states_the_servicing_defaults() -> None:
    from amicable.policy.load import default_policy_text

    assert "servicing:" in default_policy_text()
    assert load_default_policy().servicing == ServicingTerms()


def test_a_full_servicing_section_is_read_as_written() -> None:
    policy = load_policy(
        _text(
            {
                "grace_days": 7,
                "reminder_offsets_days": [5, 2, 0],
                "overdue_reminder_offsets_days": [2, 7],
                "max_renegotiations": 0,
                "max_open_misses": 3,
            }
        )
    )
    assert policy.servicing == ServicingTerms(7, (5, 2, 0), (2, 7), 0, 3)


def test_missing_servicing_keys_take_their_defaults_and_an_empty_list_means_no_reminders() -> None:
    policy = load_policy(_text({"reminder_offsets_days": [], "grace_days": 2}))
    assert policy.servicing == ServicingTerms(grace_days=2, reminder_offsets_days=())


@pytest.mark.parametrize(
    ("servicing", "path", "fragment"),
    [
        ({"grace_dayz": 3}, "servicing.grace_dayz", "unknown key 'grace_dayz'"),
        ({"grace_days": -1}, "servicing.grace_days", "at least 0"),
        ({"grace_days": "5"}, "servicing.grace_days", "whole number"),
        ({"grace_days": 2.5}, "servicing.grace_days", "whole number"),
        ({"grace_days": True}, "servicing.grace_days", "whole number"),
        ({"max_renegotiations": -2}, "servicing.max_renegotiations", "at least 0"),
        ({"max_open_misses": 0}, "servicing.max_open_misses", "at least 1"),
        ({"reminder_offsets_days": [3, -1]}, "servicing.reminder_offsets_days[1]", "at least 0"),
        ({"reminder_offsets_days": [3, "1"]}, "servicing.reminder_offsets_days[1]", "whole number"),
        ({"reminder_offsets_days": [3, 3]}, "servicing.reminder_offsets_days[1]", "more than once"),
        ({"reminder_offsets_days": {"a": 1}}, "servicing.reminder_offsets_days", "list"),
        (
            {"grace_days": 3, "overdue_reminder_offsets_days": [1, 4]},
            "servicing.overdue_reminder_offsets_days[1]",
            "past grace_days (3)",
        ),
        ([1, 2], "servicing", "must be a mapping"),
    ],
)
def test_each_bad_servicing_value_is_reported_with_its_location(
    servicing: Any, path: str, fragment: str
) -> None:
    problems = _problems(servicing)
    assert any(p == path and fragment in m for p, m in problems), problems
    with pytest.raises(InvalidPolicy):
        load_policy(_text(servicing))


def test_every_servicing_problem_is_reported_not_only_the_first() -> None:
    problems = _problems({"grace_days": -1, "max_open_misses": 0, "extra": 1})
    assert {p for p, _ in problems} >= {
        "servicing.grace_days",
        "servicing.max_open_misses",
        "servicing.extra",
    }


@given(
    grace=st.integers(0, 30),
    before=st.lists(st.integers(0, 60), unique=True, max_size=5),
    overdue=st.lists(st.integers(0, 30), unique=True, max_size=5),
    renegotiations=st.integers(0, 5),
    misses=st.integers(1, 6),
)
def test_a_servicing_section_loads_exactly_when_its_overdue_offsets_fit_in_grace(
    grace: int, before: list[int], overdue: list[int], renegotiations: int, misses: int
) -> None:
    section = {
        "grace_days": grace,
        "reminder_offsets_days": before,
        "overdue_reminder_offsets_days": overdue,
        "max_renegotiations": renegotiations,
        "max_open_misses": misses,
    }
    problems = _problems(section)
    if all(o <= grace for o in overdue):
        assert problems == []
        terms = load_policy(_text(section)).servicing
        assert terms == ServicingTerms(grace, tuple(before), tuple(overdue), renegotiations, misses)
        # every valid section is also a valid set of servicing rules for the engine
        ServicingRules(grace, terms.reminder_offsets_days, terms.overdue_reminder_offsets_days,
                       renegotiations, misses)  # fmt: skip
    else:
        assert problems and all(
            p.startswith("servicing.overdue_reminder_offsets_days[") for p, _ in problems
        )
