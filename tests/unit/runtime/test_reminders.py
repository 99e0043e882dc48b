"""The runtime's reminder templates pass the content checker in every language, channel, tone and
action, for a first-party creditor and for a third-party collector of consumer debt."""

from __future__ import annotations

import itertools

import pytest

from amicable.compliance import ContentFacts, check_content
from amicable.domain.errors import InvalidInput
from amicable.domain.money import Money
from amicable.service.reminders import LANGUAGES, reminder

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
