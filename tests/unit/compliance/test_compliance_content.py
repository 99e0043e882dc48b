"""The content checker in English, French and Spanish: compliant messages pass unchanged, each
prohibited or missing element is found and named."""

from __future__ import annotations

import pytest

from amicable.compliance import ContentFacts, check_content
from amicable.compliance.content import content_codes
from amicable.domain.errors import InvalidInput
from amicable.domain.money import Money

COLLECTOR = ContentFacts(third_party_collector=True, amounts=(Money.of("1050.00", "USD"),))
CREDITOR = ContentFacts(third_party_collector=False)


def codes(
    text: str,
    lang: str = "en",
    channel: str = "sms",
    first: bool = False,
    facts: ContentFacts = COLLECTOR,
) -> set[str]:
    return content_codes(
        check_content(text, lang=lang, channel=channel, first_communication=first, facts=facts)
    )


GOOD = {
    "en": "This is Acme Recovery, a debt collector. Your balance is $1,050.00; reply to discuss a plan. Reply STOP to stop texts to this number.",
    "fr": "Ceci est un message d'un agent de recouvrement. Le solde est de 1 050,00 $ ; répondez pour en parler. Répondez STOP pour ne plus recevoir de SMS.",
    "es": "Este mensaje es de un cobrador de deudas. Su saldo es de 1.050,00 $; responda para hablar de un plan. Responda STOP para dejar de recibir mensajes.",
}
FIRST = {
    "en": "Acme Recovery is attempting to collect a debt and any information obtained will be used for that purpose. Reply STOP to opt out.",
    "fr": "Acme Recouvrement tente de recouvrer une dette et toute information obtenue sera utilisée à cette fin. Répondez STOP pour vous désabonner.",
    "es": "Acme Cobros realiza un intento de cobrar una deuda y cualquier información obtenida será utilizada para ese fin. Responda STOP para darse de baja.",
}


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_compliant_messages_pass_unchanged(lang: str) -> None:
    assert codes(GOOD[lang], lang) == set()
    assert (
        codes(FIRST[lang], lang, first=True, facts=ContentFacts(third_party_collector=True))
        == set()
    )


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_a_first_message_without_the_mini_miranda_fails(lang: str) -> None:
    assert "mini_miranda" in codes(GOOD[lang], lang, first=True)


def test_the_disclosure_must_be_in_the_language_of_the_message() -> None:
    spanish_with_english_disclosure = (
        "Su saldo está vencido. This is from a debt collector. Responda STOP para darse de baja."
    )
    assert "debt_collector_disclosure" in codes(spanish_with_english_disclosure, "es")


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "This is Acme Recovery, a debt collector. Your balance is $1,050.00."),
        ("fr", "Message d'un agent de recouvrement : le solde est de 1 050,00 $."),
        ("es", "Mensaje de un cobrador de deudas: su saldo es de 1.050,00 $."),
    ],
)
def test_an_electronic_message_without_an_opt_out_instruction_fails(lang: str, text: str) -> None:
    assert codes(text, lang) == {"opt_out"}
    # A letter needs no electronic opt-out.
    assert codes(text, lang, channel="letter") == set()


@pytest.mark.parametrize(
    ("lang", "text", "code"),
    [
        ("en", "If you don't pay today, a warrant will be issued for your arrest.", "arrest"),
        ("fr", "Si vous ne payez pas, la police viendra vous chercher.", "arrest"),
        ("es", "Si no paga, habrá una orden de arresto en su contra.", "arrest"),
        (
            "en",
            "This 60% settlement expires at midnight and will never be offered again.",
            "false_deadline",
        ),
        ("fr", "C'est votre dernière chance de régler ce dossier.", "false_deadline"),
        ("es", "Es su última oportunidad para pagar.", "false_deadline"),
        ("en", "I'm calling from the legal department about your file.", "false_attorney"),
        ("fr", "Notre avocat prépare votre dossier.", "false_attorney"),
        ("es", "Nuestro abogado revisa su expediente.", "false_attorney"),
        ("en", "People like you are deadbeats.", "abusive"),
        ("fr", "Vous êtes un escroc.", "abusive"),
        ("es", "Usted es un sinvergüenza.", "abusive"),
    ],
)
def test_prohibited_language_is_found_in_each_language(lang: str, text: str, code: str) -> None:
    assert code in codes(text, lang, channel="letter", facts=CREDITOR)


@pytest.mark.parametrize(
    ("lang", "threat", "promise"),
    [
        (
            "en",
            "We will take you to court over this debt.",
            "Because of its age, we will not sue you.",
        ),
        (
            "fr",
            "Nous allons engager une action en justice.",
            "Nous n'engagerons jamais d'action en justice.",
        ),
        (
            "es",
            "Iniciaremos una acción legal contra usted.",
            "No iniciaremos ninguna acción legal.",
        ),
    ],
)
def test_suit_threats_on_time_barred_debt_fail_but_promises_not_to_sue_pass(
    lang: str, threat: str, promise: str
) -> None:
    barred = ContentFacts(time_barred=True)
    assert codes(threat, lang, channel="letter", facts=barred) == {"time_barred_suit"}
    assert codes(promise, lang, channel="letter", facts=barred) == set()
    # Not time-barred: mentioning court is not this violation.
    assert "time_barred_suit" not in codes(threat, lang, channel="letter", facts=CREDITOR)


def test_amounts_that_differ_from_the_account_are_misleading() -> None:
    right = "This is from a debt collector. Your balance is $1,050.00. Reply STOP to opt out."
    assert codes(right) == set()
    assert codes(right.replace("1,050.00", "1,250.00")) == {"misleading_amount"}
    assert codes("Message d'un agent de recouvrement : 1 250,00 € dus. Répondez STOP.", "fr") == {
        "misleading_amount"
    }
    assert codes("Mensaje de un cobrador de deudas: debe 1.050,00 $. Responda STOP.", "es") == set()


def test_a_voicemail_must_be_a_limited_content_message() -> None:
    lcm = "This is Robin Smith calling from ABC Inc. Please contact me or Jim Johnson at 1-800-555-1212."
    assert codes(lcm, channel="voicemail") == set()
    assert codes(
        "Hi, this is Ava from ABC about your overdue balance, call 800-555-1212.",
        channel="voicemail",
    ) == {"limited_content_voicemail"}


def test_a_first_email_must_carry_the_validation_information() -> None:
    notice = (
        "Acme is attempting to collect a debt and any information obtained will be used for that purpose. "
        "You may dispute the debt or ask for the name of the original creditor by 2026-05-08. "
        "More at www.cfpb.gov/debt-collection. Click here to opt out of further emails."
    )
    facts = ContentFacts(third_party_collector=True)
    assert codes(notice, channel="email", first=True, facts=facts) == set()
    short = "Acme is attempting to collect a debt and any information obtained will be used for that purpose. Unsubscribe here."
    assert codes(short, channel="email", first=True, facts=facts) == {"validation_notice"}


def test_uk_pressure_to_borrow_or_sell_is_flagged() -> None:
    facts = ContentFacts(uk_consumer=True)
    assert codes("Have you thought about selling your car?", channel="letter", facts=facts) == {
        "pressure"
    }
    assert codes("We can agree an affordable plan.", channel="letter", facts=facts) == set()


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(InvalidInput, match="de"):
        check_content("Hallo", lang="de", channel="sms", first_communication=False, facts=CREDITOR)
