"""Debtor-portal links: signed, expiring, scoped to one account; anything else is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amicable.domain.errors import InvalidInput, PermissionDenied
from amicable.service.portal_links import make_portal_token, read_portal_token

KEY = "k" * 40
NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@given(
    account=st.text(min_size=1, max_size=40),
    org_id=st.integers(min_value=1, max_value=2**40),
    minutes=st.integers(min_value=1, max_value=60 * 24 * 30),
)
def test_a_link_grants_its_account_until_it_expires(
    account: str, org_id: int, minutes: int
) -> None:
    expires = NOW + timedelta(minutes=minutes)
    token = make_portal_token(KEY, org_id=org_id, account=account, expires_at=expires)
    grant = read_portal_token(KEY, token, now=NOW)
    assert (grant.org_id, grant.account) == (org_id, account)
    assert grant.expires_at == expires.replace(microsecond=0)
    with pytest.raises(PermissionDenied):
        read_portal_token(KEY, token, now=expires)


@given(position=st.integers(min_value=0), replacement=st.sampled_from("AQwz09-_."))
def test_changing_any_character_of_a_link_is_refused(position: int, replacement: str) -> None:
    token = make_portal_token(KEY, org_id=1, account="C-1", expires_at=NOW + timedelta(days=1))
    i = position % len(token)
    if token[i] == replacement:
        return
    forged = token[:i] + replacement + token[i + 1 :]
    with pytest.raises(PermissionDenied):
        read_portal_token(KEY, forged, now=NOW)


def test_a_link_signed_with_another_key_or_malformed_is_refused() -> None:
    token = make_portal_token(KEY, org_id=1, account="C-1", expires_at=NOW + timedelta(days=1))
    for key, text in ((("x" * 40), token), (KEY, "nodot"), (KEY, "é.é"), (KEY, ".")):
        with pytest.raises(PermissionDenied):
            read_portal_token(key, text, now=NOW)


def test_a_short_signing_key_is_refused() -> None:
    with pytest.raises(InvalidInput, match="at least 32"):
        make_portal_token("short", org_id=1, account="C-1", expires_at=NOW)
