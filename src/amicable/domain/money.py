"""Exact money: :class:`Currency` (ISO 4217 with its minor units) and :class:`Money`.

Invariants
----------
* A :class:`Money` is always a whole number of minor units of its currency: ``Money("10.005",
  USD)`` is refused; producing such a value takes an explicit rounding mode
  (:meth:`Money.quantize`, :meth:`Money.multiply`, :meth:`Money.percent`).
* Floats, booleans, NaN and infinities are refused everywhere. Amounts come in as ``Decimal``,
  ``int`` or ``str``.
* Arithmetic and comparison between currencies raise :class:`CurrencyMismatch`.
* :meth:`Money.allocate` and :meth:`Money.split` work in integer minor units: the parts always sum
  exactly to the whole.
* On the wire an amount is a string (``"60.00"``, see :meth:`Money.amount_str`); in a database,
  integer minor units (:attr:`Money.minor`) plus the currency code.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Final

from amicable.domain.errors import CurrencyMismatch, InvalidMoney, UnknownCurrency

__all__ = [
    "CURRENCIES",
    "Currency",
    "Money",
    "currency",
    "to_decimal",
]

# Active ISO 4217 codes whose minor unit is not 2 (everything else in _TWO is 2).
_MINOR_UNITS_EXCEPTIONS: Final[dict[str, int]] = {
    # zero decimals
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
    "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    # three decimals
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    # four decimals
    "CLF": 4, "UYW": 4,
}  # fmt: skip

_TWO: Final[str] = (
    "AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD "
    "CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL "
    "GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR "
    "LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD "
    "PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC "
    "SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW "
    "ZWG"
)


@dataclass(frozen=True, slots=True)
class Currency:
    """An ISO 4217 currency.

    Attributes:
        code: the three-letter alphabetic code, upper case (``"USD"``).
        minor_units: digits after the decimal point (USD 2, JPY 0, KWD 3).
    """

    code: str
    minor_units: int

    @property
    def exponent(self) -> Decimal:
        """The smallest representable amount, as a ``Decimal`` exponent (``Decimal("0.01")``)."""
        found = _EXPONENTS.get(self.minor_units)
        return _exponent(self.minor_units) if found is None else found

    def __str__(self) -> str:
        return self.code


def _exponent(minor_units: int) -> Decimal:
    return Decimal(1).scaleb(-minor_units)


# The exponents of the ISO 4217 minor units (0 to 4), built once: every Money built or rounded
# quantizes to one (a few dozen times a conversation turn), and building it was a third of that.
_EXPONENTS: Final[dict[int, Decimal]] = {n: _exponent(n) for n in range(5)}

CURRENCIES: Final[dict[str, Currency]] = {
    code: Currency(code, _MINOR_UNITS_EXCEPTIONS.get(code, 2))
    for code in (*_TWO.split(), *_MINOR_UNITS_EXCEPTIONS)
}


def currency(code: str | Currency) -> Currency:
    """Look up an active ISO 4217 currency by code (case-insensitive); refuse anything else."""
    if isinstance(code, Currency):
        return code
    if not isinstance(code, str):
        raise UnknownCurrency(f"currency code must be a string, got {type(code).__name__}")
    found = CURRENCIES.get(code.strip().upper())
    if found is None:
        raise UnknownCurrency(f"unknown currency {code!r}: not an active ISO 4217 code")
    return found


def to_decimal(value: Decimal | int | str) -> Decimal:
    """Convert an exact number to ``Decimal``; refuse floats, booleans, NaN and infinities."""
    if isinstance(value, (bool, float)):
        raise InvalidMoney(f"{type(value).__name__} {value!r} is not an exact amount")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        text = value.strip()
        try:
            result = Decimal(text)
        except decimal.InvalidOperation:
            raise InvalidMoney(f"{value!r} is not a number") from None
    else:
        raise InvalidMoney(f"{type(value).__name__} {value!r} is not an exact amount")
    if not result.is_finite():
        raise InvalidMoney(f"{value!r} is not a finite number")
    return result


def _quantize(amount: Decimal, cur: Currency, rounding: str) -> Decimal:
    """``amount`` to ``cur``'s minor units; an amount too large to hold exactly is refused."""
    try:
        return amount.quantize(cur.exponent, rounding=rounding)
    except decimal.InvalidOperation:
        raise InvalidMoney(f"{amount} is too large to be an exact {cur.code} amount") from None


