"""High-precision patterns for the intents whose miss is costly, in English, French and Spanish.

The linear model generalises; these rules make sure the safety-critical intents (hardship, legal,
cease_contact, wrong_party, request_human, abusive) and the channel opt-out are never left to a
statistical guess when the debtor says them plainly. A rule that matches adds its intent with a
fixed high confidence (:data:`RULE_CONFIDENCE`); rules never remove an intent.

Invariants: patterns run on lower-cased text with unified apostrophes; every intent named here
is one of :data:`~amicable.negotiation.nlu.types.INTENTS` (checked at import).
"""

from __future__ import annotations

import re
from typing import Final

from amicable.negotiation.nlu.types import INTENTS

__all__ = ["RULE_CONFIDENCE", "rule_intents"]

RULE_CONFIDENCE: Final = 0.97


def _p(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives))


_RULES: Final[dict[str, re.Pattern[str]]] = {
    "hardship": _p(
        # en
        r"\b(?:lost|lose|losing)\s+(?:my|his|her|our|the)\s+(?:job|work|income|house|home|husband|wife|son|daughter|mother|mom|father|dad|partner|business)",
        r"\b(?:laid\s+off|made\s+redundant|got\s+fired|been\s+fired|i\s+was\s+fired|unemployed|out\s+of\s+(?:work|a\s+job)|jobless|between\s+jobs|no\s+job|no\s+income|furloughed)\b",
        r"\b(?:cancer|chemo|hospital|hospitali[sz]ed|surgery|sick|illness|(?:is|am|was|been|fell|very|seriously|too|gravely)\s+ill\b|disabled|disability|medical|diagnos|stroke|heart\s+attack|depress|mental\s+health|pregnan|maternity)",
        r"\b(?:passed\s+away|died|death|funeral|bereave|widow)",
        r"\b(?:divorce|separated|evict|homeless|benefits|welfare|food\s+bank|can'?t\s+(?:afford\s+)?(?:food|rent|eat)|struggling|broke\b|hardship(?!\s+(?:plan|program))|difficult\s+time|tough\s+time|rough\s+patch)",
        r"\b(?:cash[- ]?flow|business\s+is\s+(?:slow|struggling|dead|failing)|lost\s+(?:a|our|my)\s+(?:big\s+)?(?:client|customer|contract)|no\s+money|zero\s+money|can'?t\s+make\s+ends\s+meet|behind\s+on\s+(?:rent|bills)|not\s+been\s+paid|haven'?t\s+been\s+paid|clients?\s+(?:haven'?t|didn'?t|don'?t)\s+pay)",
        # fr
        r"\b(?:perdu|perte\s+de)\s+(?:mon|ma|son|notre|d'|l')?\s*(?:emploi|travail|boulot|job|mari|femme|fils|fille|mère|père|conjoint|revenu|client|logement)",
        r"\b(?:licenci|chômage|chomage|sans\s+emploi|sans\s+travail|entre\s+deux\s+(?:emplois|boulots|jobs)|au\s+rsa|rsa\b|pôle\s+emploi|pole\s+emploi|france\s+travail)",
        r"\b(?:malade|maladie|hôpital|hopital|hospitalis|opéré|opération|cancer|chimio|handicap|arrêt\s+maladie|arret\s+maladie|dépression|enceinte|congé\s+mat)",
        r"\b(?:décédé|décès|deces|décéd|est\s+mort|morte\b|enterrement|obsèques|deuil|veuf|veuve)",
        r"\b(?:divorc|séparation|expuls|sans\s+abri|fins\s+de\s+mois\s+difficiles|galère|galere|difficultés?\s+financi|en\s+difficulté|plus\s+un\s+(?:sou|rond|centime)|fauché|fauche|sans\s+argent|pas\s+d'argent|trésorerie|tresorerie)",
        # es
        r"\b(?:perd[ií]|perdido|perdimos|perdió)\s+(?:el|mi|su|nuestro|nuestra|a\s+mi|a\s+su)?\s*(?:trabajo|empleo|chamba|marido|esposo|esposa|mujer|hijo|hija|madre|padre|ingreso|cliente|casa)",
        r"\b(?:despid|desemplead|sin\s+trabajo|sin\s+empleo|en\s+(?:el\s+)?paro|cesant|me\s+echaron)",
        r"\b(?:enferm|hospital|operaci[oó]n|cirug[ií]a|c[aá]ncer|quimio|discapacidad|incapacidad|baja\s+m[eé]dica|depresi[oó]n|embarazad)",
        r"\b(?:falleci|muri[oó]|muerte|funeral|entierro|luto|viud)",
        r"\b(?:divorci|desahuci|desalojo|sin\s+hogar|apuros|dificultades?\s+econ[oó]mica|mala\s+racha|situaci[oó]n\s+dif[ií]cil|no\s+tengo\s+(?:dinero|plata|un\s+peso|ni\s+para)|sin\s+dinero|sin\s+plata|quebrado|flujo\s+de\s+caja|liquidez|el\s+negocio\s+va\s+(?:mal|fatal|fatal[ií]simo)|la\s+caja\s+est[aá]\s+(?:fatal|vac[ií]a|en\s+rojo)|sin\s+clientes|ventas\s+(?:se\s+)?(?:han\s+)?(?:ca[ií]do|desplomado)|no\s+me\s+han\s+pagado|no\s+nos\s+pagan)",
    ),
    "legal": _p(
        r"\b(?:lawyer|attorney|solicitor|legal\s+(?:aid|advice|action|counsel|representation)|sue\b|suing|sued|lawsuit|court|judge|bankrupt|chapter\s+(?:7|11|13)|insolven|fdcpa|cfpb|consumer\s+protection|ombudsman|small\s+claims|harass(?:ment)?\s+(?:claim|complaint|lawsuit)|report\s+you\s+to|file\s+a\s+complaint|cease\s+and\s+desist|debt\s+validation|validate\s+(?:this|the)\s+debt|statute\s+of\s+limitations|debt\s+relief\s+order|trust\s+deed|receivership|liquidat(?:ion|or)|in\s+administration|(?:breaking|against|breach\s+of)\s+the\s+law|my\s+rights|legal)\b",
        r"\b(?:avocat|juriste|huissier|tribunal|juge|justice|procès|proces\b|poursui(?:vre|te|s)|porter\s+plainte|plainte|faillite|surendettement|banque\s+de\s+france|liquidation\s+judiciaire|redressement(?:\s+judiciaire)?|mise\s+en\s+demeure|dgccrf|médiateur|mediateur|mes\s+droits|procédure\s+collective|juridique)\b",
        r"\b(?:abogad[oa]|licenciad[oa]|demand(?:a|ar|aré|are|arlos|arles|aremos)|tribunal|juzgado|juez|juicio|quiebra|bancarrota|concurso\s+de\s+acreedores|acuerdo\s+extrajudicial|segunda\s+oportunidad|administrador\s+concursal|insolvencia|denuncia(?:r|ré)?|profeco|condusef|defensa\s+del\s+consumidor|mis\s+derechos|jur[ií]dic|legal(?:es|mente)?)\b",
    ),
    "cease_contact": _p(
        # "don't write to me any more" names no channel: a cease, not an opt-out
        r"(?:\bne\s+m'[ée]crive[zr]\s+plus|\bne\s+plus\s+m'[ée]crire|\barr[eê]te[zr]?\s+de\s+m'[ée]crire|\bno\s+me\s+escriban?\s+m[aá]s|\bdej(?:e|en|a)\s+de\s+escribirme)(?!\s+(?:par|sur|au|por|al|en|v[ií]a)\b)",
        # forget me / strike me off / do not try to reach me (written for the corpus growth)
        r"\bunsubscribe\s+(?:me\s+)?from\s+(?:everything|all)|\b(?:forget\s+(?:about\s+)?me|forget\s+i\s+exist)\b|\bdon'?t\s+(?:try\s+to\s+)?(?:reach|get\s+in\s+touch\s+with)\s+me|\bwithdraw\s+(?:my\s+)?consent|\bdon'?t\s+(?:ever\s+)?want\s+to\s+hear\s+from\s+(?:you|u)|\bcease\s+all\b",
        r"\boubliez[- ]moi|\brayez[- ]moi|\brayez\s+mon\s+nom|\bretirez[- ]moi\s+de\s+(?:vos|toutes)|\bne\s+me\s+(?:sollicite[zr]|d[ée]range[zr]|relance[zr])\s+plus|\bje\s+ne\s+veux\s+plus\s+(?:aucun\s+contact|entendre\s+parler\s+de\s+vous|avoir\s+de\s+vos\s+nouvelles|(?:que\s+vous\s+me\s+contactiez|être\s+contact))|\bcesse[zr]\s+(?:toute|de\s+me)",
        r"\bolv[ií]den(?:se)?\s+de\s+m[ií]|\bb[oó]rren(?:me)?\b|\bqu[ií]ten(?:me)?\s+de\s+su|\bno\s+(?:intenten|traten\s+de)\s+(?:contactarme|localizarme|buscarme|llamarme)|\bno\s+quiero\s+(?:saber\s+nada\s+(?:m[aá]s\s+)?de\s+ustedes|volver\s+a\s+saber\s+de)|\bcesen\s+(?:toda|de)|\bya\s+no\s+me\s+(?:busquen|contacten|escriban)",
        # "never write to me again" is a cease, not a channel opt-out (found on the dev split)
        r"\bnever\s+(?:write|text|call|e-?mail|message|contact|bother)\s+(?:to\s+)?me\s+again|\b(?:don'?t|do\s+not)\s+(?:ever\s+)?(?:write|text|call|e-?mail|message|contact)\s+(?:to\s+)?me\s+(?:ever\s+)?again",
        r"\bne\s+m'(?:[ée]crive[zr]|appele[zr]|contacte[zr])\s+plus\s+jamais|\bplus\s+jamais\s+(?:me\s+|m')?(?:contacter|[ée]crire|appeler)",
        r"\bno\s+me\s+(?:escriban|llamen|contacten|busquen|molesten)\s+(?:nunca\s+m[aá]s|jam[aá]s)|\bnunca\s+m[aá]s\s+(?:me\s+)?(?:contacten|escriban|llamen|molesten)",
        r"^\s*(?:stop|stopp?|arr[eê]t|arr[eê]te[rz]?|alto|basta|para|parar|unsubscribe|end|quit|cancel)\s*[.!]*\s*$",
        r"\b(?:stop|quit|cease)\s+(?:contacting|harass|bothering|calling\s+and\s+texting|messaging\s+me\s+(?:altogether|completely)|all\s+contact)",
        r"\b(?:leave\s+me\s+alone|don'?t\s+(?:ever\s+)?contact\s+me|do\s+not\s+contact\s+me|never\s+contact\s+me|no\s+(?:more\s+)?contact|stop\s+all\s+(?:communication|contact)|remove\s+me\s+from\s+your\s+(?:list|system)|lose\s+my\s+number|never\s+(?:call|text|email|message)\s+me\s+again|stop\s+contact)",
        r"\b(?:arr[eê]te[zr]?\s+de\s+me\s+(?:contacter|harceler|relancer|d[ée]ranger|solliciter)|ne\s+me\s+(?:contacte[zr]?|recontacte[zr]?)\s+plus|ne\s+plus\s+me\s+(?:contacter|recontacter)|laisse[zr]?[- ]moi\s+tranquille|fiche[zr]?[- ]moi\s+la\s+paix|foute[sz]?[- ]moi\s+la\s+paix|plus\s+jamais\s+de\s+(?:contact|message|nouvelles)|supprime[zr]?\s+mes\s+coordonn)",
        r"\b(?:dej(?:e|en|a)\s+de\s+(?:contactarme|molestarme|acosarme|escribirme\s+y\s+llamarme)|no\s+me\s+(?:vuelva[ns]?\s+a\s+)?contact(?:e[ns]?|ar)|no\s+(?:quiero|deseo)\s+(?:que\s+me\s+contacten|ning[uú]n\s+contacto|m[aá]s\s+contacto)|d[eé]jen(?:me)?\s+en\s+paz|d[eé]jame\s+en\s+paz|no\s+me\s+molest(?:e|en)\s+m[aá]s|b[oó]rren(?:me)?\s+de\s+su\s+(?:lista|base)|nunca\s+m[aá]s\s+me\s+(?:contacten|escriban|llamen))",
    ),
    "wrong_party": _p(
        # mistaken for someone else / not meant for me / who is that (written for the corpus growth)
        r"\b(?:confus(?:ing|ed)\s+(?:me\s+)?with\s+(?:someone|somebody|another)|(?:wasn'?t|not)\s+(?:meant|intended)\s+for\s+me|sent\s+(?:this\s+)?to\s+the\s+wrong|no\s+idea\s+who\s+(?:that|this|he|she)\s+is|(?:that'?s|this\s+is)\s+not\s+my\s+name|i'?m\s+not\s+(?:her|him|them)\b|never\s+done\s+business\s+with|my\s+name(?:'s|\s+is)\s+not\b)",
        r"\b(?:vous\s+(?:me\s+)?confonde[zr]|(?:me|m')\s*confond|ne\s+m'(?:[ée]tait|est)\s+pas\s+destin[ée]|aucune\s+id[ée]e\s+de\s+qui|jamais\s+fait\s+affaire|homonyme|pas\s+mon\s+nom|je\s+ne\s+m'appelle\s+pas|(?:il|elle)\s+ne\s+travaille\s+plus)",
        r"\b(?:me\s+(?:est[aá]n\s+)?confund(?:iendo|en)|no\s+(?:era|es)\s+para\s+m[ií]|(?:otra|la)\s+persona\s+equivocada|ni\s+idea\s+de\s+qui[eé]n|no\s+es\s+mi\s+nombre|nunca\s+(?:fui|he\s+sido)\s+cliente)",
        # indirect denials (found on the dev split): the debt, account or phone is someone else's
        r"\b(?:(?:does\s*n'?t|does\s+not|don'?t|do\s+not)\s+belong\s+to\s+me|belongs\s+to\s+(?:someone|somebody)\s+else|(?:is\s*n'?t|is\s+not|not)\s+mine\b|(?:number|phone)\s+(?:was\s+|got\s+)?(?:reassigned|recycled)|you\s+(?:have|got|'ve\s+got)\s+the\s+wrong|that'?s\s+my\s+(?:ex|brother|sister|father|dad|mother|mom|son|daughter|husband|wife|former)\b|(?:used|stole|stolen)\s+my\s+(?:identity|name|details|ssn))",
        r"\b(?:ne\s+m'appartien(?:t|nent)\s+pas|appartient\s+(?:à|a)\s+quelqu'un\s+d'autre|(?:n'est|est)\s+pas\s+(?:à\s+moi|la\s+mienne|le\s+mien)|c'est\s+(?:mon|ma)\s+(?:ex|fr[èe]re|s[oœ]ur|p[èe]re|m[èe]re|fils|fille|mari|femme|ancien|ancienne)\b|usurp)",
        r"\b(?:no\s+me\s+pertenece|pertenece\s+a\s+otra\s+persona|(?:es|son)\s+de\s+otra\s+persona|es\s+de\s+mi\s+(?:ex|herman[oa]|padre|madre|hij[oa]|marido|esposa?|exmarido|exmujer)\b|ya\s+no\s+es\s+m[ií]o)",
        r"\b(?:wrong\s+(?:number|person|guy|gal|address|email|customer)|not\s+me\b|isn'?t\s+me|this\s+is\s+not\s+(?:my|me)|not\s+my\s+(?:debt|account|bill|invoice|name|company|business)|never\s+heard\s+of|don'?t\s+know\s+(?:who|any|this|a|an|him|her|them)|no\s+one\s+(?:here|by\s+that\s+name)|nobody\s+(?:here|by\s+that\s+name)|doesn'?t\s+live\s+here|no\s+longer\s+(?:lives|works)|(?:moved|passed)\s+out|new\s+number|new\s+owner|i'?m\s+not\s+(?!\w+ing\b|happy|sure|able|interested|ok\b|okay|gonna|comfortable|ready|convinced|afraid|sorry|going)\w+\b(?=.*(?:wrong|who|whoever|this|that))|identity\s+theft|not\s+the\s+account\s+holder|never\s+had\s+an?\s+account|who\s+is\s+this\s+person)",
        r"\b(?:(?:mauvais|faux)\s+num[ée]ro|erreur\s+de\s+(?:num[ée]ro|personne|destinataire)|ce\s+n'est\s+pas\s+(?:moi|mon|ma|mes)|c'est\s+pas\s+(?:moi|mon|ma)|pas\s+(?:ma|mon)\s+(?:dette|compte|facture|entreprise|soci[ée]t[ée])|connais\s+pas\s+(?:cette|ce|de)|ne\s+connais\s+pas|inconnu(?:e)?\s+(?:ici|à\s+cette)|n'habite\s+plus|aucun\s+\w+\s+ici|pas\s+la\s+bonne\s+personne|vous\s+vous\s+trompez\s+de|usurpation)",
        r"\b(?:n[uú]mero\s+equivocado|(?:persona|n[uú]mero)\s+(?:equivocad[ao]|incorrect[ao])|se\s+equivoc(?:a|aron|an)\s+de|no\s+soy\s+(?:yo|esa\s+persona|el\s+titular|la\s+titular|quien)|no\s+es\s+(?:mi|m[ií]a)\s+(?:deuda|cuenta|factura)|no\s+(?:es|son)\s+m[ií]as?|no\s+conozco\s+a|no\s+s[eé]\s+qui[eé]n\s+es|aqu[ií]\s+no\s+vive|ya\s+no\s+vive|ya\s+no\s+trabaja|aqu[ií]\s+no\s+hay\s+nadie|suplantaci[oó]n|robo\s+de\s+identidad|nunca\s+tuve\s+(?:una\s+)?cuenta)",
    ),
    "request_human": _p(
        r"\b(?:(?:speak|talk|chat)\s+(?:to|with)\s+(?:a|an|the|your|someone|somebody|real|actual|human|person|manager|supervisor|agent|rep)|real\s+person|actual\s+person|human\s+(?:being|agent|please)|live\s+(?:agent|person)|(?:a|an)\s+human|(?:get|give)\s+me\s+(?:a|an|your)\s+(?:person|human|manager|supervisor|agent|rep)|supervisor|manager|representative|operator|are\s+you\s+a\s+(?:bot|robot|machine)|not\s+a\s+(?:bot|robot|machine)|stupid\s+bot|no\s+bots?\b|escalate)",
        r"\b(?:parler\s+(?:à|a|avec)\s+(?:un|une|quelqu'un|le|la|votre|vrai|vraie|conseill|humain|personne)|une?\s+(?:vraie?\s+)?(?:personne|humain|conseill[eè]re?)|un\s+être\s+humain|(?:un|le|au|du|votre|une)\s+responsable|superviseur|sup[ée]rieur|votre\s+chef|êtes[- ]vous\s+un\s+(?:robot|bot)|vous\s+êtes\s+un\s+robot|pas\s+(?:à|a)\s+un\s+robot|conseiller\s+humain|quelqu'un\s+de\s+(?:vrai|réel|chez\s+vous))",
        r"\b(?:hablar\s+con\s+(?:un|una|alguien|el|la|su|persona|humano|agente|asesor)|una?\s+(?:persona\s+real|humano|ser\s+humano|asesor[a]?|agente)|persona\s+de\s+verdad|supervisor[a]?|gerente|encargad[oa]|jefe|operador[a]?|eres\s+un\s+(?:robot|bot)|es\s+un\s+(?:robot|bot)|no\s+(?:quiero|con)\s+(?:un\s+)?(?:robot|bot|m[aá]quina))",
    ),
    "abusive": _p(
        # masked swear words ("sh*t", "f***", "a**hole") and threats without an insult
        r"\b[a-z]+\*+[a-z*]*|\b[a-z]\*{2,}",
        r"\b(?:watch\s+(?:your\s+back|yourself|your\s+step)|you(?:'ll|\s+will)\s+(?:regret|be\s+sorry)|i\s+know\s+where\s+you(?:r\s+office)?|i(?:'ll|\s+will)\s+(?:find|get|come\s+for|deal\s+with)\s+(?:you|u)\b|(?:see|find\s+out)\s+what\s+happens|make\s+your\s+life\s+hell|drop\s+dead|go\s+f\b|f\s+off|f\s+u\b|fck|scam(?:mers|\s+artists)|disgusting|disgrace|i\s+know\s+people|choke\s+on|(?:you'?re|ur|you\s+are)\s+(?:all\s+)?(?:a\s+)?(?:joke|clowns?))",
        r"\b(?:vous\s+allez\s+(?:le\s+)?regretter|je\s+sais\s+o[uù]\s+(?:vous|tu|sont\s+vos)|faites\s+gaffe|je\s+vais\s+vous\s+(?:retrouver|pourrir|faire\s+payer|r[ée]gler)|vous\s+allez\s+voir\s+ce\s+qui|honte\s+[aà]\s+vous|arnaqueurs?|vous\s+me\s+d[ée]go[uû]tez|allez\s+vous\s+faire|je\s+connais\s+du\s+monde)",
        r"\b(?:se\s+van\s+a\s+arrepentir|s[eé]\s+d[oó]nde\s+(?:est[aá]n|viven|trabajan)|cu[ií]dense|los\s+voy\s+a\s+(?:encontrar|buscar)|ya\s+ver[aá]n|van\s+a\s+ver\s+lo\s+que|sinverg[uü]enzas|me\s+dan\s+asco|v[aá]yanse\s+a|m[eé]tanse|me\s+cago\s+en|que\s+(?:les|te|os)\s+den\b|in[uú]til(?:es)?\b)",
        # insults without a swear word (found on the dev split)
        r"\b(?:losers?|worthless|clowns?|garbage\s+(?:company|people)|trash\b|liars?\b|dumb\b|useless\s+(?:people|company|idiots)|vermin|lowlifes?|sharks?\b)",
        r"\b(?:path[ée]tique|clowns?|pourris?|racaille|raclures?|nuls?\s+(?:que\s+vous|comme))\b",
        r"\b(?:pat[ée]tic[oa]s?|perdedor(?:es|as)?|basuras?|desgraciad[oa]s?|payasos?|tarad[oa]s?|asqueros[oa]s?|rateros?|usureros?)\b",
        r"\b(?:fuck|f\*+k|fck|fuk|fucking|shit|bullshit|bitch|bastard|asshole|a-hole|dickhead|dick|cunt|piss\s+off|screw\s+you|go\s+to\s+hell|idiot|moron|scum|scumbag|crook|thie(?:f|ves)|leech|vultures?|parasites?|i'?ll\s+(?:kill|hurt|find)\s+you|stfu|shut\s+up|wtf|damn\s+you|jerk|loser|pathetic|retard(?:ed|s)\b|(?:you|u|stupid)\s+retard\b|bloodsucker|piece\s+of\s+(?:shit|crap|garbage))",
        r"\b(?:connard|connasse|conne?\b|salaud|salope|putain|merde|enfoir[ée]|encul|fils\s+de\s+pute|va\s+te\s+faire|ta\s+gueule|fermez\s+(?:la|votre\s+gueule)|abruti|cr[ée]tin|imb[ée]cile|escroc|voleurs?|bande\s+de|charognards?|sangsues?|vautours?|nique|ordure|minable|d[ée]bile|idiot)",
        r"\b(?:pendej|cabr[oó]n|cabrona|hijo\s+de\s+puta|hijos\s+de\s+puta|hdp|puta|puto|mierda|joder|jodan|j[oó]dete|chinga|pinche|idiota|imb[ée]cil|est[uú]pid|estafador|ladr[oó]n|ladrones|sanguijuela|buitre|rata|cerdo|maldit|c[aá]llate|vete\s+al\s+diablo|malparid|gilipollas|mamón|carajo|coño|culero)",
    ),
    "opt_out_channel": _p(
        r"\b(?:stop|quit|no\s+more|don'?t|do\s+not|never)\s+(?:\w+\s+)?(?:texting|texts?|sms|messaging\s+me|calling|calls?|ringing|phoning|e-?mailing|e-?mails?|whatsapp(?:ing)?|voicemails?)\b",
        r"\b(?:only|just)\s+(?:by\s+|via\s+|through\s+)?(?:e-?mail|text|sms|letter|post|mail|whatsapp|phone)\b|\b(?:e-?mail|text|letter|writing|whatsapp)\s+only\b|\bunsubscribe\b|\bopt\s+(?:me\s+)?out\b|\bprefer\s+(?:e-?mail|text|sms|whatsapp|writing|letters?)\b|\binstead\s+of\s+(?:calling|texting|calls|texts)\b",
        r"\b(?:plus\s+(?:de|d')\s*(?:sms|appels?|textos?|messages|mails?|e-?mails?|courriels?)|arr[eê]te[zr]?\s+de\s+m'(?:appeler|envoyer)|arr[eê]te[zr]?\s+de\s+m'[ée]crire\s+(?:par|sur|au)\b|arr[eê]te[zr]?\s+(?:les|vos)\s+(?:sms|appels|textos|mails|messages)|ne\s+m'appele[zr]\s+plus|ne\s+plus\s+m'appeler|uniquement\s+par|seulement\s+par|par\s+(?:e-?mail|courrier|courriel|[ée]crit)\s+(?:uniquement|seulement|svp|s'il)|pr[ée]f[eè]re\s+(?:par\s+)?(?:e-?mail|mail|courriel|sms|[ée]crit|courrier|whatsapp)|d[ée]sabonn|d[ée]sinscri)",
        r"\b(?:no\s+me\s+(?:llamen|llames|llame|manden|env[ií]en)\s+m[aá]s|dej(?:e|en|a)\s+de\s+(?:llamarme|mandarme|enviarme)|dej(?:e|en|a)\s+de\s+escribirme\s+(?:por|al|en|v[ií]a)\b|no\s+me\s+escriban?\s+m[aá]s\s+(?:por|al|en|v[ií]a)\b|no\s+m[aá]s\s+(?:llamadas|mensajes|sms|correos|whatsapps?)|s[oó]lo\s+por\s+(?:correo|email|mensaje|whatsapp|escrito)|solamente\s+por|prefiero\s+(?:por\s+)?(?:correo|email|mensaje|whatsapp|escrito)|en\s+vez\s+de\s+(?:llamar|llamarme|mensajes)|darme\s+de\s+baja|dar\s+de\s+baja)",
    ),
}

_unknown = set(_RULES) - set(INTENTS)
if _unknown:  # pragma: no cover - a typo in this table must not ship
    raise RuntimeError(f"rules name unknown intents: {sorted(_unknown)}")


def rule_intents(low: str) -> dict[str, float]:
    """The intents whose high-precision pattern matches ``low`` (already normalised)."""
    return {name: RULE_CONFIDENCE for name, pattern in _RULES.items() if pattern.search(low)}
