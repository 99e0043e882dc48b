"""Signed, expiring, account-scoped links for the debtor portal.

A link token is ``<payload>.<signature>``: the payload is the base64url of the canonical JSON
``{"a": account, "exp": unix seconds, "o": org id}`` and the signature the base64url of
HMAC-SHA256 over the payload text with the server's secret key (``AMICABLE_SECRET_KEY``).

Invariants: a token is accepted only with a valid signature (compared in constant time), before
its expiry, and grants exactly one account of one organisation; anything else — malformed,
tampered, expired — is refused with :class:`PermissionDenied` (fail closed), without saying
which check failed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from amicable.domain.clock import ensure_utc
from amicable.domain.errors import InvalidInput, PermissionDenied
from amicable.service.canonical import canonical_json

__all__ = ["PortalGrant", "make_portal_token", "read_portal_token"]

MIN_SECRET = 32


@dataclass(frozen=True, slots=True)
class PortalGrant:
    """What a valid link allows: one account of one organisation, until ``expires_at``."""

    org_id: int
    account: str
    expires_at: datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, payload: str) -> str:
    return _b64(hmac.new(secret.encode(), payload.encode("ascii"), hashlib.sha256).digest())


def _check_secret(secret: str) -> None:
    if len(secret) < MIN_SECRET:
        raise InvalidInput(f"the portal signing key needs at least {MIN_SECRET} characters")


def make_portal_token(secret: str, *, org_id: int, account: str, expires_at: datetime) -> str:
    """A link token for ``account`` of organisation ``org_id``, valid until ``expires_at``."""
    _check_secret(secret)
    if not account:
        raise InvalidInput("a portal link needs an account")
    exp = int(ensure_utc(expires_at).timestamp())
    payload = _b64(canonical_json({"a": account, "exp": exp, "o": org_id}).encode("utf-8"))
    return f"{payload}.{_mac(secret, payload)}"


def read_portal_token(secret: str, token: str, *, now: datetime) -> PortalGrant:
    """The grant of a valid, unexpired token; :class:`PermissionDenied` otherwise."""
    _check_secret(secret)
    refused = PermissionDenied("this link is not valid or has expired")
    payload, sep, signature = token.partition(".")
    if not sep or not payload.isascii() or not signature.isascii():
        raise refused
    if not hmac.compare_digest(_mac(secret, payload), signature):
        raise refused
    try:
        doc = json.loads(_unb64(payload))
        org_id, account, exp = int(doc["o"]), str(doc["a"]), int(doc["exp"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise refused from None
    if ensure_utc(now).timestamp() >= exp:
        raise refused
    return PortalGrant(org_id, account, datetime.fromtimestamp(exp, UTC))
