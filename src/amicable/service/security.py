"""Use cases of people and machines: users (argon2 passwords), API tokens, authentication.

Invariants:
* A token's secret (``amk_`` + 43 URL-safe characters, 256 random bits) is returned once, by
  :func:`create_token`; only its SHA-256 is stored. Presenting a revoked or unknown token
  authenticates nobody.
* Passwords are hashed with argon2id (``argon2-cffi`` defaults) and must be at least
  :data:`MIN_PASSWORD_LENGTH` characters; a password is never logged or returned.
* Every change (user created, token created, token revoked) is appended to the audit trail in the
  same transaction.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from amicable.domain.errors import InvalidInput
from amicable.service import audit
from amicable.service.api_ports import ApiUnitOfWork, TokenDirectory, TokenRow, UserRow
from amicable.service.authz import check_role

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "TOKEN_PREFIX",
    "NewToken",
    "Principal",
    "authenticate",
    "create_token",
    "create_user",
    "hash_password",
    "hash_token",
    "revoke_token",
    "verify_password",
]

TOKEN_PREFIX = "amk_"
MIN_PASSWORD_LENGTH = 12
# Writing last_used_at on every request would turn each read into a write; a minute is enough
# resolution for "is this token still in use?".
TOUCH_EVERY = timedelta(minutes=1)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a token's organisation and role. ``actor`` names it in the audit trail."""

    token_id: int
    org_id: int
    org_name: str
    role: str

    @property
    def actor(self) -> str:
        return f"token:{self.token_id}"


@dataclass(frozen=True, slots=True)
class NewToken:
    """A freshly created token: ``secret`` is shown to the caller once and stored nowhere."""

    token: TokenRow
    secret: str


def hash_token(secret: str) -> str:
    """The stored form of a token: SHA-256 hex of its secret."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (refuses one shorter than the minimum)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``stored_hash`` (False for a malformed hash, never raises)."""
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _email(raw: str) -> str:
    email = raw.strip().lower()
    if not _EMAIL.match(email) or len(email) > 320:
        raise InvalidInput(f"{raw!r} is not an email address")
    return email


def create_user(
    uow: ApiUnitOfWork,
    email: str,
    role: str,
    *,
    password: str | None = None,
    actor: str = "system",
) -> UserRow:
    """Create a user of the unit of work's organisation; commits."""
    address = _email(email)
    check_role(role)
    hashed = None if password is None else hash_password(password)
    with uow:
        user = uow.security.add_user(address, role, hashed)
        audit.record(
            uow,
            "user.created",
            f"user:{user.id}",
            {"email": address, "role": role, "password": password is not None},
            actor=actor,
        )
        uow.commit()
    return user


def create_token(
    uow: ApiUnitOfWork, role: str, *, label: str = "", actor: str = "system"
) -> NewToken:
    """Create an API token for the organisation with ``role``; commits; returns the secret once."""
    check_role(role)
    label = label.strip()
    if len(label) > 200:
        raise InvalidInput("a token label has at most 200 characters")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with uow:
        row = uow.security.add_token(role, label, secret[:10], hash_token(secret))
        audit.record(
            uow, "token.created", f"token:{row.id}", {"role": role, "label": label}, actor=actor
        )
        uow.commit()
    return NewToken(row, secret)


def revoke_token(uow: ApiUnitOfWork, token_id: int, *, actor: str = "system") -> TokenRow:
    """Revoke one of the organisation's tokens (idempotent); commits."""
    with uow:
        row = uow.security.revoke_token(token_id)
        audit.record(uow, "token.revoked", f"token:{row.id}", {"role": row.role}, actor=actor)
        uow.commit()
    return row


def authenticate(directory: TokenDirectory, secret: str, now: datetime) -> Principal | None:
    """The principal of a presented token, or None (unknown, malformed or revoked).

    The caller commits (a token in use gets ``last_used_at`` refreshed at most once a minute).
    """
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    row = directory.by_hash(hash_token(secret))
    if row is None or row.revoked_at is not None:
        return None
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY:
        directory.touch(row.id, now)
    return Principal(row.id, row.org_id, row.org_name, row.role)
