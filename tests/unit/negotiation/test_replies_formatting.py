"""Amounts and dates in replies: the memoised formatting gives, call after call and in any order,
exactly what Babel gives for the amount, currency and language asked — never the text cached
for another one."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from babel.dates import format_date
from babel.numbers import format_currency

from amicable.domain.money import Money
from amicable.negotiation.replies import LOCALES, format_day, format_money

AMOUNTS = ("0.00", "-0.00", "60.00", "60.10", "1234.50", "-1234.50", "1000000.01")
CODES = ("USD", "EUR", "GBP", "JPY", "KWD")
DAYS = (date(2026, 1, 2), date(2026, 3, 15), date(2027, 12, 31))


def _money(amount: str, code: str) -> Money:
    return Money.quantize(amount, code, rounding="ROUND_HALF_EVEN")


def _babel_money(m: Money, lang: str) -> str:
    return format_currency(m.amount, m.code, locale=LOCALES[lang])


def test_every_amount_currency_and_language_formats_as_babel_does_twice_over() -> None:
    cases = [(a, c, lang) for a in AMOUNTS for c in CODES for lang in sorted(LOCALES)]
    expected = {case: _babel_money(_money(case[0], case[1]), case[2]) for case in cases}
    for _ in range(2):  # the second pass is served from the memo
        for case in (*cases, *reversed(cases)):
            assert format_money(_money(case[0], case[1]), case[2]) == expected[case], case


def test_the_same_amount_reads_differently_by_currency_language_and_sign() -> None:
    texts = {
        format_money(_money(a, c), lang)
        for a in ("0.00", "-0.00", "1234.50")
        for c in ("USD", "GBP")
        for lang in sorted(LOCALES)
    }
    assert len(texts) == 3 * 2 * 3  # no two (amount, currency, language) share a text
    assert format_money(Money.of("1234.50", "USD"), "en") == "$1,234.50"
    assert format_money(Money.of("1234.50", "EUR"), "en") == "€1,234.50"
    assert format_money(Money.of("1234.50", "USD"), "es") == "1.234,50\xa0US$"
    assert format_money(Money.of("-0.00", "USD"), "en") == "-$0.00"
    assert format_money(Money.of("0.00", "USD"), "en") == "$0.00"


def test_every_day_and_language_formats_as_babel_does_twice_over() -> None:
    for _ in range(2):
        for day in DAYS:
            for lang in sorted(LOCALES):
                assert format_day(day, lang) == format_date(
                    day, format="long", locale=LOCALES[lang]
                )
    assert format_day(date(2027, 1, 15), "en") == "January 15, 2027"
    assert format_day(date(2027, 1, 15), "fr") == "15 janvier 2027"
    assert format_day(date(2027, 1, 15), "es") == "15 de enero de 2027"


def test_equal_instants_on_different_days_format_as_their_own_days() -> None:
    late = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    early = late.astimezone(timezone(timedelta(hours=2)))  # the same instant, 2 March there
    assert late == early
    for lang in sorted(LOCALES):
        for moment in (late, early, late, early):
            assert format_day(moment, lang) == format_date(
                moment, format="long", locale=LOCALES[lang]
            )
    assert format_day(late, "en") == "March 1, 2026"
    assert format_day(early, "en") == "March 2, 2026"
