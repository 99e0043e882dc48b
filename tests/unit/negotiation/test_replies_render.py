"""Reply templates: every key exists in every language, regulated keys are never free, and
rendering is clean (a name ending in a period does not double the full stop), and an
agreement's confirmation states exactly the reminder days it is serviced with."""

from __future__ import annotations

import pytest

from amicable.domain.errors import InvalidInput
from amicable.negotiation.replies import LOCALES, REGULATED, reminder_note, render, templates
from amicable.negotiation.states import TONES, DialogueConfig


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


@pytest.mark.parametrize(
    ("days", "lang", "sentence"),
    [
        ((3, 1), "en", "We will send reminders 3 days and 1 day before each payment. "),
        ((1, 3), "en", "We will send reminders 3 days and 1 day before each payment. "),
        ((7, 3, 1), "en", "We will send reminders 7 days, 3 days and 1 day before each payment. "),
        ((3,), "en", "We will send a reminder 3 days before each payment. "),
        ((1,), "fr", "Nous enverrons un rappel 1 jour avant chaque échéance. "),
        ((3, 1), "fr", "Nous enverrons des rappels 3 jours et 1 jour avant chaque échéance. "),
        ((2, 1), "es", "Le enviaremos recordatorios 2 días y 1 día antes de cada vencimiento. "),
        (
            (3, 0),
            "en",
            "We will send a reminder 3 days before each payment, and one on its due date. ",
        ),
        ((0,), "es", "Le enviaremos un recordatorio el día de cada vencimiento. "),
        ((), "en", ""),
        ((), "fr", ""),
    ],
)
def test_the_reminder_sentence_says_exactly_the_servicing_days(
    days: tuple[int, ...], lang: str, sentence: str
) -> None:
    assert reminder_note(days, lang) == sentence


@pytest.mark.parametrize("lang", sorted(LOCALES))
def test_the_confirmation_without_reminders_promises_none(lang: str) -> None:
    params = {"payments": "x", "total": "y", "link": "https://pay", "grace_days": 5}
    with_none = render("agreed", lang, reminders=reminder_note((), lang), **params)
    with_some = render("agreed", lang, reminders=reminder_note((3, 1), lang), **params)
    assert "  " not in with_none and "  " not in with_some
    assert with_some.replace(reminder_note((3, 1), lang), "") == with_none
    assert "3" not in with_none


def test_reminder_days_must_be_whole_days_not_before_the_due_date() -> None:
    assert DialogueConfig().reminder_days_before == (3, 1)
    for bad in ((-1,), (True,), (1.5,)):
        with pytest.raises(InvalidInput, match="reminder days"):
            DialogueConfig(reminder_days_before=bad)  # type: ignore[arg-type]
