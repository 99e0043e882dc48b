"""The runtime's reminder templates pass the content checker in every language, channel, tone and
action, for a first-party creditor and for a third-party collector of consumer debt."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

import pytest

from amicable.compliance import ContentFacts, check_content
from amicable.domain.errors import InvalidInput
from amicable.domain.money import Money
from amicable.service.reminders import (
    LANGUAGES,
    PLAN_KINDS,
    format_amount,
    format_date,
    plan_message,
    reminder,
)

ACTIONS = ("email", "payment_link", "plan_offer", "final_notice")
CHANNELS = ("email", "sms", "whatsapp")
BALANCE = Money.of("1712.12", "USD")


@pytest.mark.parametrize(
    ("lang", "channel", "action", "third_party", "first"),
    list(itertools.product(LANGUAGES, CHANNELS, ACTIONS, (False, True), (False, True))),
)
def test_every_reminder_passes_the_content_checks(
    lang: str, channel: str, action: str, third_party: bool, first: bool
) -> None:
    for tone in (1, 2, 3, 4):
        r = reminder(
            action=action, channel=channel, lang=lang, tone=tone, name="Jo Doe",
            creditor="Acme Ltd", balance=BALANCE, invoices=("INV-1", "INV-2"),
            days_past_due=40, link="http://localhost:8000/pay/C1?t=x", third_party=third_party,
            consumer=True, first_communication=first,
        )  # fmt: skip
        facts = ContentFacts(third_party_collector=third_party, consumer=True, amounts=(BALANCE,))
        found = check_content(
            r.text, lang=lang, channel=channel, first_communication=first, facts=facts
        )
        assert found == (), (r.text, found)
        assert (r.subject is not None) == (channel == "email")


def test_a_third_partys_first_contact_carries_the_mini_miranda_and_later_ones_do_not() -> None:
    common = {
        "action": "sms", "channel": "sms", "lang": "en", "tone": 1, "name": "Jo",
        "creditor": "Acme", "balance": BALANCE, "invoices": ("INV-1",), "days_past_due": 5,
        "link": "http://x", "third_party": True, "consumer": True,
    }  # fmt: skip
    first = reminder(**common, first_communication=True)  # type: ignore[arg-type]
    later = reminder(**common, first_communication=False)  # type: ignore[arg-type]
    assert "attempt to collect a debt" in first.text
    assert "attempt to collect a debt" not in later.text
    assert "from a debt collector" in later.text


def test_a_long_invoice_list_is_shortened_and_a_call_has_no_written_reminder() -> None:
    r = reminder(
        action="email", channel="sms", lang="en", tone=2, name="Jo", creditor="Acme",
        balance=BALANCE, invoices=("A", "B", "C", "D", "E"), days_past_due=9, link="http://x",
    )  # fmt: skip
    assert "invoice A, B, C and 2 more" in r.text
    with pytest.raises(InvalidInput, match="channel"):
        reminder(
            action="call", channel="call", lang="en", tone=1, name="Jo", creditor="Acme",
            balance=BALANCE, invoices=("A",), days_past_due=9, link="http://x",
        )  # fmt: skip


# -- plan servicing messages ----------------------------------------------------------------------

INSTALLMENT = Money.of("1712.12", "USD")


@pytest.mark.parametrize(
    ("lang", "channel", "kind", "third_party", "first"),
    list(itertools.product(LANGUAGES, CHANNELS, PLAN_KINDS, (False, True), (False, True))),
)
def test_every_plan_message_passes_the_content_checks(
    lang: str, channel: str, kind: str, third_party: bool, first: bool
) -> None:
    for overdue, link, reference in (
        (False, "http://localhost:8000/pay/C1?t=x", None),
        (True, "http://localhost:8000/pay/C1?t=x", "RF18539007547034"),
        (False, None, "RF18539007547034"),
    ):
        m = plan_message(
            kind=kind, channel=channel, lang=lang, name="Jo Doe", creditor="Acme Ltd",
            installment=2, amount=INSTALLMENT, due_date=date(2026, 3, 31), overdue=overdue,
            renegotiable=overdue, link=link, reference=reference, third_party=third_party,
            consumer=True, first_communication=first,
        )  # fmt: skip
        facts = ContentFacts(
            third_party_collector=third_party, consumer=True, amounts=(INSTALLMENT,)
        )
        found = check_content(
            m.text, lang=lang, channel=channel, first_communication=first, facts=facts
        )
        assert found == (), (m.text, found)
        assert (m.subject is not None) == (channel == "email")
        assert format_amount(INSTALLMENT, lang) in m.text
        assert format_date(date(2026, 3, 31), lang) in m.text
        assert (link or reference or "") in m.text


def test_plan_amounts_and_dates_are_written_the_way_each_language_writes_them() -> None:
    assert format_amount(INSTALLMENT, "en") == "1,712.12 USD"
    assert format_amount(INSTALLMENT, "fr") == "1\u00a0712,12 USD"
    assert format_amount(INSTALLMENT, "es") == "1.712,12 USD"
    assert format_amount(Money.of("1234567", "JPY"), "en") == "1,234,567 JPY"
    assert format_date(date(2026, 3, 31), "en") == "March 31, 2026"
    assert format_date(date(2026, 3, 1), "fr") == "1er mars 2026"
    assert format_date(date(2026, 8, 15), "es") == "15 de agosto de 2026"
    assert format_date(date(2026, 8, 15), "de") == "August 15, 2026"  # no template: English


def test_a_plan_message_before_the_due_date_differs_from_one_after_it() -> None:
    common: dict[str, Any] = {
        "kind": "plan_reminder", "channel": "sms", "lang": "en", "name": "Jo", "creditor": "Acme",
        "installment": 1, "amount": INSTALLMENT, "due_date": date(2026, 3, 31), "link": "http://x",
    }  # fmt: skip
    assert "is due on March 31, 2026" in plan_message(**common).text
    assert "was due on March 31, 2026" in plan_message(**common, overdue=True).text


def test_a_retry_link_invites_a_new_schedule_only_when_a_renegotiation_is_offered() -> None:
    common: dict[str, Any] = {
        "kind": "retry_link", "channel": "email", "lang": "fr", "name": "Jo", "creditor": "Acme",
        "installment": 1, "amount": INSTALLMENT, "due_date": date(2026, 3, 31), "link": "http://x",
    }  # fmt: skip
    assert "nouveau calendrier" in plan_message(**common, renegotiable=True).text
    assert "nouveau calendrier" not in plan_message(**common).text


def test_a_plan_message_refuses_an_unknown_kind_a_call_a_zero_amount_and_no_way_to_pay() -> None:
    common: dict[str, Any] = {
        "kind": "plan_reminder", "channel": "sms", "lang": "en", "name": "Jo", "creditor": "Acme",
        "installment": 1, "amount": INSTALLMENT, "due_date": date(2026, 3, 31), "link": "http://x",
    }  # fmt: skip
    with pytest.raises(InvalidInput, match="no plan message"):
        plan_message(**{**common, "kind": "final_notice"})
    with pytest.raises(InvalidInput, match="channel"):
        plan_message(**{**common, "channel": "call"})
    with pytest.raises(InvalidInput, match="positive"):
        plan_message(**{**common, "amount": Money.zero("USD")})
    with pytest.raises(InvalidInput, match="link or a creditor reference"):
        plan_message(**{**common, "link": None})


def test_a_promise_reminder_speaks_of_the_agreed_payment_not_of_a_plan() -> None:
    common: dict[str, Any] = {
        "kind": "promise_reminder", "channel": "email", "name": "Jo", "creditor": "Acme",
        "installment": 1, "amount": INSTALLMENT, "due_date": date(2026, 3, 31), "link": "http://x",
    }  # fmt: skip
    en = plan_message(**common, lang="en")
    assert "the payment of 1,712.12 USD you agreed to make is due on March 31, 2026" in en.text
    assert "plan" not in en.text and en.subject == "Your payment to Acme"
    assert "le paiement de 1\u00a0712,12 USD convenu" in plan_message(**common, lang="fr").text
    es = plan_message(**common, lang="es")
    assert "el pago de 1.712,12 USD que acordó vence el 31 de marzo de 2026" in es.text
    assert es.subject == "Su pago a Acme"
