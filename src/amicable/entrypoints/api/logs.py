"""Structured request logs with personal data redacted (a structlog processor).

Invariants: :func:`redact_personal_data` runs last before rendering, on every event dict: values
under sensitive keys (email, phone, name, address, password, token, secret, authorization, body,
iban …) are replaced by ``"[redacted]"``; inside any other string, email addresses, phone-like
digit runs, IBANs and ``amk_`` / ``whsec_`` secrets are masked. The logger is built per app (no
global structlog configuration is changed).
"""

from __future__ import annotations

import logging
import re
from collections.abc import MutableMapping
from typing import Any

import structlog

__all__ = ["REDACTED", "make_logger", "redact_personal_data", "redact_text"]

REDACTED = "[redacted]"
SENSITIVE_KEYS = frozenset(
    {
        "email",
        "phone",
        "name",
        "address",
        "postal_address",
        "password",
        "token",
        "secret",
        "authorization",
        "cookie",
        "body",
        "iban",
        "account_number",
        "message",
        "text",
    }
)
_PATTERNS = (
    re.compile(r"\bamk_[A-Za-z0-9_\-]+"),
    re.compile(r"\bwhsec_[A-Za-z0-9_\-]+"),
    re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"),
    re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b"),
    re.compile(r"\+?\d[\d ().\-]{7,}\d"),
)
#: Any of :data:`_PATTERNS`: a text none of them matches is returned as it is after one scan
#: instead of five substitutions (most logged values — an event name, a method, a route
#: template — hold nothing to mask). A replacement, ``[redacted]``, can never make a later
#: pattern match, so the text is unchanged exactly when this finds nothing.
_ANY_PATTERN = re.compile("|".join(f"(?:{p.pattern})" for p in _PATTERNS))


def redact_text(text: str) -> str:
    """``text`` with emails, phone numbers, IBANs and amicable secrets masked."""
    if _ANY_PATTERN.search(text) is None:
        return text
    for pattern in _PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text


def _redact(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {
            k: REDACTED if str(k).lower() in SENSITIVE_KEYS else _redact(v)
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [_redact(v) for v in value]
    return value


def redact_personal_data(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: mask personal data and secrets (see the module docstring)."""
    for key in list(event_dict):
        if key.lower() in SENSITIVE_KEYS and key != "event":
            event_dict[key] = REDACTED
        else:
            event_dict[key] = _redact(event_dict[key])
    return event_dict


def make_logger(name: str = "amicable.api") -> Any:
    """A structlog logger over stdlib ``logging`` whose events pass the redaction processor.

    The bound logger is built on first use and kept (``cache_logger_on_first_use``): the lazy
    proxy otherwise rebuilt it for every event."""
    return structlog.wrap_logger(
        logging.getLogger(name),
        processors=[
            structlog.processors.add_log_level,
            redact_personal_data,
            # After redaction: an ISO timestamp looks like a phone number to the digit patterns.
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.JSONRenderer(),
        ],
        cache_logger_on_first_use=True,
    )