#: Minor units below this (in absolute value) fit the decimal context's 28 digits exactly at any
#: ISO 4217 exponent, so :meth:`Money.from_minor` can skip the checks for them.
_EXACT_MINOR: Final = 10**26


@dataclass(frozen=True, slots=True, order=False)
class Money:
    """An exact amount of one currency, always a whole number of its minor units.

    Build one with ``Money.of("12.50", "USD")``, ``Money.from_minor(1250, "USD")`` or
    ``Money.zero("USD")``; the constructor ``Money(Decimal, Currency)`` applies the same checks.
    """

    amount: Decimal
    currency: Currency

    def __post_init__(self) -> None:
        if not isinstance(self.currency, Currency):
            raise UnknownCurrency(f"{self.currency!r} is not a Currency")
        amount = to_decimal(self.amount)
        quantized = _quantize(amount, self.currency, ROUND_HALF_EVEN)
        if quantized != amount:
            raise InvalidMoney(
                f"{amount} has more decimals than {self.currency.code} allows "
                f"({self.currency.minor_units}); round it explicitly"
            )
        # Normalise the representation so equal amounts print identically ("10" -> "10.00").
        object.__setattr__(self, "amount", quantized)

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def of(cls, amount: Decimal | int | str, code: str | Currency) -> Money:
        """An amount in a currency; refuses floats and sub-minor-unit precision."""
        return cls(to_decimal(amount), currency(code))

    @classmethod
    def from_minor(cls, minor: int, code: str | Currency) -> Money:
        """An amount from integer minor units (``1250`` USD -> ``12.50``)."""
        if isinstance(minor, bool) or not isinstance(minor, int):
            raise InvalidMoney(f"minor units must be an int, got {type(minor).__name__}")
        cur = code if type(code) is Currency else currency(code)
        if cls is Money and -_EXACT_MINOR < minor < _EXACT_MINOR:
            # A whole number of minor units is exact by construction and ``scaleb`` gives it the
            # currency's exponent (the normal form): the checks of ``__post_init__`` cannot fail,
            # and they were most of the cost of the Money an offer or a plan builds.
            made = object.__new__(Money)
            object.__setattr__(made, "amount", Decimal(minor).scaleb(-cur.minor_units))
            object.__setattr__(made, "currency", cur)
            return made
        return cls(Decimal(minor).scaleb(-cur.minor_units), cur)

    @classmethod
    def zero(cls, code: str | Currency) -> Money:
        """Zero in a currency."""
        return cls(Decimal(0), currency(code))

    @classmethod
    def quantize(cls, amount: Decimal | int | str, code: str | Currency, *, rounding: str) -> Money:
        """Round an arbitrary-precision amount to the currency's minor units, mode named."""
        cur = code if type(code) is Currency else currency(code)
        quantized = _quantize(to_decimal(amount), cur, rounding)
        if cls is Money:
            # Quantized to the currency's exponent: a whole number of minor units in normal form,
            # so the constructor's checks cannot fail (the optimiser values offers with it).
            made = object.__new__(Money)
            object.__setattr__(made, "amount", quantized)
            object.__setattr__(made, "currency", cur)
            return made
        return cls(quantized, cur)

    @staticmethod
    def sum(items: Iterable[Money], code: str | Currency) -> Money:
        """Sum amounts of one currency; an empty iterable sums to zero in ``code``."""
        cur = currency(code)
        total = 0
        for item in items:
            item._check_currency(cur)
            total += item.minor
        return Money.from_minor(total, cur)

    # -- views ----------------------------------------------------------------------------------

    @property
    def minor(self) -> int:
        """The amount in integer minor units (``12.50`` USD -> ``1250``)."""
        return int(self.amount.scaleb(self.currency.minor_units))

    @property
    def code(self) -> str:
        """The currency code."""
        return self.currency.code

    def amount_str(self) -> str:
        """The amount as a plain string with exactly the currency's decimals (``"60.00"``)."""
        return f"{self.amount:f}"

    def to_json(self) -> dict[str, str]:
        """The wire form: ``{"amount": "60.00", "currency": "USD"}``."""
        return {"amount": self.amount_str(), "currency": self.code}

    def __str__(self) -> str:
        return f"{self.amount_str()} {self.code}"

    def __repr__(self) -> str:
        return f"Money('{self.amount_str()}', '{self.code}')"

    # -- predicates -----------------------------------------------------------------------------

    def is_zero(self) -> bool:
        return self.amount == 0

    def is_positive(self) -> bool:
        return self.amount > 0

    def is_negative(self) -> bool:
        return self.amount < 0

    # -- arithmetic -----------------------------------------------------------------------------

    def _check_currency(self, other: Currency) -> None:
        # Currencies are shared instances (``CURRENCIES``): identity settles almost every check.
        if self.currency is not other and self.currency != other:
            raise CurrencyMismatch(f"cannot combine {self.code} with {other.code}")

    def _coerce(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"expected Money, got {type(other).__name__}")
        self._check_currency(other.currency)
        return other

    def __add__(self, other: Money) -> Money:
        return Money.from_minor(self.minor + self._coerce(other).minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money.from_minor(self.minor - self._coerce(other).minor, self.currency)

    def __neg__(self) -> Money:
        return Money.from_minor(-self.minor, self.currency)

    def __abs__(self) -> Money:
        return Money.from_minor(abs(self.minor), self.currency)

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._coerce(other).amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._coerce(other).amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._coerce(other).amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._coerce(other).amount

    def min(self, other: Money) -> Money:
        return self if self <= other else other

    def max(self, other: Money) -> Money:
        return self if self >= other else other

    def multiply(self, factor: Decimal | int | str, *, rounding: str) -> Money:
        """``self × factor``, rounded to minor units with the named ``decimal`` rounding mode."""
        return Money.quantize(self.amount * to_decimal(factor), self.currency, rounding=rounding)

    def percent(self, pct: Decimal | int | str, *, rounding: str) -> Money:
        """``pct`` percent of ``self`` (``percent("10")`` is a tenth), rounding named."""
        return self.multiply(to_decimal(pct) / 100, rounding=rounding)

    def allocate(self, weights: Sequence[Decimal | int | str]) -> list[Money]:
        """Split in proportion to ``weights``, in integer minor units, summing exactly to ``self``.

        Largest-remainder method: every part gets the floor of its exact share, then the leftover
        minor units go one each to the parts with the largest remainders (ties: earliest first).
        Negative amounts are split as the negation of the split of their absolute value.
        """
        ws = [to_decimal(w) for w in weights]
        if not ws:
            raise InvalidMoney("allocate needs at least one weight")
        if any(w < 0 for w in ws):
            raise InvalidMoney("allocation weights must not be negative")
        total_weight = sum(ws, Decimal(0))
        if total_weight == 0:
            raise InvalidMoney("allocation weights must not all be zero")
        if self.minor < 0:
            return [-part for part in (-self).allocate(ws)]
        units = self.minor
        with decimal.localcontext() as ctx:
            ctx.prec = 60
            exact = [Decimal(units) * w / total_weight for w in ws]
        floors = [int(e) for e in exact]  # int() truncates toward zero; all shares are >= 0
        leftover = units - sum(floors)
        order = sorted(range(len(ws)), key=lambda i: (-(exact[i] - floors[i]), i))
        for i in order[:leftover]:
            floors[i] += 1
        return [Money.from_minor(f, self.currency) for f in floors]

    def split(self, parts: int) -> list[Money]:
        """Split into ``parts`` near-equal amounts (earlier parts take the extra minor units)."""
        if isinstance(parts, bool) or not isinstance(parts, int) or parts < 1:
            raise InvalidMoney(f"cannot split into {parts!r} parts")
        # ``allocate`` with equal weights, in integers: every share has the same remainder, so
        # the leftover minor units go to the earliest parts (a negative amount: the negation of
        # its absolute value's split, as ``allocate`` does).
        units = self.minor
        share, leftover = divmod(abs(units), parts)
        sign = -1 if units < 0 else 1
        cur = self.currency
        return [
            Money.from_minor(sign * (share + 1 if i < leftover else share), cur)
            for i in range(parts)
        ]
