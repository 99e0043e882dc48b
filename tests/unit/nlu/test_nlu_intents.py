"""Intents of the embedded backend, language detection, and the immutable result types.

The sentences here are written for these tests (not taken from the corpus or the test split).
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import amicable.negotiation.nlu as nlu
from amicable.domain.errors import InvalidInput
from amicable.negotiation.nlu import (
    INTENTS,
    EmbeddedUnderstanding,
    Entities,
    Intent,
    Parse,
    detect_language,
)
from amicable.negotiation.nlu.rules import RULE_CONFIDENCE, rule_intents

TODAY = date(2025, 3, 12)
NLU = EmbeddedUnderstanding()


def test_the_public_surface_is_pinned() -> None:
    assert sorted(nlu.__all__) == sorted(
        [
            "BACKENDS", "CHANNELS", "INTENTS", "LANGS", "PERIODS", "SAFETY_INTENTS",
            "EmbeddedUnderstanding", "Entities", "Intent", "Parse", "Understanding",
            "detect_language", "make_understanding",
        ]
    )  # fmt: skip


def test_the_intent_set_is_exactly_the_contract() -> None:
    assert INTENTS == (
        "commit_payment", "propose_terms", "request_plan", "accept", "reject", "hardship",
        "dispute_amount", "dispute_delivery", "already_paid", "payment_problem", "wrong_party",
        "request_info", "request_human", "cease_contact", "opt_out_channel", "legal",
        "callback_later", "abusive", "identity_answer", "other",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("text", "lang", "intent"),
    [
        ("my employer let me go and I have nothing", "en", "hardship"),
        ("we had to shut the business, no cash at all", "en", "hardship"),
        ("my lawyer is handling this now", "en", "legal"),
        ("I filed for bankruptcy", "en", "legal"),
        ("stop contacting me please", "en", "cease_contact"),
        ("wrong number mate", "en", "wrong_party"),
        ("I want to talk to a real person", "en", "request_human"),
        ("you are all crooks and idiots", "en", "abusive"),
        ("je suis au chômage depuis janvier", "fr", "hardship"),
        ("je transmets à mon avocat", "fr", "legal"),
        ("laissez-moi tranquille maintenant", "fr", "cease_contact"),
        ("vous avez le mauvais numéro", "fr", "wrong_party"),
        ("passez-moi un responsable", "fr", "request_human"),
        ("bande d'escrocs", "fr", "abusive"),
        ("me quedé sin trabajo", "es", "hardship"),
        ("hablen con mi abogado", "es", "legal"),
        ("déjenme en paz ya", "es", "cease_contact"),
        ("número equivocado, no soy yo", "es", "wrong_party"),
        ("quiero hablar con una persona real", "es", "request_human"),
        ("son unos ladrones", "es", "abusive"),
    ],
)
def test_safety_critical_intents_are_recognised_in_three_languages(
    text: str, lang: str, intent: str
) -> None:
    assert NLU.parse(text, lang=lang, today=TODAY).has(intent)


@pytest.mark.parametrize(
    ("text", "lang", "intent"),
    [
        ("ok I'll send the payment on friday", "en", "commit_payment"),
        ("could I do 80 a month?", "en", "propose_terms"),
        ("do you have installment options", "en", "request_plan"),
        ("the card payment failed again", "en", "payment_problem"),
        ("I never received those items", "en", "dispute_delivery"),
        ("I paid that on monday", "en", "already_paid"),
        ("je vous paie vendredi", "fr", "commit_payment"),
        ("je peux payer 100 par mois", "fr", "propose_terms"),
        ("le lien de paiement ne fonctionne pas", "fr", "payment_problem"),
        ("j'ai déjà réglé cette facture", "fr", "already_paid"),
        ("le pago el viernes sin falta", "es", "commit_payment"),
        ("puedo pagar 100 al mes", "es", "propose_terms"),
        ("nunca me llegó el pedido", "es", "dispute_delivery"),
        ("ya pagué esa factura", "es", "already_paid"),
    ],
)
def test_everyday_intents_come_first(text: str, lang: str, intent: str) -> None:
    assert NLU.parse(text, lang=lang, today=TODAY).top == intent


def test_a_message_can_carry_several_intents() -> None:
    parse = NLU.parse("I lost my job, can I pay 50 a month?", lang="en", today=TODAY)
    assert parse.has("hardship") and parse.has("propose_terms")
    assert parse.entities.amount is not None and parse.entities.per == "month"


def test_intents_are_ordered_most_likely_first_and_unique() -> None:
    parse = NLU.parse("stop calling me, my lawyer will sue you", lang="en", today=TODAY)
    confidences = [i.confidence for i in parse.intents]
    assert confidences == sorted(confidences, reverse=True)
    assert len(set(parse.names)) == len(parse.names)


def test_an_empty_message_is_other() -> None:
    parse = NLU.parse("   ", lang=None, today=TODAY)
    assert parse.names == ("other",)


def test_a_rule_match_has_the_fixed_rule_confidence() -> None:
    assert rule_intents("i want to speak to a manager") == {"request_human": RULE_CONFIDENCE}
    assert rule_intents("i can pay on friday") == {}


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=120))
def test_any_text_gets_a_valid_parse(text: str) -> None:
    parse = NLU.parse(text, lang=None, today=TODAY)
    assert parse.intents and all(i.name in INTENTS for i in parse.intents)
    assert all(0.0 <= i.confidence <= 1.0 for i in parse.intents)
    assert parse.lang in ("en", "fr", "es")


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("I can pay next week, sorry for the delay", "en"),
        ("who is this and what do you want", "en"),
        ("je ne peux pas payer ce mois-ci", "fr"),
        ("c'est déjà réglé depuis lundi", "fr"),
        ("ça ne me va pas", "fr"),
        ("no puedo pagar este mes", "es"),
        ("¿quién es usted?", "es"),
        ("ya pagué la factura", "es"),
        ("mañana le pago", "es"),
    ],
)
def test_the_language_is_detected_offline(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_a_neutral_message_takes_the_hint_then_english() -> None:
    assert detect_language("500", hint="fr") == "fr"
    assert detect_language("ok") == "en"


def test_an_explicit_language_is_used_as_given_and_an_unknown_one_is_refused() -> None:
    assert NLU.parse("ok", lang="es", today=TODAY).lang == "es"
    with pytest.raises(InvalidInput, match="unsupported language"):
        NLU.parse("ok", lang="de", today=TODAY)


def test_results_are_immutable_and_validated() -> None:
    parse = Parse((Intent("accept", 0.9),))
    with pytest.raises(FrozenInstanceError):
        parse.lang = "fr"  # type: ignore[misc]
    with pytest.raises(InvalidInput, match="unknown intent"):
        Intent("give_discount", 0.5)
    with pytest.raises(InvalidInput, match="outside"):
        Intent("accept", 1.5)
    with pytest.raises(InvalidInput, match="at least one"):
        Parse(())
    with pytest.raises(InvalidInput, match="duplicate"):
        Parse((Intent("accept", 0.9), Intent("accept", 0.8)))
    with pytest.raises(InvalidInput, match="per"):
        Entities(per="day")
    with pytest.raises(InvalidInput, match="installments"):
        Entities(installments=0)
    with pytest.raises(InvalidInput, match="amount must be Money"):
        Entities(amount="12.00")  # type: ignore[arg-type]


def test_the_wire_shape_is_the_contract() -> None:
    parse = NLU.parse("I can pay $75 a week from friday", lang="en", today=TODAY)
    doc = parse.to_json()
    assert set(doc) == {"intents", "entities", "lang"}
    assert set(doc["entities"]) == {"amount", "per", "date", "installments", "percent", "fraction", "channel"}  # fmt: skip
    assert doc["entities"]["amount"] == {"value": "75.00", "currency": "USD"}
    assert doc["entities"]["date"] == "2025-03-14"
    assert all(set(i) == {"name", "confidence"} for i in doc["intents"])


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("hi, I got a text from you", "en"),
        ("hello, I received a text from this number", "en"),
        ("hey, you sent me a text", "en"),
        ("got ur text", "en"),
        ("bonjour, j'ai reçu un texto de vous", "fr"),
        ("hola, me llegó un mensaje de ustedes", "es"),
    ],
)
def test_a_debtor_saying_they_got_our_message_is_not_a_wrong_party(text: str, lang: str) -> None:
    # Reported bug: "hi, I got a text from you" was read as wrong_party (and would end the
    # conversation as if the person were not the debtor).
    parse = NLU.parse(text, lang=lang, today=TODAY)
    assert not parse.has("wrong_party"), parse.names
    assert parse.top in {"other", "request_info"}


def test_saying_they_got_our_message_and_that_it_is_not_theirs_is_still_a_wrong_party() -> None:
    parse = NLU.parse(
        "I got a text from you but I'm not the person you want", lang="en", today=TODAY
    )
    assert parse.has("wrong_party")


@pytest.mark.parametrize(
    ("text", "lang", "intents"),
    [
        # a safety intent second to a proposal, a refusal or another safety intent
        ("sales have dried up, could I do 40 a month", "en", {"propose_terms", "hardship"}),
        ("les commandes se sont taries, 3 versements ?", "fr", {"propose_terms", "hardship"}),
        ("el negocio va muy lento, ¿40 al mes?", "es", {"propose_terms", "hardship"}),
        ("I'm not Dana, you've got the wrong person. Stop now.", "en", {"wrong_party"}),
        ("BAJA", "es", {"cease_contact"}),
        ("olvídenme", "es", {"cease_contact"}),
        ("faites comme si je n'existais pas", "fr", {"cease_contact"}),
        ("who is Marco? i'm not marco", "en", {"wrong_party"}),
        ("qui est Karim ? moi c'est Samir", "fr", {"wrong_party"}),
        ("¿quién es Rosa? yo soy Inés", "es", {"wrong_party"}),
        ("you want my ex-wife, she kept this address", "en", {"wrong_party"}),
        ("c'est mon père que vous cherchez, on a le même nom", "fr", {"wrong_party"}),
        ("será del inquilino anterior", "es", {"wrong_party"}),
        ("put your boss on", "en", {"request_human"}),
        ("passez-moi votre patron", "fr", {"request_human"}),
        ("¿me da el nombre de su superior?", "es", {"request_human"}),
        ("bunch of chancers", "en", {"abusive"}),
        ("bande de guignols", "fr", {"abusive"}),
        ("cierra el pico", "es", {"abusive"}),
    ],
)
def test_third_round_safety_phrases_are_rule_matched(
    text: str, lang: str, intents: set[str]
) -> None:
    parse = NLU.parse(text, lang=lang, today=TODAY)
    assert intents <= set(parse.names), parse.names


@pytest.mark.parametrize(
    ("text", "lang", "absent"),
    [
        # capitals that are not a name, a capitalised message, lower-case "not sure"
        ("I'm not Sure about that", "en", "wrong_party"),
        ("I Am Not Paying That Amount", "en", "wrong_party"),
        ("je ne suis pas Sûr que ce soit juste", "fr", "wrong_party"),
        ("I'm Karim, what is this for?", "en", "wrong_party"),
        # a previous owner of a car, a boss mentioned in passing, "plus de travail"
        ("the previous owner of the car said it was paid", "en", "wrong_party"),
        ("I spoke to your boss last week and he agreed to 3 payments", "en", "request_human"),
        ("je n'ai plus aucun contact avec lui depuis des années", "fr", "cease_contact"),
        ("no somos tontos, esa factura está mal", "es", "abusive"),
        ("j'ai viré 50 € ce matin", "fr", "hardship"),
        ("vos pratiques sont douteuses", "fr", "abusive"),
    ],
)
def test_third_round_rules_stay_precise(text: str, lang: str, absent: str) -> None:
    from amicable.negotiation.nlu.lang import normalize
    from amicable.negotiation.nlu.rules import rule_intents

    assert absent not in rule_intents(normalize(text), text)


_FOURTH_ROUND_SAFETY_PHRASES_ARE_RULE_MATCHED = [
    # fourth round: second-position ceases, "back off", "lose my number", a stop after a name
    ("Back off, I mean it", "cease_contact"),
    ("perdez ce numéro une bonne fois pour toutes", "cease_contact"),
    ("olviden mi teléfono, por favor", "cease_contact"),
    ("nous sommes en sauvegarde, arrêtez de nous relancer", "cease_contact"),
    ("no soy Mateo, dejen de mandarme cosas", "cease_contact"),
    ("je suis pas Inès, arrêtez de m'envoyer ça", "cease_contact"),
    # fraud victims are not the debtor
    ("I'm a victim of identity fraud, I never had this loan", "wrong_party"),
    ("ce prêt a été ouvert frauduleusement", "wrong_party"),
    ("soy víctima de suplantación, yo no pedí nada", "wrong_party"),
    # threats without an insult, insults by metaphor, Québec swearing
    ("one more letter and I'll smash your windows and your face", "abusive"),
    ("je vais te péter la gueule", "abusive"),
    ("al que venga le parto la cara", "abusive"),
    ("y'a rien dans ta cervelle de poulet", "abusive"),
    ("tabarnak, encore vous", "abusive"),
    # anxiety, funerals, looking for work beside a plan request
    ("the anxiety about this bill is making me ill", "hardship"),
    ("on prépare les funérailles de mon oncle", "hardship"),
    ("¿me congelan la deuda mientras busco trabajo?", "hardship"),
    # every channel refused at once, "don't use this number again"
    ("no calls, no texts and no letters", "cease_contact"),
    ("plus de mails, plus d'appels, plus rien", "cease_contact"),
    ("ni una carta más, ni un correo, ni nada", "cease_contact"),
    ("do not use this phone again", "cease_contact"),
]


_FOURTH_ROUND_RULES_STAY_PRECISE = [
    # near misses of the fourth round's rules
    ("could you back off on the late fees a little", "cease_contact"),
    ("je vous envoie mon numéro de dossier", "cease_contact"),
    ("arrêtez de m'envoyer des sms, écrivez-moi par mail", "cease_contact"),
    ("I'm anxious to get this settled today", "hardship"),
    ("the fraud department told me to call you", "wrong_party"),
    ("c'est un calvaire, ce site de paiement", "abusive"),
    ("une gang de monde m'a dit de payer en ligne", "abusive"),
    ("plus de sms, plus d'appels, écrivez-moi par mail", "cease_contact"),
    ("I won't use this card again, it keeps failing", "cease_contact"),
]


def test_the_per_intent_thresholds_only_add_following_safety_intents() -> None:
    # The cross-validated per-intent thresholds (below SAFETY_THRESHOLD) may report a weak safety
    # signal, but never change the leading intent nor drop one: accuracy and the dialogue, which
    # acts on the lead and on intents >= 0.6, are unchanged.
    from amicable.negotiation.nlu import SAFETY_INTENTS
    from amicable.negotiation.nlu.corpus import load_split
    from amicable.negotiation.nlu.embedded import INTENT_THRESHOLDS, SAFETY_THRESHOLD

    assert set(INTENT_THRESHOLDS) <= set(SAFETY_INTENTS)
    assert all(0.0 < t <= SAFETY_THRESHOLD for t in INTENT_THRESHOLDS.values())
    flat = EmbeddedUnderstanding(thresholds={})
    for lang in ("en", "fr", "es"):
        for ex in load_split("dev", lang):
            tuned = NLU.parse(ex.text, lang=lang, today=TODAY)
            plain = flat.parse(ex.text, lang=lang, today=TODAY)
            assert tuned.top == plain.top, ex.text
            assert set(plain.names) <= set(tuned.names), ex.text
            assert set(tuned.names) - set(plain.names) <= set(INTENT_THRESHOLDS), ex.text
            assert all(i.confidence < 0.6 for i in tuned.intents if i.name not in plain.names)


_FIFTH_ROUND_SAFETY_PHRASES_ARE_RULE_MATCHED = [
    # fifth round: regulators by name and the police, a landlord, an executor, a relative
    # answering for the debtor, comeuppance and a visit as a threat, "hasta aquí llegamos"
    ("I've complained to the FCA about you", "legal"),
    ("je suis allé à la gendarmerie avec vos courriers", "legal"),
    ("lo llevé a la fiscalía", "legal"),
    ("I'm her landlord, she left in May", "wrong_party"),
    ("I'm the executor of his estate", "wrong_party"),
    ("this is her husband, she's not available", "wrong_party"),
    ("what goes around comes around, remember that", "abusive"),
    ("keep calling and I'll pay your office a visit", "abusive"),
    ("bande d'incapables", "abusive"),
    ("hasta aquí llegamos", "cease_contact"),
]


_FIFTH_ROUND_RULES_STAY_PRECISE = [
    # fifth round: hardship words that do not say hardship
    ("you make me sick, leave me alone", "hardship"),
    ("I'm sick of these letters, what is the fee for?", "hardship"),
    ("is this the hospital bill or the ambulance one", "hardship"),
    ("we broke up years ago, he's not here", "hardship"),
    ("I'd like to talk to your hardship team", "hardship"),
    ("my ex-husband and I divorced in 2019, this is his debt", "hardship"),
    ("mi licenciado dice que no pague", "hardship"),
    ("pagado, número de operación 55190", "hardship"),
    ("ma banque a bloqué l'opération", "hardship"),
    ("vous êtes malades ou quoi ?", "hardship"),
    ("¿es la factura del hospital?", "hardship"),
    # and their neighbours that do
    ("the property manager said the tenant left", "request_human"),
]


@pytest.mark.parametrize(
    "text",
    [
        "I've been divorced since March and lost my job",
        "I'm sick and can't work",
        "mi madre está en el hospital",
        "je suis malade depuis un mois",
        "tras la operación no puedo trabajar",
    ],
)
def test_fifth_round_hardship_still_matches(text: str) -> None:
    from amicable.negotiation.nlu.lang import normalize

    assert "hardship" in rule_intents(normalize(text), text)


_SIXTH_ROUND_SAFETY_PHRASES_ARE_RULE_MATCHED = [
    # sixth round: a stop ending another message, terse and regional dismissals
    ("I'll pay on the 2nd, then leave me in peace", "cease_contact"),
    ("that figure is invented, and stop hounding me", "cease_contact"),
    ("paid in full. never want to hear from your company again", "cease_contact"),
    ("please do not reach out again", "cease_contact"),
    ("no letters, no calls, no visits and everything else", "cease_contact"),
    ("jog on", "cease_contact"),
    ("stop calling, stop texting, stop emailing", "cease_contact"),
    ("je paie lundi, ensuite laissez-moi en paix", "cease_contact"),
    ("ne cherchez plus à me joindre", "cease_contact"),
    ("cassez-vous", "cease_contact"),
    ("les appels, les lettres, tout", "cease_contact"),
    ("déjenme tranquila, ya pagué", "cease_contact"),
    ("no me vuelvan a molestar", "cease_contact"),
    ("ábranse", "cease_contact"),
    # insults in many dialects and veiled threats
    ("you lot are gobshites", "abusive"),
    ("bunch of drongos", "abusive"),
    ("stop ringing me you inconsiderate pricks", "abusive"),
    ("lol ok scammer", "abusive"),
    ("shame if something happened to your office", "abusive"),
    ("espèce d'escroc", "abusive"),
    ("sale rapace", "abusive"),
    ("ce serait dommage qu'il arrive quelque chose à votre agence", "abusive"),
    ("¿y esto qué es, cuatreros?", "abusive"),
    ("ni para eso sirven, zopencos", "abusive"),
    ("manga de chantas", "abusive"),
    ("sapo culiao", "abusive"),
    ("ya sé qué coche lleva su cobrador", "abusive"),
    # one channel, said with "ring", "appeler", "llamar"
    ("please don't ring my mobile", "opt_out_channel"),
    ("arrêtez d'appeler, écrivez-moi", "opt_out_channel"),
    ("dejen de llamar, mejor un correo", "opt_out_channel"),
]


_SIXTH_ROUND_RULES_STAY_PRECISE = [
    # sixth round: near misses of the new patterns
    ("a scammer opened that account with my details", "abusive"),
    ("do one payment now and one next month?", "cease_contact"),
    ("leave me a voicemail and I'll call back", "cease_contact"),
    ("je paierai en espèces demain", "abusive"),
    ("necesito la partida de nacimiento para el trámite", "abusive"),
    ("ring me back tomorrow", "opt_out_channel"),
    ("don't call before nine, don't text at night", "cease_contact"),
    ("no me llamen por la mañana, mejor por la tarde", "cease_contact"),
    ("my mate reached out to you about the plan", "cease_contact"),
    ("this is bloody ridiculous, why is it 300?", "abusive"),
    ("je suis fâché, le montant est faux", "abusive"),
    ("estoy muy enojado con el cobro", "abusive"),
]


_SIXTH_ROUND_PROBE_MISSES_ARE_RULE_MATCHED = [
    # sixth round, after the probe batch's one measurement
    ("that's fine, and no more chasing after that", "cease_contact"),
    ("je paie jeudi et vous m'oubliez", "cease_contact"),
    ("que je te croise pas dans ma rue", "abusive"),
]


_SEVENTH_ROUND_SAFETY_PHRASES_ARE_RULE_MATCHED = [
    # seventh round: the seventh split's kinds of misses, read by the labelling rules
    ("my debt counsellor says I can't agree anything without her", "legal"),
    ("Je suis sous tutelle, veuillez contacter mon tuteur à l'UDAF.", "legal"),
    ("voyez avec le notaire chargé de la succession", "legal"),
    ("Acepto, pero lo firmamos delante de mi notario", "legal"),
    ("Any claim goes through probate", "legal"),
    ("I got a letter from Cartwright & Doyle saying they act for me now", "legal"),
    ("This matter is in the hands of Harrison Clarke LLP.", "legal"),
    ("it's statute barred, six years, look it up", "legal"),
    ("I want it deleted under GDPR", "legal"),
    ("Je viens de recevoir l'injonction de payer, je fais opposition.", "legal"),
    ("Ustedes me van a tener que ver en la corte", "legal"),
    ("Lay off, I'm sorting it", "cease_contact"),
    ("cut it out", "cease_contact"),
    ("make sure I'm removed from whatever list this came from", "cease_contact"),
    ("En attendant, silence radio de votre côté svp.", "cease_contact"),
    ("así que párenle con el acoso", "cease_contact"),
    ("Cállense, cuervos", "cease_contact"),
    ("Iros a la mierda", "cease_contact"),
    ("Vayan a chingar a su madre", "cease_contact"),
    ("Va chier, tabarnak", "cease_contact"),
    ("ouais ouais je vais payer, lâchez l'affaire", "cease_contact"),
    ("I'm answering for Mr Patel who is in hospital", "wrong_party"),
    ("je suis juste la nounou, la maman rentre vers 19 h", "wrong_party"),
    ("C'est le voisin de M. Lefèvre qui répond", "wrong_party"),
    ("The shop has been under new management since January", "wrong_party"),
    ("Got a letter for my late husband", "wrong_party"),
    ("Passez-moi Mme Girard, c'est elle qui suivait mon dossier", "request_human"),
    ("Quiero que me atienda la licenciada Ruiz", "request_human"),
    ("se traba la web, ¿hay alguien que me atienda?", "request_human"),
    ("que me llame una senorita de la empresa", "request_human"),
    ("Gonorreas, no me hablen más", "abusive"),
    ("Forros, ofrezco 20 mil por mes", "abusive"),
    ("Mamagüevos, yo no soy Yorman", "abusive"),
    ("¿Qué es este cobro, conchesumadres?", "abusive"),
    ("Snuls ! Vous m'avez facturé deux fois", "abusive"),
    ("I've already paid, you illiterate baboons", "abusive"),
    ("Cheeky sods adding another fee", "abusive"),
    ("ça sert à rien de me menacer, pauvre type", "abusive"),
    ("Si mandan otra vez al cobrador, no respondo de lo que pase", "abusive"),
]


_SEVENTH_ROUND_RULES_STAY_PRECISE = [
    # seventh round: near misses of the new patterns
    ("I'm a carer for my disabled son and can't work", "wrong_party"),
    ("je sors de chez le notaire pour la succession de ma grand-mère", "legal"),
    ("they will lay off half the staff next month", "cease_contact"),
    ("I was laid off in May", "cease_contact"),
    ("Párenle ya con los SMS y las llamadas", "cease_contact"),
    ("allez vous faire voir", "cease_contact"),
    ("no respondo el teléfono en el trabajo", "abusive"),
    ("the new management agreed a plan with me", "wrong_party"),
    ("I'd like the debt advice number you mentioned", "legal"),
    ("take me through the list of charges", "cease_contact"),
    ("the licence fee for the software", "request_human"),
    ("Lucas said he'd pay it", "abusive"),
]


_EIGHTH_ROUND_SAFETY_PHRASES_ARE_RULE_MATCHED = [
    # eighth round: someone answering for the debtor, hardship told by others or by
    # understatement, dismissals and stops said any way, people acting by mandate
    ("hi, I'm her grandson, she doesn't use this phone any more", "wrong_party"),
    ("this is just the babysitter, they're back on monday", "wrong_party"),
    ("I hold lasting power of attorney for my father", "wrong_party"),
    ("c'est sa sœur, il est à l'hôpital depuis lundi", "wrong_party"),
    ("je suis l'aide-soignante de Mme Leroy, elle ne peut pas répondre", "wrong_party"),
    ("le escribe el yerno, don Jacinto no usa el celular", "wrong_party"),
    ("soy el socio de Hernán, le paso el recado", "wrong_party"),
    ("my grandmother is in palliative care now", "hardship"),
    ("elle a Alzheimer et vit en maison de retraite", "hardship"),
    ("la banque alimentaire, je connais bien maintenant", "hardship"),
    ("en cuanto cobre el finiquito les pago", "hardship"),
    ("the kids and I are skipping meals this month", "hardship"),
    ("get stuffed, all of you", "cease_contact"),
    ("paid it on monday so give it a rest", "cease_contact"),
    ("esfúmense de una vez", "cease_contact"),
    ("ya pagué, se acabó el acoso", "cease_contact"),
    ("merci de la laisser tranquille", "cease_contact"),
    ("j'ai saisi l'UFC-Que Choisir", "legal"),
    ("lo lleva la OCU", "legal"),
    ("el síndico de la quiebra tiene los papeles", "legal"),
    ("hablen con mi gestoría", "legal"),
    ("we've asked a mediator to look at it", "legal"),
    ("voyez ça avec maître Girardin", "legal"),
    ("the link is broken, who do I talk to?", "request_human"),
    ("¿no tienen empleados o qué?", "request_human"),
    ("stop the calls, lunatics", "abusive"),
]


_EIGHTH_ROUND_RULES_STAY_PRECISE = [
    # eighth round: near misses of the new patterns
    ("my wife is unwell and I'm her carer, can I pay 40 a month", "wrong_party"),
    ("ma fille m'aide avec le téléphone mais c'est bien moi le client", "wrong_party"),
    ("soy el socio de la empresa y pagamos el viernes", "wrong_party"),
    ("je propose 800 € pour solde de tout compte", "hardship"),
    ("mi gestor les hizo la transferencia ayer", "legal"),
    ("un maître-nageur m'a dit de vous appeler", "legal"),
    ("que les den", "cease_contact"),
    ("shove your bill", "cease_contact"),
    ("mi jefe me corrió la semana pasada", "request_human"),
    ("tu jefe es un ladrón", "request_human"),
    ("the missus is crook so I'm home with her", "abusive"),
]


_NINTH_ROUND_SAFETY_PHRASES_ARE_RULE_MATCHED = [
    # ninth round: dismissals of every dialect (abuse and a cease), a stop for the debtor, every
    # channel refused in one breath, a stop until a date, distress, staff answering, a person
    # remembered from before or behind the screen, a colleague
    ("go suck an egg, the whole pack of you", "cease_contact"),
    ("go suck an egg, the whole pack of you", "abusive"),
    ("voetsek with your reminders", "cease_contact"),
    ("allez donc au diable avec vos pénalités", "cease_contact"),
    ("vete al carajo con tu deuda", "cease_contact"),
    ("andate a cagar, cobrador", "cease_contact"),
    ("vayan a freír espárragos", "abusive"),
    ("please leave him alone, he's in hospital", "cease_contact"),
    ("please leave him alone, he's in hospital", "wrong_party"),
    ("no le manden más cobros a mi papá", "cease_contact"),
    ("dejad de mandarle mensajes, por favor", "wrong_party"),
    ("arrêtez de la harceler, elle a 90 ans", "cease_contact"),
    ("pas d'appels, pas de SMS, pas de mails, pas de WhatsApp. Rien.", "cease_contact"),
    ("teléfono, email, mensajitos, palomas mensajeras. Que se acabe.", "cease_contact"),
    ("post, phone, email, text: none of it, ever", "cease_contact"),
    ("don't contact me until the 28th", "cease_contact"),
    ("ne me relancez pas avant le 10 avril", "cease_contact"),
    ("no me contacten hasta que cobre", "cease_contact"),
    ("dejá de romperme las bolas", "cease_contact"),
    ("corten con la persecución", "cease_contact"),
    ("I'm not coping, please stop", "hardship"),
    ("ya no duermo por esta deuda", "hardship"),
    ("je ne dors plus à cause de vous", "hardship"),
    ("I'm overdrawn until payday", "hardship"),
    ("je suis à découvert depuis le 3", "hardship"),
    ("estoy en números rojos", "hardship"),
    ("I'm his social worker, he asked me to reply", "wrong_party"),
    ("c'est la secrétaire de maître Dubois", "wrong_party"),
    ("soy el sereno del edificio", "wrong_party"),
    ("can I talk to the lady I spoke to last week?", "request_human"),
    ("y a quelqu'un derrière l'écran ?", "request_human"),
    ("la dame de la dernière fois, elle est là ?", "request_human"),
    ("alguien de cobros, no el asistente virtual", "request_human"),
    ("you're useless, get me another colleague", "request_human"),
    ("you're useless, get me another colleague", "abusive"),
    ("every reminder keeps me awake. Please stop.", "cease_contact"),
    ("je paie lundi, et après je ne veux plus jamais entendre parler de vous", "cease_contact"),
    ("the worry has me on antidepressants", "hardship"),
    ("can I have the same agent as last time?", "request_human"),
    ("¿es una persona o son todos robots?", "request_human"),
    ("lâchez-le, mon père a 88 ans", "wrong_party"),
    ("this is the office manager, Ben left last year", "wrong_party"),
]


_NINTH_ROUND_RULES_STAY_PRECISE = [
    # ninth round: near misses of the new patterns
    ("fuck off and stop texting me", "cease_contact"),  # a channel named: abuse and an opt-out
    ("no calls at work, texts or email are fine, and whatsapp too", "cease_contact"),
    ("pas de WhatsApp svp, c'est mon numéro perso. Un e-mail ira très bien", "cease_contact"),
    ("leave my family alone", "wrong_party"),  # may be the debtor speaking
    ("I settled this with your colleague on the phone", "request_human"),
    ("j'ai déjà réglé avec votre collègue", "request_human"),
    ("the company is in administration, speak to the administrators", "hardship"),
    ("my overdraft is fine, what's the balance?", "hardship"),
    ("je suis à bout, c'est la troisième fois que j'explique", "hardship"),
    ("I'm not useless at paying, it's your system", "abusive"),
    ("vous êtes nulle part dans mon relevé", "abusive"),
    ("my mum was ill, I'm her son and I'm paying it now", "cease_contact"),
    ("who keeps calling me from a hidden number ten times a day? stop.", "cease_contact"),
    ("no more phone calls, put everything in writing by email", "cease_contact"),
    ("ici la gérante de la SARL, habilitée à traiter le dossier", "wrong_party"),
]


# Each round's phrases stay matched by the rule layer, and each round's near misses stay out of it.
@pytest.mark.parametrize(
    ("text", "intent"),
    _FOURTH_ROUND_SAFETY_PHRASES_ARE_RULE_MATCHED
    + _FIFTH_ROUND_SAFETY_PHRASES_ARE_RULE_MATCHED
    + _SIXTH_ROUND_SAFETY_PHRASES_ARE_RULE_MATCHED
    + _SIXTH_ROUND_PROBE_MISSES_ARE_RULE_MATCHED
    + _SEVENTH_ROUND_SAFETY_PHRASES_ARE_RULE_MATCHED
    + _EIGHTH_ROUND_SAFETY_PHRASES_ARE_RULE_MATCHED
    + _NINTH_ROUND_SAFETY_PHRASES_ARE_RULE_MATCHED,
)
def test_each_rounds_safety_phrases_are_rule_matched(text: str, intent: str) -> None:
    from amicable.negotiation.nlu.lang import normalize

    assert intent in rule_intents(normalize(text), text)


@pytest.mark.parametrize(
    ("text", "absent"),
    _FOURTH_ROUND_RULES_STAY_PRECISE
    + _FIFTH_ROUND_RULES_STAY_PRECISE
    + _SIXTH_ROUND_RULES_STAY_PRECISE
    + _SEVENTH_ROUND_RULES_STAY_PRECISE
    + _EIGHTH_ROUND_RULES_STAY_PRECISE
    + _NINTH_ROUND_RULES_STAY_PRECISE,
)
def test_each_rounds_rules_stay_precise(text: str, absent: str) -> None:
    from amicable.negotiation.nlu.lang import normalize

    assert absent not in rule_intents(normalize(text), text)
