"""Unit tests of the API foundations that need no database: the rate limiter, log redaction,
settings, the authorisation matrix, canonical JSON, money on the wire, passwords and signatures."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from amicable.domain.errors import InvalidInput, InvariantViolation
from amicable.entrypoints.api import logs
from amicable.entrypoints.api.logs import REDACTED, make_logger, redact_personal_data, redact_text
from amicable.entrypoints.api.ratelimit import RateLimiter
from amicable.entrypoints.api.schemas import MoneyStr
from amicable.entrypoints.api.settings import ApiSettings
from amicable.service import security, writeback
from amicable.service.authz import ACTIONS, ROLES, allowed, check_role
from amicable.service.canonical import canonical_json


class FakeMonotonic:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_its_burst_then_refuses_until_it_refills() -> None:
    clock = FakeMonotonic()
    limiter = RateLimiter(per_minute=60, burst=3, clock=clock)
    assert [limiter.take("1.2.3.4") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.take("1.2.3.4")
    assert wait == pytest.approx(1.0)
    assert limiter.retry_after(wait) == 1
    assert limiter.take("5.6.7.8") == 0.0  # another client has its own bucket
    clock.now += 1.0
    assert limiter.take("1.2.3.4") == 0.0
    clock.now += 3600
    assert [limiter.take("1.2.3.4") for _ in range(4)][-1] > 0  # never more than the burst


def test_the_bucket_table_is_pruned_of_full_buckets() -> None:
    clock = FakeMonotonic()
    limiter = RateLimiter(per_minute=60, burst=1, clock=clock)
    limiter.MAX_KEYS = 10
    for i in range(11):
        limiter.take(f"k{i}")
    clock.now += 5
    limiter.take("k-new")
    assert len(limiter._buckets) <= 11


def test_non_positive_limits_are_refused() -> None:
    with pytest.raises(ValueError):
        RateLimiter(per_minute=0, burst=1, clock=FakeMonotonic())


def test_personal_data_is_redacted_by_key_and_by_pattern() -> None:
    event = {
        "event": "request",
        "email": "ana@example.org",
        "path": "/v1/accounts/ana@example.org",
        "detail": "call +1 303 555 0100 or pay to DE89 3704 0044 0532 0130 00",
        "nested": {"phone": "+13035550100", "note": "token amk_abcdefABCDEF123 used"},
        "status": 200,
    }
    out = redact_personal_data(None, "info", dict(event))
    assert out["email"] == REDACTED
    assert "ana@example.org" not in out["path"]
    assert "303" not in out["detail"] and "DE89" not in out["detail"]
    assert out["nested"]["phone"] == REDACTED
    assert "amk_abcdef" not in out["nested"]["note"]
    assert out["status"] == 200 and out["event"] == "request"


def test_the_api_logger_writes_redacted_json(caplog: pytest.LogCaptureFixture) -> None:
    logger = make_logger("amicable.test-redaction")
    with caplog.at_level(logging.INFO, logger="amicable.test-redaction"):
        logger.info("login", email="ana@example.org", user_agent="x", secret="whsec_abc")
    line = json.loads(caplog.records[-1].getMessage())
    assert line["email"] == REDACTED and line["secret"] == REDACTED
    assert "ana@example.org" not in caplog.text


def test_redact_text_leaves_ordinary_text_alone() -> None:
    assert redact_text("GET /v1/aging 200 12.5ms") == "GET /v1/aging 200 12.5ms"


def _redact_every_pattern(text: str) -> str:
    """The masking without the one-scan shortcut: every pattern substituted in turn."""
    for pattern in logs._PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text


_REDACTION_PIECES = st.sampled_from(
    ["amk_", "whsec_", "@", ".", "-", " ", "+", "(", ")", "_", "FR", "DE", "76", "1", "12345",
     "x", "org", "[redacted]", "/v1/", "{ref}", "é", "+33 6 12 34 56 78", "0612345678",
     "FR76 3000 6000 0112 3456 7890 189", "ana@example.org", "amk_abc", "whsec_x"]
)  # fmt: skip


@settings(max_examples=300)
@given(st.lists(st.one_of(_REDACTION_PIECES, st.text(max_size=6)), max_size=14).map("".join))
def test_redact_text_masks_exactly_as_every_pattern_in_turn(text: str) -> None:
    assert redact_text(text) == _redact_every_pattern(text)


def test_the_api_logger_is_built_once_and_redacts_every_event(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logger = make_logger("amicable.test-cached")
    with caplog.at_level(logging.INFO, logger="amicable.test-cached"):
        logger.info("request", method="GET", path="/v1/org", status=200, ms=1.0)
        logger.info("request", method="GET", path="/v1/org", email="ana@example.org", status=401)
    first, second = (json.loads(r.getMessage()) for r in caplog.records[-2:])
    assert first["path"] == "/v1/org" and first["status"] == 200 and first["level"] == "info"
    assert second["email"] == REDACTED and "ana@example.org" not in caplog.text


@pytest.mark.parametrize("secret", ["", "changeme", "CHANGEME", "secret", "short-but-real"])
def test_placeholder_or_short_secrets_are_refused_outside_development(secret: str) -> None:
    with pytest.raises(ValidationError, match="AMICABLE_SECRET_KEY"):
        ApiSettings(environment="production", secret_key=secret)


def test_development_accepts_the_placeholder_and_production_a_real_key() -> None:
    assert ApiSettings(environment="development").secret_key == "changeme"
    assert ApiSettings(environment="production", secret_key="x" * 40).environment == "production"


def test_settings_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AMICABLE_ENVIRONMENT", "production")
    monkeypatch.setenv("AMICABLE_SECRET_KEY", "changeme")
    with pytest.raises(ValidationError):
        ApiSettings()
    monkeypatch.setenv("AMICABLE_SECRET_KEY", "s" * 32)
    monkeypatch.setenv("AMICABLE_RATE_LIMIT_BURST", "7")
    assert ApiSettings().rate_limit_burst == 7


def test_admin_may_do_everything_and_viewer_only_reads() -> None:
    assert all(allowed("admin", a) for a in ACTIONS)
    viewer = {a for a in ACTIONS if allowed("viewer", a)}
    assert viewer >= {"org.read", "ledger.read", "policy.read"}
    assert all(a.endswith(".read") for a in viewer), viewer  # reads, and nothing else
    assert {a for a in ACTIONS if allowed("compliance_auditor", a)} >= {
        "audit.verify", "audit.export", "events.read", "compliance.check",
    }  # fmt: skip
    assert not allowed("collector", "policy.apply")
    assert not allowed("policy_owner", "tokens.create")


def test_an_action_missing_from_the_matrix_is_a_bug_not_a_yes() -> None:
    with pytest.raises(InvariantViolation):
        allowed("admin", "ledger.delete_everything")


def test_roles_are_checked_by_name() -> None:
    assert [check_role(r) for r in ROLES] == list(ROLES)
    with pytest.raises(InvalidInput, match="unknown role 'root'"):
        check_role("root")


json_data = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text()),
    lambda inner: st.one_of(st.lists(inner), st.dictionaries(st.text(), inner)),
    max_leaves=20,
)


@given(json_data)
def test_canonical_json_is_a_fixed_point_of_parsing(value: object) -> None:
    text = canonical_json(value)
    assert canonical_json(json.loads(text)) == text


@given(st.dictionaries(st.text(), st.integers(), min_size=2))
def test_canonical_json_does_not_depend_on_key_order(d: dict[str, int]) -> None:
    assert canonical_json(dict(reversed(list(d.items())))) == canonical_json(d)


def test_canonical_json_refuses_floats_and_names_where() -> None:
    with pytest.raises(InvalidInput, match=r"\$\.lines\[1\]\.amount: floats are not allowed"):
        canonical_json({"lines": [{"amount": "1.00"}, {"amount": 1.5}]})


class _Payment(BaseModel):
    amount: MoneyStr


def test_money_on_the_wire_is_a_string_and_a_json_number_is_refused() -> None:
    assert _Payment.model_validate_json('{"amount": "60.00"}').amount == "60.00"
    for raw in ('{"amount": 60.0}', '{"amount": 60}', '{"amount": "NaN"}', '{"amount": "x"}'):
        with pytest.raises(ValidationError):
            _Payment.model_validate_json(raw)


def test_passwords_are_argon2_hashed_and_verified() -> None:
    stored = security.hash_password("correct horse battery staple")
    assert stored.startswith("$argon2id$")
    assert security.verify_password(stored, "correct horse battery staple")
    assert not security.verify_password(stored, "Correct horse battery staple")
    assert not security.verify_password("not-a-hash", "x")
    with pytest.raises(InvalidInput, match="at least 12"):
        security.hash_password("short")


def test_a_token_is_stored_as_its_sha256() -> None:
    assert security.hash_token("amk_x") == hashlib.sha256(b"amk_x").hexdigest()


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    body = b'{"id":"e1"}'
    expected = hmac.new(b"k" * 24, b"1700000000." + body, hashlib.sha256).hexdigest()
    assert writeback.sign("k" * 24, body, 1_700_000_000) == f"t=1700000000,v1={expected}"


def test_the_token_cache_forgets_entries_after_their_lifetime_and_on_clear() -> None:
    from amicable.entrypoints.api.tokencache import TokenCache
    from amicable.service.security import Principal

    now = [0.0]
    cache = TokenCache(2.0, lambda: now[0])
    who = Principal(1, 1, "acme", "viewer")
    assert cache.get("h") is None
    cache.put("h", who)
    assert cache.get("h") == who
    now[0] = 1.99
    assert cache.get("h") == who
    now[0] = 2.0
    assert cache.get("h") is None
    cache.put("h", who)
    cache.clear()
    assert cache.get("h") is None


def test_a_token_cache_of_zero_seconds_remembers_nothing_and_a_full_one_stays_bounded() -> None:
    from amicable.entrypoints.api.tokencache import TokenCache
    from amicable.service.security import Principal

    who = Principal(1, 1, "acme", "viewer")
    off = TokenCache(0.0, lambda: 0.0)
    off.put("h", who)
    assert off.get("h") is None
    small = TokenCache(10.0, lambda: 0.0)
    small.MAX_KEYS = 3
    for i in range(10):
        small.put(f"h{i}", who)
    assert small.get("h9") == who
    assert sum(small.get(f"h{i}") is not None for i in range(10)) <= 3
