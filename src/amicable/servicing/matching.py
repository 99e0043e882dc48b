"""Reconciliation matching: which open invoice or plan installment a bank credit pays.

:func:`match_entry` scores every :class:`Candidate` against one :class:`StatementEntry` and says
whether the best one may be posted automatically. Methods, strongest first (a candidate is scored
by the strongest method that applies to it):

========================  =====================================================  ===========
method                    evidence                                               score
========================  =====================================================  ===========
``creditor_reference``    the entry's structured reference equals the            1.00
                          candidate's RF reference (compact, case-insensitive)
``reference_in_text``     the candidate's RF reference appears in the            0.98
                          remittance text
``invoice_number``        the candidate's invoice number appears in the          0.97 if the amount
                          remittance text (or structured reference) as whole     equals the open
                          tokens, tolerant of spaces, dashes, dots, slashes       amount, else 0.92
``amount_payer_date``     0.45 × amount + 0.35 × payer + 0.20 × date, capped     ≤ 0.90
                          at 0.90
========================  =====================================================  ===========

* amount: 1 when the credit equals the open amount, 0.3 when it is less (a part payment), 0 when
  it is more;
* payer: 1 when the payer IBAN is one of the candidate's known IBANs, else the ``difflib``
  similarity of the normalised names (lower case, punctuation and legal suffixes such as Ltd,
  GmbH, Inc removed, tokens sorted);
* date: 1 on the due date falling to 0.5 at the edge of the window (``date_window_days`` either
  side of the due date), 0 outside; 0.5 when the candidate has no due date.

A candidate in another currency never matches. Scores are ``Decimal`` in [0, 1], rounded half-even
to two places. The result is ``matched`` when the best score reaches ``auto_post_threshold`` and
the runner-up is more than ``ambiguity_margin`` behind; ``ambiguous`` when the runner-up is within
the margin (two invoices quoted in one transfer, two equal open amounts from one payer) — an
ambiguous match is never posted automatically; ``unmatched`` otherwise. The ranked candidates
(score at least ``min_candidate_score``) go with every result for the unmatched queue.

Pure: no I/O, no clock; the same inputs give the same ranking (ties broken by candidate id).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from typing import Final

from amicable.domain.errors import InvalidInput
from amicable.domain.money import Money
from amicable.servicing.statement import StatementEntry

__all__ = [
    "Candidate",
    "MatchReason",
    "MatchResult",
    "MatchStatus",
    "MatchingConfig",
    "ScoredCandidate",
    "match_entry",
    "name_similarity",
    "normalise_name",
    "text_contains_number",
]


class MatchStatus(StrEnum):
    MATCHED = "matched"
    AMBIGUOUS = "ambiguous"
    UNMATCHED = "unmatched"


@dataclass(frozen=True, slots=True)
class Candidate:
    """Something a credit may pay: an open invoice or a plan installment.

    Attributes:
        id: the candidate's id (``invoice:INV-1`` / ``installment:PL-1#2`` — the caller's choice).
        kind: ``invoice`` or ``installment``.
        customer_name: the customer's name as the ledger has it.
        open_amount: what is still open on it.
        reference: its ISO 11649 RF reference, if it has one.
        number: its invoice number, if any.
        due_date: its due date, if any.
        payer_ibans: accounts this customer paid from before (compact, upper case).
    """

    id: str
    kind: str
    customer_name: str
    open_amount: Money
    reference: str | None = None
    number: str | None = None
    due_date: date | None = None
    payer_ibans: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MatchingConfig:
    """Thresholds of the matcher (all scores are fractions in [0, 1])."""

    auto_post_threshold: Decimal = Decimal("0.85")
    ambiguity_margin: Decimal = Decimal("0.05")
    min_candidate_score: Decimal = Decimal("0.30")
    date_window_days: int = 30

    def __post_init__(self) -> None:
        for name in ("auto_post_threshold", "ambiguity_margin", "min_candidate_score"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not Decimal(0) <= value <= Decimal(1):
                raise InvalidInput(f"matching config: {name} must be a Decimal in [0, 1]")
        if isinstance(self.date_window_days, bool) or self.date_window_days < 1:
            raise InvalidInput("matching config: date_window_days must be an int >= 1")


@dataclass(frozen=True, slots=True)
class MatchReason:
    """One piece of evidence: a code, the value it scored and what it compared."""

    code: str
    score: Decimal
    detail: str


@dataclass(frozen=True, slots=True)
class ScoredCandidate:
    candidate: Candidate
    score: Decimal
    method: str
    reasons: tuple[MatchReason, ...]


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The decision for one entry. ``best`` is set only when ``status`` is ``matched``."""

    status: MatchStatus
    best: ScoredCandidate | None
    ranked_candidates: tuple[ScoredCandidate, ...]
    reasons: tuple[str, ...]


