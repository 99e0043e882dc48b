"""Reply templates: every key exists in every language, regulated keys are never free, and
rendering is clean (a name ending in a period does not double the full stop)."""

from __future__ import annotations

import pytest

from amicable.negotiation.replies import LOCALES, REGULATED, render, templates
from amicable.negotiation.states import TONES


@pytest.mark.parametrize("lang", sorted(LOCALES))
def test_every_template_exists_in_every_language_and_tone(lang: str) -> None:
    assert set(templates(lang)) == set(templates("en"))
    for key, value in templates(lang).items():
        if isinstance(value, dict):
            assert set(value) == set(TONES), (lang, key)
    assert set(templates(lang)) >= REGULATED


def test_a_name_ending_in_a_period_does_not_double_the_full_stop() -> None:
    assert render("close", "en", name="Acme Inc.") == "Thank you, Acme Inc. Goodbye."
    assert (
        render("close", "fr", name="Red Rock Cafe Inc.") == "Merci, Red Rock Cafe Inc. Au revoir."
    )
    assert render("close", "es", name="Jane") == "Gracias, Jane. Adiós."
