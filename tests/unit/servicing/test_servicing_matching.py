"""Statement matching (by RF reference, invoice number, amount and payer; ambiguous) and RF refs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amicable.domain.errors import InvalidInput
from amicable.domain.money import Money
from amicable.servicing.matching import (
    Candidate,
    MatchingConfig,
    MatchStatus,
    match_entry,
    name_similarity,
    text_contains_number,
)
from amicable.servicing.references import (
    creditor_reference,
    format_reference,
    is_valid_reference,
    normalise_reference,
    validate_reference,
)
from amicable.servicing.statement import StatementEntry


def eur(text: str) -> Money:
    return Money.of(text, "EUR")


def entry(
    amount: str = "250.00",
    *,
    payer: str = "",
    iban: str = "",
    text: str = "",
    ref: str = "",
    booked: date = date(2026, 3, 3),
) -> StatementEntry:
    return StatementEntry(
        entry_id="acct:1",
        account="DE89370400440532013000",
        booking_date=booked,
        value_date=booked,
        amount=eur(amount),
        payer_name=payer,
        payer_iban=iban,
        remittance=text,
        structured_reference=ref,
        bank_reference="1",
        location="line 1",
    )


RF_A = creditor_reference("INV-2026-0042")
CANDIDATES = (
    Candidate(
        "invoice:INV-2026-0042",
        "invoice",
        "Müller Bau GmbH",
        eur("250.00"),
        reference=RF_A,
        number="INV-2026-0042",
        due_date=date(2026, 3, 1),
    ),
    Candidate(
        "invoice:INV-2026-0043",
        "invoice",
        "Acme Widgets Ltd",
        eur("400.00"),
        reference=creditor_reference("INV-2026-0043"),
        number="INV-2026-0043",
        due_date=date(2026, 3, 5),
        payer_ibans=("GB33BUKB20201555555555",),
    ),
    Candidate(
        "installment:PL-7#2",
        "installment",
        "Jane Q. Doe",
        eur("120.00"),
        reference=creditor_reference("PL7N2"),
        due_date=date(2026, 3, 2),
    ),
)


def test_a_structured_creditor_reference_matches_with_full_confidence() -> None:
    result = match_entry(entry("10.00", ref=RF_A.lower()), CANDIDATES)
    assert result.status is MatchStatus.MATCHED
    assert result.best is not None
    assert (result.best.candidate.id, result.best.score, result.best.method) == (
        "invoice:INV-2026-0042",
        Decimal("1.00"),
        "creditor_reference",
    )


def test_a_reference_typed_into_the_remittance_text_matches() -> None:
    printed = format_reference(creditor_reference("PL7N2"))
    result = match_entry(entry("120.00", text=f"Rate 2 {printed} danke"), CANDIDATES)
    assert result.best is not None
    assert (result.best.candidate.id, result.best.method) == (
        "installment:PL-7#2",
        "reference_in_text",
    )


def test_an_invoice_number_in_the_remittance_text_matches_whatever_the_separators() -> None:
    result = match_entry(entry("400.00", text="Payment for inv 2026/0043 thank you"), CANDIDATES)
    assert result.status is MatchStatus.MATCHED
    assert result.best is not None
    assert (result.best.candidate.id, result.best.score) == (
        "invoice:INV-2026-0043",
        Decimal("0.97"),
    )
    partial = match_entry(entry("100.00", text="INV20260043 part 1"), CANDIDATES)
    assert partial.best is not None and partial.best.score == Decimal("0.92")


def test_amount_and_a_similar_payer_name_near_the_due_date_match() -> None:
    result = match_entry(entry("250.00", payer="MUELLER BAU", booked=date(2026, 3, 2)), CANDIDATES)
    assert result.status is MatchStatus.MATCHED, result.reasons
    assert result.best is not None
    assert result.best.method == "amount_payer_date"
    assert Decimal("0.85") <= result.best.score <= Decimal("0.90")
    assert [r.code for r in result.best.reasons] == ["amount", "payer", "date"]


def test_a_known_payer_account_counts_as_the_payer() -> None:
    result = match_entry(
        entry("400.00", payer="A.W.", iban="GB33 BUKB 2020 1555 5555 55"), CANDIDATES
    )
    assert result.best is not None and result.best.candidate.id == "invoice:INV-2026-0043"


def test_an_amount_alone_is_not_enough_and_the_candidates_are_ranked() -> None:
    result = match_entry(entry("120.00", payer="Someone Else"), CANDIDATES)
    assert result.status is MatchStatus.UNMATCHED
    assert result.best is None
    assert result.ranked_candidates[0].candidate.id == "installment:PL-7#2"
    assert "below the threshold" in result.reasons[0]


def test_two_invoices_quoted_in_one_transfer_are_ambiguous_and_not_posted() -> None:
    result = match_entry(entry("650.00", text="INV-2026-0042 INV-2026-0043"), CANDIDATES)
    assert result.status is MatchStatus.AMBIGUOUS
    assert result.best is None
    assert {s.candidate.id for s in result.ranked_candidates[:2]} == {
        "invoice:INV-2026-0042",
        "invoice:INV-2026-0043",
    }


def test_two_equal_open_amounts_from_one_payer_are_ambiguous() -> None:
    twins = (
        Candidate("invoice:A", "invoice", "Jane Doe", eur("50.00"), due_date=date(2026, 3, 3)),
        Candidate("invoice:B", "invoice", "Jane Doe", eur("50.00"), due_date=date(2026, 3, 3)),
    )
    result = match_entry(entry("50.00", payer="Jane Doe"), twins)
    assert result.status is MatchStatus.AMBIGUOUS


def test_the_threshold_is_configurable() -> None:
    strict = MatchingConfig(auto_post_threshold=Decimal("0.99"))
    result = match_entry(entry("400.00", text="INV-2026-0043"), CANDIDATES, strict)
    assert result.status is MatchStatus.UNMATCHED
    with pytest.raises(InvalidInput, match="auto_post_threshold"):
        MatchingConfig(auto_post_threshold=Decimal("1.5"))


def test_other_currencies_and_debits_never_match() -> None:
    usd_candidate = Candidate(
        "invoice:U", "invoice", "Jane Doe", Money.of("50.00", "USD"), reference=RF_A
    )
    assert match_entry(entry("50.00", ref=RF_A), (usd_candidate,)).status is MatchStatus.UNMATCHED
    debit = entry("-50.00", ref=RF_A)
    assert match_entry(debit, CANDIDATES).reasons == ("entry is not a credit",)


def test_invoice_numbers_are_found_only_as_whole_tokens() -> None:
    assert text_contains_number("re: INV-2026-0042.", "inv 2026 0042")
    assert not text_contains_number("INV-2026-00421", "INV-2026-0042")
    assert not text_contains_number("XINV-2026-0042", "INV-2026-0042")
    assert not text_contains_number("anything", "--")


def test_name_similarity_ignores_case_accents_order_and_legal_suffixes() -> None:
    assert name_similarity("ACME WIDGETS LIMITED", "Widgets, Acme Ltd") == Decimal("1.00")
    assert name_similarity("Müller Bau GmbH", "MULLER BAU") == Decimal("1.00")
    assert name_similarity("", "x") == Decimal("0.00")
    assert name_similarity("Jane Doe", "John Smith") < Decimal("0.5")


# -- ISO 11649 references -------------------------------------------------------------------------


@given(st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=21))
def test_every_generated_reference_validates_and_round_trips_through_its_printed_form(
    body: str,
) -> None:
    reference = creditor_reference(body)
    assert is_valid_reference(reference)
    assert reference.endswith(body)
    assert normalise_reference(format_reference(reference)) == reference
    assert validate_reference(format_reference(reference).lower()) == reference


def test_a_known_reference_and_a_wrong_check_digit() -> None:
    assert is_valid_reference("RF18 5390 0754 7034")
    assert creditor_reference("5390 0754 7034") == "RF18539007547034"
    with pytest.raises(InvalidInput, match="not a valid ISO 11649"):
        validate_reference("RF19 5390 0754 7034")
    with pytest.raises(InvalidInput, match="1 to 21"):
        creditor_reference("ä")
    with pytest.raises(InvalidInput, match="1 to 21"):
        creditor_reference("1" * 22)
