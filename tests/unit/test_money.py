"""Money: exactness, refusals and allocation (unit + property tests)."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amicable.domain.errors import CurrencyMismatch, InvalidMoney, UnknownCurrency
from amicable.domain.money import CURRENCIES, Currency, Money, currency

codes = st.sampled_from(sorted(CURRENCIES))


def test_amounts_are_normalised_to_the_currency_minor_units() -> None:
    assert Money.of("10", "USD").amount_str() == "10.00"
    assert Money.of("10", "JPY").amount_str() == "10"
    assert Money.of("1.5", "KWD").amount_str() == "1.500"


@pytest.mark.parametrize("bad", [1.5, True, "NaN", "Infinity", "abc", "", None])
def test_floats_booleans_and_non_numbers_are_refused(bad: object) -> None:
    with pytest.raises(InvalidMoney):
        Money.of(bad, "USD")  # type: ignore[arg-type]


def test_more_decimals_than_the_currency_allows_is_refused_without_an_explicit_rounding() -> None:
    with pytest.raises(InvalidMoney, match="round it explicitly"):
        Money.of("10.005", "USD")
    assert Money.quantize("10.005", "USD", rounding=ROUND_HALF_UP) == Money.of("10.01", "USD")
    assert Money.quantize("10.005", "USD", rounding=ROUND_HALF_EVEN) == Money.of("10.00", "USD")


def test_an_amount_too_large_to_hold_exactly_is_refused_as_invalid_money() -> None:
    for huge in ("1e999", "9" * 40):
        with pytest.raises(InvalidMoney, match="too large"):
            Money.of(huge, "USD")
        with pytest.raises(InvalidMoney, match="too large"):
            Money.quantize(huge, "USD", rounding=ROUND_HALF_UP)


def test_unknown_and_withdrawn_currency_codes_are_refused() -> None:
    for code in ("XXX", "FRF", "usdollar", "SLL"):
        with pytest.raises(UnknownCurrency):
            currency(code)
    assert currency("usd").code == "USD"


def test_mixing_currencies_raises() -> None:
    with pytest.raises(CurrencyMismatch):
        Money.of("1", "USD") + Money.of("1", "EUR")
    with pytest.raises(CurrencyMismatch):
        _ = Money.of("1", "USD") < Money.of("1", "EUR")


def test_minor_units_round_trip() -> None:
    assert Money.of("12.34", "USD").minor == 1234
    assert Money.from_minor(1234, "USD") == Money.of("12.34", "USD")
    assert Money.from_minor(-5, "BHD").amount_str() == "-0.005"


def test_percent_and_multiply_name_their_rounding() -> None:
    m = Money.of("100.00", "EUR")
    assert m.percent("3.335", rounding=ROUND_HALF_UP) == Money.of("3.34", "EUR")
    assert m.percent("3.335", rounding=ROUND_DOWN) == Money.of("3.33", "EUR")
    assert m.multiply("0.5", rounding=ROUND_HALF_EVEN) == Money.of("50.00", "EUR")


def test_a_hundred_split_three_ways_gives_the_extra_cent_to_the_first_part() -> None:
    parts = Money.of("100.00", "USD").split(3)
    assert [p.amount_str() for p in parts] == ["33.34", "33.33", "33.33"]


def test_allocation_refuses_empty_negative_or_all_zero_weights() -> None:
    m = Money.of("1.00", "USD")
    for weights in ([], [-1, 2], [0, 0]):
        with pytest.raises(InvalidMoney):
            m.allocate(weights)


def test_the_wire_form_is_a_string_amount_with_its_currency() -> None:
    assert Money.of("60", "USD").to_json() == {"amount": "60.00", "currency": "USD"}


@given(
    minor=st.integers(min_value=-(10**15), max_value=10**15),
    code=codes,
    weights=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=40).filter(
        lambda ws: sum(ws) > 0
    ),
)
def test_allocation_always_sums_exactly_to_the_whole(
    minor: int, code: str, weights: list[int]
) -> None:
    whole = Money.from_minor(minor, code)
    parts = whole.allocate(weights)
    assert len(parts) == len(weights)
    assert Money.sum(parts, code) == whole
    # Each part is within one minor unit of its exact proportional share.
    total_w = sum(weights)
    for part, w in zip(parts, weights, strict=True):
        exact = Decimal(minor) * w / total_w
        assert abs(Decimal(part.minor) - exact) < 1
        if w == 0:
            assert part.is_zero()


@given(minor=st.integers(min_value=0, max_value=10**12), n=st.integers(min_value=1, max_value=60))
def test_split_parts_differ_by_at_most_one_minor_unit(minor: int, n: int) -> None:
    parts = Money.from_minor(minor, "USD").split(n)
    assert sum(p.minor for p in parts) == minor
    assert max(p.minor for p in parts) - min(p.minor for p in parts) <= 1
    assert [p.minor for p in parts] == sorted((p.minor for p in parts), reverse=True)


@given(a=st.integers(-(10**12), 10**12), b=st.integers(-(10**12), 10**12), code=codes)
def test_addition_and_subtraction_are_exact_in_minor_units(a: int, b: int, code: str) -> None:
    x, y = Money.from_minor(a, code), Money.from_minor(b, code)
    assert (x + y).minor == a + b
    assert (x - y).minor == a - b
    assert (x + y) - y == x


def test_every_currency_quantizes_to_its_own_minor_unit() -> None:
    """The exponents are built once per number of minor units (0 to 4, and any other on
    demand): each currency gets its own, whatever was asked before."""
    for code in ("JPY", "USD", "KWD", "CLF", "USD", "JPY"):
        cur = currency(code)
        assert cur.exponent.as_tuple() == Decimal(1).scaleb(-cur.minor_units).as_tuple()
        assert Money.of("7", code).amount_str() == f"{Decimal(7).scaleb(0):.{cur.minor_units}f}"
    assert [str(Currency("XTS", n).exponent) for n in (0, 2, 4, 6, 8)] == [
        "1", "0.01", "0.0001", "0.000001", "1E-8",
    ]  # fmt: skip


@given(st.integers(min_value=-(10**30), max_value=10**30), codes)
def test_from_minor_builds_exactly_what_the_checked_constructor_builds(
    minor: int, code: str
) -> None:
    """``from_minor`` skips the constructor's checks for amounts that cannot fail them: the
    result must be the same value in the same normal form (digits and exponent), or the same
    refusal for an amount too large to hold."""
    cur = currency(code)
    try:
        checked = Money(Decimal(minor).scaleb(-cur.minor_units), cur)
    except InvalidMoney:
        with pytest.raises(InvalidMoney):
            Money.from_minor(minor, code)
        return
    for made in (Money.from_minor(minor, code), Money.from_minor(minor, cur)):
        assert made == checked and hash(made) == hash(checked)
        assert made.amount.as_tuple() == checked.amount.as_tuple()
        assert made.minor == minor and made.amount_str() == checked.amount_str()


@given(
    st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**27), max_value=10**27),
    codes,
    st.sampled_from([ROUND_HALF_EVEN, ROUND_HALF_UP, "ROUND_FLOOR", "ROUND_CEILING"]),
)
def test_quantize_builds_exactly_what_the_checked_constructor_builds(
    amount: Decimal, code: str, rounding: str
) -> None:
    """``quantize`` skips the constructor's checks on what it has just quantized: the same value
    in the same normal form as the checked constructor, or the same refusal."""
    cur = currency(code)
    try:
        checked = Money(amount.quantize(cur.exponent, rounding=rounding), cur)
    except (InvalidMoney, InvalidOperation):
        with pytest.raises(InvalidMoney):
            Money.quantize(amount, code, rounding=rounding)
        return
    for made in (Money.quantize(amount, code, rounding=rounding),
                 Money.quantize(amount, cur, rounding=rounding)):  # fmt: skip
        assert made == checked and hash(made) == hash(checked)
        assert made.amount.as_tuple() == checked.amount.as_tuple()
        assert made.amount_str() == checked.amount_str()


def test_from_minor_still_refuses_what_is_not_a_whole_number_of_minor_units() -> None:
    with pytest.raises(InvalidMoney, match="must be an int"):
        Money.from_minor(True, "USD")
    with pytest.raises(InvalidMoney, match="must be an int"):
        Money.from_minor(Decimal("12.5"), "USD")  # type: ignore[arg-type]
    with pytest.raises(UnknownCurrency):
        Money.from_minor(1, "XYZ")


@given(st.integers(min_value=-(10**12), max_value=10**12), st.integers(1, 60), codes)
def test_split_is_allocate_with_equal_weights(minor: int, parts: int, code: str) -> None:
    """``split`` is computed in integers; it must give what the largest-remainder allocation
    with equal weights gives, part by part (the extra minor units to the earliest parts)."""
    whole = Money.from_minor(minor, code)
    assert whole.split(parts) == whole.allocate([1] * parts)
