"""Entity tables in English, French and Spanish: money, periods, fractions, percentages, dates
resolved against a fixed Wednesday, installment counts and channels.

The reference date is Wednesday 12 March 2025 throughout.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amicable.domain.money import Money
from amicable.negotiation.nlu.dates import find_date
from amicable.negotiation.nlu.entities import extract_entities
from amicable.negotiation.nlu.numbers import find_numbers, parse_digits

TODAY = date(2025, 3, 12)  # a Wednesday


def _ents(text: str, lang: str, currency: str = "USD") -> dict[str, Any]:
    return extract_entities(text, lang=lang, today=TODAY, currency=currency).to_json()


@pytest.mark.parametrize(
    ("text", "lang", "currency", "value", "code"),
    [
        ("I can pay $1,200", "en", "USD", "1200.00", "USD"),
        ("can do 1.2k by friday", "en", "USD", "1200.00", "USD"),
        ("€40 tomorrow", "en", "USD", "40.00", "EUR"),
        ("je peux payer 1 200,50 €", "fr", "EUR", "1200.50", "EUR"),
        ("I can pay five hundred", "en", "USD", "500.00", "USD"),
        ("puedo pagar quinientos euros", "es", "EUR", "500.00", "EUR"),
        ("je peux donner cinq cents euros", "fr", "EUR", "500.00", "EUR"),
        ("je verse quatre-vingt-dix euros", "fr", "EUR", "90.00", "EUR"),
        ("puedo dar mil doscientos", "es", "EUR", "1200.00", "EUR"),
        ("I'll pay 1.200,50 EUR", "en", "USD", "1200.50", "EUR"),
        ("pay 89.99 now", "en", "GBP", "89.99", "GBP"),
        ("I can send a hundred and fifty bucks", "en", "USD", "150.00", "USD"),
        ("deux mille euros pour solder", "fr", "EUR", "2000.00", "EUR"),
        ("puedo pagar 300 dólares", "es", "EUR", "300.00", "USD"),
        ("I can pay £75", "en", "USD", "75.00", "GBP"),
    ],
)
def test_amounts_are_read_with_their_currency(
    text: str, lang: str, currency: str, value: str, code: str
) -> None:
    assert _ents(text, lang, currency)["amount"] == {"value": value, "currency": code}


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("my date of birth is 04/12/1985", "en"),
        ("last 4 digits are 4821", "en"),
        ("mon code postal est 75011", "fr"),
        ("invoice #4412 is wrong", "en"),
        ("call me after 5", "en"),
        ("one now, one later", "en"),
        ("I have 3 kids", "en"),
        ("numéro client 558721", "fr"),
        ("mi número de cliente es 558721", "es"),
    ],
)
def test_numbers_that_are_not_money_are_not_amounts(text: str, lang: str) -> None:
    assert _ents(text, lang)["amount"] is None


def test_an_amount_in_a_zero_decimal_currency_with_cents_is_dropped_not_rounded() -> None:
    assert _ents("I can pay 12.50", "en", currency="JPY")["amount"] is None
    assert _ents("I can pay 1200", "en", currency="JPY")["amount"] == {
        "value": "1200",
        "currency": "JPY",
    }


@pytest.mark.parametrize(
    ("text", "lang", "per"),
    [
        ("200 a month", "en", "month"),
        ("I can do 50 per week", "en", "week"),
        ("150 monthly", "en", "month"),
        ("50 par semaine", "fr", "week"),
        ("100 € par mois", "fr", "month"),
        ("200 al mes", "es", "month"),
        ("40 a la semana", "es", "week"),
        ("I haven't worked in a month", "en", None),
        # eighth round: the same weekday every week is weekly
        ("I can do 40 every friday", "en", "week"),
        ("je verse 30 € tous les vendredis", "fr", "week"),
        ("le abono 50 mil todos los viernes", "es", "week"),
        ("puedo dar 40 cada sábado", "es", "week"),
    ],
)
def test_per_period_amounts(text: str, lang: str, per: str | None) -> None:
    assert _ents(text, lang)["per"] == per


@pytest.mark.parametrize(
    ("text", "lang", "percent", "fraction"),
    [
        ("can I pay half", "en", None, "1/2"),
        ("je peux payer la moitié", "fr", None, "1/2"),
        ("puedo pagar la mitad", "es", None, "1/2"),
        ("a third now", "en", None, "1/3"),
        ("un quart maintenant", "fr", None, "1/4"),
        ("30% off?", "en", "30", None),
        ("12,5 % de remise", "fr", "12.5", None),
        ("el 40 por ciento", "es", "40", None),
        ("a mitad del mes", "es", None, "1/2"),
    ],
)
def test_fractions_and_percentages(
    text: str, lang: str, percent: str | None, fraction: str | None
) -> None:
    ents = _ents(text, lang)
    assert (ents["percent"], ents["fraction"]) == (percent, fraction)


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("next friday", "en", "2025-03-14"),
        ("friday", "en", "2025-03-14"),
        ("on wednesday", "en", "2025-03-19"),
        ("end of the month", "en", "2025-03-31"),
        ("tomorrow", "en", "2025-03-13"),
        ("tmrw", "en", "2025-03-13"),
        ("the day after tomorrow", "en", "2025-03-14"),
        ("in two weeks", "en", "2025-03-26"),
        ("in 10 days", "en", "2025-03-22"),
        ("next week", "en", "2025-03-17"),
        ("next month", "en", "2025-04-01"),
        ("on the 15th", "en", "2025-03-15"),
        ("on the 5th", "en", "2025-04-05"),
        ("March 28", "en", "2025-03-28"),
        ("2025-04-01", "en", "2025-04-01"),
        ("12/15", "en", "2025-12-15"),
        ("15/12", "en", "2025-12-15"),
        ("le 15", "fr", "2025-03-15"),
        ("15/12", "fr", "2025-12-15"),
        ("vendredi prochain", "fr", "2025-03-14"),
        ("fin du mois", "fr", "2025-03-31"),
        ("demain", "fr", "2025-03-13"),
        ("après-demain", "fr", "2025-03-14"),
        ("dans 10 jours", "fr", "2025-03-22"),
        ("le 5 avril", "fr", "2025-04-05"),
        ("el próximo lunes", "es", "2025-03-17"),
        ("mañana", "es", "2025-03-13"),
        ("mañana por la tarde", "es", "2025-03-13"),
        ("en dos semanas", "es", "2025-03-26"),
        ("a fin de mes", "es", "2025-03-31"),
        ("el 20 de marzo", "es", "2025-03-20"),
        ("el día 15", "es", "2025-03-15"),
        ("yesterday", "en", "2025-03-11"),
        ("last friday", "en", "2025-03-07"),
        ("vendredi dernier", "fr", "2025-03-07"),
        ("el viernes pasado", "es", "2025-03-07"),
        ("15.12.2025", "fr", "2025-12-15"),
    ],
)
def test_dates_resolve_against_the_reference_date(text: str, lang: str, expected: str) -> None:
    assert _ents(text, lang)["date"] == expected


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("por la mañana", "es"),
        ("mon compte est à jour", "fr"),
        ("may I ask something", "en"),
        ("le 15 euros", "fr"),
        ("31/02", "fr"),
    ],
)
def test_words_that_only_look_like_dates_are_not_dates(text: str, lang: str) -> None:
    assert _ents(text, lang)["date"] is None


def test_a_payment_already_made_resolves_dates_backwards() -> None:
    assert _ents("I paid 250 on the 3rd", "en")["date"] == "2025-03-03"
    assert _ents("j'ai payé lundi", "fr")["date"] == "2025-03-10"
    assert _ents("ya pagué el 10", "es")["date"] == "2025-03-10"
    assert _ents("I will pay on the 3rd", "en")["date"] == "2025-04-03"


@pytest.mark.parametrize(
    ("text", "lang", "count"),
    [
        ("can i split it in 3 payments", "en", 3),
        ("four installments", "en", 4),
        ("over 6 months", "en", 6),
        ("je paie en 4 fois", "fr", 4),
        ("en trois mensualités", "fr", 3),
        ("en 3 cuotas", "es", 3),
        ("en seis plazos", "es", 6),
    ],
)
def test_installment_counts(text: str, lang: str, count: int) -> None:
    assert _ents(text, lang)["installments"] == count


@pytest.mark.parametrize(
    ("text", "lang", "channel"),
    [
        ("stop texting me", "en", "sms"),
        ("email only please", "en", "email"),
        ("don't call me", "en", "call"),
        ("send it on whatsapp", "en", "whatsapp"),
        ("I don't want texts, send an email", "en", "sms"),
        ("plus de sms", "fr", "sms"),
        ("par courriel svp", "fr", "email"),
        ("rappelez-moi demain", "fr", "call"),
        ("no me llamen", "es", "call"),
        ("por correo electrónico", "es", "email"),
        ("mándame un wasap", "es", "whatsapp"),
        ("personne ne s'appelle comme ça", "fr", None),
        ("this phone is my mother's", "en", None),
    ],
)
def test_channels(text: str, lang: str, channel: str | None) -> None:
    assert _ents(text, lang)["channel"] == channel


def test_the_account_currency_applies_when_the_text_names_none() -> None:
    ents = extract_entities("I can pay 100 a week", lang="en", today=TODAY, currency="CAD")
    assert ents.amount == Money.of("100", "CAD")


@pytest.mark.parametrize(
    ("raw", "value"),
    [("1,200", "1200"), ("1.200", "1200"), ("1 200,50", "1200.50"), ("12,50", "12.50"), ("1,200.50", "1200.50"), ("1.200,50", "1200.50")],
)  # fmt: skip
def test_digit_groupings_are_read_exactly(raw: str, value: str) -> None:
    from decimal import Decimal

    assert parse_digits(raw) == Decimal(value)


@given(st.integers(min_value=1, max_value=999_999))
def test_any_whole_amount_written_with_en_grouping_round_trips(n: int) -> None:
    text = f"I can pay ${n:,}"
    assert _ents(text, "en")["amount"] == {"value": f"{n}.00", "currency": "USD"}


@given(st.text(max_size=80))
def test_entity_extraction_never_raises_on_any_text(text: str) -> None:
    extract_entities(text, lang="fr", today=TODAY, currency="EUR")
    find_date(text.lower(), TODAY, "es")
    find_numbers(text.lower())


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)))
def test_relative_future_dates_are_never_before_the_reference_date(today: date) -> None:
    for phrase in ("next friday", "end of the month", "on the 15th", "in two weeks", "le 15", "el próximo lunes", "15/12"):  # fmt: skip
        found = find_date(phrase, today, "en")
        assert found is not None and found.value >= today


# Seventh round: the seventh split's clear entity misses, read by docs/nlu.md's entity rules.


@pytest.mark.parametrize(
    ("text", "lang", "currency", "value", "code"),
    [
        ("Will pay 250 AUD on the 5th of april", "en", "USD", "250.00", "AUD"),
        ("Je vous verse 100 $ canadiens la semaine prochaine", "fr", "EUR", "100.00", "CAD"),
        ("J'enverrai 500 dirhams le 20", "fr", "EUR", "500.00", "MAD"),
        ("je paie 15 000 francs CFA demain", "fr", "EUR", "15000", "XOF"),
        # a currency word names a family: the account's currency when it belongs to it
        ("j'ai bien les 15 000 francs sur le compte, je paie", "fr", "XOF", "15000", "XOF"),
        ("nonante francs par mois", "fr", "CHF", "90.00", "CHF"),
        ("Pagué 60 mil pesos el viernes pasado", "es", "ARS", "60000.00", "ARS"),
        ("puedo pagar 50 mil pesos al mes", "es", "CLP", "50000", "CLP"),
        ("les puedo tirar 20 lucas al mes", "es", "CLP", "20000", "CLP"),
        ("Puedo darles 200 mil mensuales", "es", "COP", "200000.00", "COP"),
        ("Je vous propose septante euros par mois", "fr", "EUR", "70.00", "EUR"),
        ("Je propose septante-cinq euros par mois", "fr", "EUR", "75.00", "EUR"),
        ("Je vous verse huitante francs à la fin du mois", "fr", "CHF", "80.00", "CHF"),
        ("I'll pay 20 pesos", "en", "USD", "20.00", "MXN"),
    ],
)
def test_seventh_round_currencies_and_thousands(
    text: str, lang: str, currency: str, value: str, code: str
) -> None:
    assert _ents(text, lang, currency)["amount"] == {"value": value, "currency": code}


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("i'll pay friday once wages land", "en"),  # "once" is not Spanish eleven here
        ("Go to hell, I'm not paying a cent", "en"),  # nor "a cent" French a hundred
        ("Ordered 10 boxes and I'll pay for the ones that came", "en"),
        ("I've sent 3 texts and got robot replies back, can someone contact me by email?", "en"),
        ("they came in a size 9, not paying for them", "en"),
        ("the new owners kept the name, it was sold in 2023, not paying", "en"),
        ("Apple Pay just sits there loading forever, tried on wifi and on 4g", "en"),
        ("el enlace de pago me da error 500", "es"),
        ("Sí, soy yo, Rocío Jiménez Toledo, DNI 48213377K, puedo pagar", "es"),
    ],
)
def test_seventh_round_counts_and_codes_are_not_amounts(text: str, lang: str) -> None:
    assert _ents(text, lang)["amount"] is None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("I can chip in 50 a month", "50.00"),
        ("i can throw in 40 a week", "40.00"),
        ("I can put in 200 next week, promise to pay", "200.00"),
    ],
)
def test_a_number_after_in_is_still_money_when_it_is_not_a_year(text: str, value: str) -> None:
    assert _ents(text, "en")["amount"] == {"value": value, "currency": "USD"}


def test_seventh_round_pay_in_a_bare_count_is_installments() -> None:
    ents = _ents("Can I pay in 3 instead of one go", "en")
    assert ents["installments"] == 3 and ents["amount"] is None
    assert _ents("can I pay in 3 days", "en")["installments"] is None


@pytest.mark.parametrize(
    ("text", "lang", "channel"),
    [
        ("I'd rather you emailed me than phoned", "en", "email"),
        ("Stop sending me these WhatsApps", "en", "whatsapp"),
        ("Stop ringing my mum's house", "en", "call"),
        ("you can stop the robocalls", "en", "call"),
        ("whoever keeps phoning me at 7am", "en", "call"),
        ("cheers but I'm at the footy, bell me monday", "en", "call"),
        ("Ne m'appelez plus au bureau", "fr", "call"),
        ("Ça suffit les coups de fil", "fr", "call"),
        ("pis arrête de texter", "fr", "sms"),
        ("No me texteen más", "es", "sms"),
        ("Llámeme el lunes", "es", "call"),
        ("Márcame después de las 6", "es", "call"),
        ("No me timbren a la casa", "es", "call"),
        ("Mañana a las 10 me marcan", "es", "call"),
    ],
)
def test_seventh_round_channels_said_other_ways(text: str, lang: str, channel: str) -> None:
    assert _ents(text, lang)["channel"] == channel


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("whats the total i owe exactly", "en"),
        ("Which company are you calling from?", "en"),
        ("not the overseas call centre, a person please", "en"),
        ("je m'appelle Marc", "fr"),
        ("la marca del coche", "es"),
    ],
)
def test_seventh_round_channel_words_in_passing_are_not_channels(text: str, lang: str) -> None:
    assert _ents(text, lang)["channel"] is None


# Eighth round: the eighth split's clear Spanish entity misses, read by docs/nlu.md's entity rules.


@pytest.mark.parametrize(
    ("text", "currency", "value", "code"),
    [
        ("Les abono 250 soles el lunes", "EUR", "250.00", "PEN"),
        ("mando 600 bolivianos la otra semana", "EUR", "600.00", "BOB"),
        ("el viernes deposito 2 mil quetzales", "EUR", "2000.00", "GTQ"),
        ("transferí 900 lempiras ayer", "EUR", "900.00", "HNL"),
        ("le adelanto 300 mañana", "DOP", "300.00", "DOP"),
        ("les deposito 1.500 el día 20", "EUR", "1500.00", "EUR"),
    ],
)
def test_eighth_round_currencies_and_verbs_of_paying(
    text: str, currency: str, value: str, code: str
) -> None:
    assert _ents(text, "es", currency)["amount"] == {"value": value, "currency": code}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "ya" alone does not make the message past: dates resolve forward
        ("ya les dije que pago el viernes", "2025-03-14"),
        ("el 5 de abril les deposito, ya está hablado", "2025-04-05"),
        ("les pago el domingo y ya no me escriban", "2025-03-16"),
        # a payment reported as made still resolves backwards
        ("ya les pagué el lunes", "2025-03-10"),
        ("lo saldé el sábado en la tienda", "2025-03-08"),
        ("de aquí a dos semanas le marco", "2025-03-26"),
        ("la cuota la pagué el día 1 por transferencia", "2025-03-01"),
    ],
)
def test_eighth_round_spanish_dates(text: str, expected: str) -> None:
    assert _ents(text, "es")["date"] == expected


@pytest.mark.parametrize(
    "text",
    [
        "mi DNI termina en 4432K",
        "me cobraron 10 clases y fueron menos",
        "le pago la mitad el jueves y el resto el 3 de abril",
    ],
)
def test_eighth_round_counts_codes_and_dates_are_not_amounts(text: str) -> None:
    assert _ents(text, "es")["amount"] is None


@pytest.mark.parametrize(
    ("text", "channel"),
    [
        ("márqueme el lunes temprano", "call"),
        ("ando en el trabajo, al rato le marco", "call"),
        ("ya no me estén llamando, mejor mensaje", "call"),
        ("mejor textéame en la noche", "sms"),
        ("ni cartas ni guasaps", "whatsapp"),
        ("ke me yame alguien", "call"),
    ],
)
def test_eighth_round_channels_said_other_ways(text: str, channel: str) -> None:
    assert _ents(text, "es")["channel"] == channel


def test_eighth_round_the_post_office_is_not_email() -> None:
    assert _ents("en la oficina de correos dejaron cartas para otro", "es")["channel"] is None
