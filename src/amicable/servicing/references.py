"""ISO 11649 structured creditor references ("RF…") for invoices and plans.

A creditor reference is what a debtor quotes on a bank transfer so the payment can be matched
without guesswork. The checksum work is delegated to ``python-stdnum`` (``stdnum.iso11649``);
this module only decides how amicable builds the body of a reference from its own identifiers.

Invariants
----------
* :func:`creditor_reference` always returns a reference that :func:`is_valid_reference` accepts,
  in compact form (``RF`` + two check digits + 1..21 upper-case letters or digits, no spaces).
* The same body always yields the same reference (deterministic; no randomness, no clock).
* :func:`validate_reference` never returns an invalid reference: it raises
  :class:`~amicable.domain.errors.InvalidInput` saying why.
"""

from __future__ import annotations

import re
from typing import Final

from stdnum import iso11649
from stdnum.exceptions import ValidationError
from stdnum.iso7064 import mod_97_10

from amicable.domain.errors import InvalidInput

__all__ = [
    "MAX_BODY_LENGTH",
    "creditor_reference",
    "format_reference",
    "is_valid_reference",
    "normalise_reference",
    "validate_reference",
]

MAX_BODY_LENGTH: Final[int] = 21
_BODY: Final[re.Pattern[str]] = re.compile(r"^[0-9A-Z]{1,21}$")


def creditor_reference(body: str) -> str:
    """The RF reference for ``body`` (letters and digits; spaces, dashes and case are ignored).

    ``creditor_reference("INV-2026-0042")`` -> ``"RF…INV20260042"``. Raises
    :class:`InvalidInput` when the cleaned body is empty, longer than 21 characters or holds
    anything but ASCII letters and digits.
    """
    cleaned = re.sub(r"[\s\-_./]", "", body).upper()
    if not _BODY.match(cleaned):
        raise InvalidInput(
            f"creditor reference body {body!r}: needs 1 to {MAX_BODY_LENGTH} ASCII letters or "
            "digits after removing spaces, dashes, dots, slashes and underscores"
        )
    check = mod_97_10.calc_check_digits(cleaned + "RF")
    reference = f"RF{check}{cleaned}"
    # stdnum is the authority on validity: a generated reference it refuses is a bug here.
    return validate_reference(reference)


def normalise_reference(text: str) -> str:
    """Compact form of a reference as typed by people (spaces removed, upper case)."""
    return str(iso11649.compact(text))


def is_valid_reference(text: str) -> bool:
    """True when ``text`` is a valid ISO 11649 reference (spaces and case tolerated)."""
    return bool(iso11649.is_valid(text))


def validate_reference(text: str) -> str:
    """The compact reference, or :class:`InvalidInput` naming what is wrong with it."""
    try:
        return str(iso11649.validate(text))
    except ValidationError as exc:
        raise InvalidInput(f"{text!r} is not a valid ISO 11649 creditor reference: {exc}") from None


def format_reference(text: str) -> str:
    """The printed form, in groups of four (``"RF18 5390 0754 7034"``), after validation."""
    return str(iso11649.format(validate_reference(text)))