_TWO_PLACES: Final[Decimal] = Decimal("0.01")
_LEGAL_SUFFIXES: Final[frozenset[str]] = frozenset(
    [
        "ltd",
        "limited",
        "llc",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "company",
        "gmbh",
        "ag",
        "kg",
        "sa",
        "sas",
        "sarl",
        "srl",
        "spa",
        "bv",
        "nv",
        "plc",
        "pty",
        "oy",
        "ab",
        "as",
        "aps",
        "llp",
        "lp",
    ]
)
_TOKEN: Final[re.Pattern[str]] = re.compile(r"[0-9A-Z]+")


def _d(value: Decimal | str | int) -> Decimal:
    return Decimal(value).quantize(_TWO_PLACES, rounding=ROUND_HALF_EVEN)


def normalise_name(name: str) -> str:
    """A name reduced for comparison: ASCII-folded, lower case, no legal suffix, tokens sorted."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    tokens = re.findall(r"[a-z0-9]+", folded.lower())
    kept = [t for t in tokens if t not in _LEGAL_SUFFIXES]
    return " ".join(sorted(kept or tokens))


def name_similarity(a: str, b: str) -> Decimal:
    """``difflib`` ratio of the normalised names, as a two-place Decimal in [0, 1]."""
    left, right = normalise_name(a), normalise_name(b)
    if not left or not right:
        return Decimal("0.00")
    ratio = difflib.SequenceMatcher(None, left, right, autojunk=False).ratio()
    # difflib returns a float; it is a similarity, not money, and is rounded at once.
    return _d(Decimal(str(round(ratio, 4))))


def _compact(text: str) -> str:
    return "".join(_TOKEN.findall(text.upper()))


def text_contains_number(text: str, number: str, *, max_tokens: int = 5) -> bool:
    """True when ``number`` appears in ``text`` as whole tokens, whatever separates its parts.

    ``"INV-2026-0042"`` is found in ``"payment inv 2026/0042 thanks"`` and in
    ``"INV20260042"``, but not in ``"INV-2026-00421"`` (the token run must end where it ends).
    """
    wanted = _compact(number)
    if not wanted:
        return False
    tokens = _TOKEN.findall(text.upper())
    for start in range(len(tokens)):
        joined = ""
        for token in tokens[start : start + max_tokens]:
            joined += token
            if joined == wanted:
                return True
            if len(joined) >= len(wanted):
                break
    return False


def _amount_score(entry: Money, open_amount: Money) -> tuple[Decimal, str]:
    if entry == open_amount:
        return Decimal("1.00"), f"amount {entry} equals the open amount"
    if entry < open_amount:
        return Decimal("0.30"), f"amount {entry} is less than the open {open_amount}"
    return Decimal("0.00"), f"amount {entry} exceeds the open {open_amount}"


def _date_score(entry: StatementEntry, candidate: Candidate, window: int) -> tuple[Decimal, str]:
    if candidate.due_date is None:
        return Decimal("0.50"), "candidate has no due date"
    days = abs((entry.booking_date - candidate.due_date).days)
    if days > window:
        return Decimal("0.00"), f"booked {days} days from the due date (window {window})"
    return _d(Decimal(1) - Decimal(days) / Decimal(2 * window)), f"booked {days} days from due"


def _score(entry: StatementEntry, candidate: Candidate, config: MatchingConfig) -> ScoredCandidate:
    if candidate.open_amount.currency != entry.amount.currency:
        reason = MatchReason(
            "currency", Decimal("0.00"), f"{candidate.open_amount.code} != {entry.amount.code}"
        )
        return ScoredCandidate(candidate, Decimal("0.00"), "currency", (reason,))
    structured = _compact(entry.structured_reference)
    if candidate.reference:
        ref = _compact(candidate.reference)
        if structured and structured == ref:
            reason = MatchReason("creditor_reference", Decimal("1.00"), ref)
            return ScoredCandidate(candidate, Decimal("1.00"), "creditor_reference", (reason,))
        if text_contains_number(entry.remittance, candidate.reference, max_tokens=8):
            reason = MatchReason("reference_in_text", Decimal("0.98"), ref)
            return ScoredCandidate(candidate, Decimal("0.98"), "reference_in_text", (reason,))
    amount, amount_detail = _amount_score(entry.amount, candidate.open_amount)
    if candidate.number and (
        text_contains_number(entry.remittance, candidate.number)
        or (structured and structured == _compact(candidate.number))
    ):
        score = Decimal("0.97") if amount == 1 else Decimal("0.92")
        found: tuple[MatchReason, ...] = (
            MatchReason("invoice_number", score, f"{candidate.number} quoted in the remittance"),
            MatchReason("amount", amount, amount_detail),
        )
        return ScoredCandidate(candidate, score, "invoice_number", found)
    iban = entry.payer_iban.replace(" ", "").upper()
    if iban and iban in candidate.payer_ibans:
        payer, payer_detail = Decimal("1.00"), f"payer account {iban} is known for this customer"
    else:
        payer = name_similarity(entry.payer_name, candidate.customer_name)
        payer_detail = f"payer {entry.payer_name!r} vs {candidate.customer_name!r}"
    when, when_detail = _date_score(entry, candidate, config.date_window_days)
    combined = Decimal("0.45") * amount + Decimal("0.35") * payer + Decimal("0.20") * when
    score = _d(min(combined, Decimal("0.90")))
    reasons = (
        MatchReason("amount", amount, amount_detail),
        MatchReason("payer", payer, payer_detail),
        MatchReason("date", when, when_detail),
    )
    return ScoredCandidate(candidate, score, "amount_payer_date", reasons)


def match_entry(
    entry: StatementEntry,
    candidates: Sequence[Candidate],
    config: MatchingConfig | None = None,
) -> MatchResult:
    """Score ``candidates`` for ``entry`` and decide matched / ambiguous / unmatched."""
    cfg = config or MatchingConfig()
    if not entry.is_credit:
        return MatchResult(MatchStatus.UNMATCHED, None, (), ("entry is not a credit",))
    scored = [_score(entry, c, cfg) for c in candidates]
    ranked = tuple(
        sorted(
            (s for s in scored if s.score >= cfg.min_candidate_score),
            key=lambda s: (-s.score, s.candidate.id),
        )
    )
    if not ranked:
        return MatchResult(MatchStatus.UNMATCHED, None, (), ("no candidate scored at all",))
    best = ranked[0]
    if best.score < cfg.auto_post_threshold:
        return MatchResult(
            MatchStatus.UNMATCHED,
            None,
            ranked,
            (
                f"best score {best.score} ({best.method}) is below the threshold "
                f"{cfg.auto_post_threshold}",
            ),
        )
    if len(ranked) > 1 and best.score - ranked[1].score <= cfg.ambiguity_margin:
        return MatchResult(
            MatchStatus.AMBIGUOUS,
            None,
            ranked,
            (
                f"{best.candidate.id} ({best.score}) and {ranked[1].candidate.id} "
                f"({ranked[1].score}) are within the margin {cfg.ambiguity_margin}",
            ),
        )
    return MatchResult(
        MatchStatus.MATCHED,
        best,
        ranked,
        (f"{best.candidate.id} by {best.method} with score {best.score}",),
    )
