"""The one exception hierarchy of amicable.

Expected business outcomes (a refused offer, a blocked contact, a bad import row) are *return
values* — decisions and error records. Exceptions are for programming errors, broken invariants and
input that cannot be processed at all. Every exception amicable raises on purpose descends from
:class:`AmicableError`; one module (the HTTP error mapper) turns them into responses.

::

    AmicableError
    ├── InvalidInput (also ValueError)       input that cannot be accepted; says what and where
    │   ├── InvalidMoney                     float / NaN / bool / too many decimals for the currency
    │   ├── UnknownCurrency                  not an active ISO 4217 code
    │   ├── InvalidPolicy                    a policy table that failed validation (carries problems)
    │   └── InvalidScenario                  a compliance dry-run scenario that failed validation
    ├── CurrencyMismatch (also ValueError)   arithmetic or comparison across currencies
    ├── NotFound (also LookupError)          a referenced record does not exist in this organisation
    ├── AmbiguousReference (also LookupError) a reference (name) matches several records
    ├── Conflict                             a concurrent change won (optimistic lock) or a duplicate
    ├── PermissionDenied                     the caller's role or organisation does not allow it
    ├── ChannelUnavailable                   a channel provider could not be reached or failed
    │                                        transiently; retry later with the same dedupe key
    └── InvariantViolation (also AssertionError-like) a bug: an internal invariant did not hold
"""

from __future__ import annotations

__all__ = [
    "AmbiguousReference",
    "AmicableError",
    "ChannelUnavailable",
    "Conflict",
    "CurrencyMismatch",
    "InvalidInput",
    "InvalidMoney",
    "InvalidPolicy",
    "InvalidScenario",
    "InvariantViolation",
    "NotFound",
    "PermissionDenied",
    "UnknownCurrency",
]


class AmicableError(Exception):
    """Root of every exception amicable raises on purpose."""


class InvalidInput(AmicableError, ValueError):
    """Input that cannot be accepted. The message says what was wrong and where."""


class InvalidMoney(InvalidInput):
    """A money amount that is not an exact decimal number of minor units."""


class UnknownCurrency(InvalidInput):
    """A currency code that is not an active ISO 4217 code."""


class InvalidPolicy(InvalidInput):
    """A policy table that failed validation.

    ``problems`` holds every problem found (never only the first); each is an object with at least a
    ``path`` (location inside the file) and a ``message``.
    """

    def __init__(self, message: str, problems: tuple[object, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


class InvalidScenario(InvalidInput):
    """A compliance dry-run scenario that failed validation."""


class CurrencyMismatch(AmicableError, ValueError):
    """Arithmetic or comparison between amounts of different currencies."""


class NotFound(AmicableError, LookupError):
    """A referenced record does not exist (in the caller's organisation)."""


class AmbiguousReference(AmicableError, LookupError):
    """A reference, such as a customer name, matches more than one record."""


class Conflict(AmicableError):
    """A concurrent change won (optimistic locking), or a uniqueness rule was broken."""


class PermissionDenied(AmicableError):
    """The caller's role or organisation does not allow this action."""


class ChannelUnavailable(AmicableError):
    """A channel provider (SMTP, IMAP, Twilio …) could not be reached or failed transiently.

    Retrying later with the same dedupe key is safe. A provider that *refuses* a message for good
    is not an exception but a rejected send result.
    """


class InvariantViolation(AmicableError):
    """An internal invariant did not hold: a bug, never a user error."""
