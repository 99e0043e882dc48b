"""Placing a policy problem on its line (``service.whatif.line_of`` / ``proposed_policy``): the
deepest part of the path present in the file; a file that does not parse has no line."""

from __future__ import annotations

import pytest

from amicable.domain.errors import InvalidPolicy
from amicable.policy.load import default_policy_text
from amicable.service.whatif import line_of, proposed_policy

TEXT = """\
version: "x"
currency: USD
segments:
  - name: a
    action: hold
  - name: b
    action: negotiate
    terms:
      plan:
        installments: {min: 2, max: 3}
"""


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ("currency", 2),
        ("segments", 3),
        ("segments[0]", 4),
        ("segments[1].action", 7),
        ("segments[1].terms.plan.installments.max", 10),
        ("segments[1].terms.plan.frequencies", 9),  # missing: its parent's line
        ("segments[7].name", 3),  # no such item: the list's line
        ("economics.cost_per_contact", 1),  # nothing of it present: the document's first line
    ],
)
def test_the_line_of_a_path(path: str, line: int) -> None:
    assert line_of(TEXT, path) == line


def test_a_file_that_does_not_parse_has_no_line() -> None:
    assert line_of("segments: [\n", "segments") is None


def test_every_problem_names_the_file_and_its_line() -> None:
    bad = TEXT.replace("{min: 2, max: 3}", "{min: 4, max: 3}").replace(
        "currency: USD", "currency: 5.0"
    )
    with pytest.raises(InvalidPolicy) as caught:
        proposed_policy(bad, source="p.yaml")
    messages = [str(getattr(p, "message", p)) for p in caught.value.problems]
    assert any(m.startswith("p.yaml: line 2: currency:") for m in messages), messages
    assert any(
        m.startswith("p.yaml: line 10: segments[1].terms.plan.installments") for m in messages
    ), messages
    assert "nothing was compared" in str(caught.value)


def test_a_valid_file_loads() -> None:
    assert str(proposed_policy(default_policy_text(), source="d.yaml").version) == "2026-11"
