"""Settings of the HTTP API, from the environment (``AMICABLE_*``), read when the app is built.

Invariants: outside ``development`` a secret left empty or at a placeholder (``changeme`` …) is
refused at start-up, so a deployment never runs on a published key; rate-limit figures are
positive. Nothing here is read at import time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from amicable.config import PLACEHOLDER_SECRETS

if TYPE_CHECKING:
    from amicable.adapters.db.engine import PoolOptions

__all__ = ["PLACEHOLDER_SECRETS", "ApiSettings"]


class ApiSettings(BaseSettings):
    """API process settings.

    Attributes:
        environment: ``development`` allows placeholder secrets; ``test`` and ``production`` not.
        secret_key: signs debtor-portal links and other server-side tokens.
        rate_limit_per_minute: sustained requests per client address (token bucket refill).
        rate_limit_burst: bucket size (requests a client may make at once).
        token_cache_seconds: how long a process remembers a token that authenticated (0: look
            every request's token up); a token revoked by another process or the CLI still works
            here for at most this long, one revoked through this process's API stops at once.
        trust_forwarded_for: use the first ``X-Forwarded-For`` address as the client (only
            behind a proxy you run).
        stripe_webhook_secret: the signing secret (``whsec_…``) of the Stripe webhook endpoint
            of every organisation without its own; empty: their Stripe webhooks are refused (400).
        stripe_webhook_secrets: per-organisation signing secrets, as JSON
            (``AMICABLE_STRIPE_WEBHOOK_SECRETS='{"acme": "whsec_…"}'``): each organisation's
            ``/v1/webhooks/stripe/{org}`` endpoint is verified with its own secret (its own
            Stripe account), falling back to ``stripe_webhook_secret``.
        twilio_auth_token: the Twilio auth token that signs Twilio's webhooks
            (``X-Twilio-Signature``) of every organisation without its own; empty: their Twilio
            webhooks are refused (403).
        twilio_auth_tokens: per-organisation auth tokens, as JSON
            (``AMICABLE_TWILIO_AUTH_TOKENS='{"acme": "…"}'``), each organisation on its own Twilio
            account; falling back to ``twilio_auth_token``.
        inbound_email_secret: the HMAC secret signing inbound-email webhook deliveries
            (``Amicable-Signature``); empty: they are refused (403).
        public_base_url: the scheme and host the providers call (``https://ar.example.com``),
            for signature checks and the voice loop's URLs behind a proxy; empty: the request's.
        voicemail_business_name / voicemail_contact_name / voicemail_callback_phone: the only
            content of a limited-content voicemail (Reg F §1006.2(j)); any empty: no voicemail is
            left, a machine is hung up on.
        db_pool_size: on PostgreSQL, the connections each server process (each ``--workers``
            process) keeps open, and the threads it runs requests' database work on: one
            connection per thread, so no request waits for a connection and none is opened and
            closed per request (requests beyond it wait for a thread). With N workers the server
            holds N × (``db_pool_size`` + at most ``db_max_overflow``) connections. 8, not more:
            the request threads share one interpreter lock, and with 16 a process spent more CPU
            a request (a thread back from the database waits for the lock behind the others) —
            ``http_turns`` gave more turns a second at 8 than at 16 in four comparisons out of
            four (docs/benchmarks.md).
        db_max_overflow: connections opened above ``db_pool_size`` for work outside the request
            threads (the in-process runtime, a route's second connection), closed when returned.
        db_pool_recycle_seconds: a pooled connection is replaced after this long (instead of a
            liveness round trip at every checkout).
    """

    model_config = SettingsConfigDict(env_prefix="AMICABLE_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    secret_key: str = "changeme"
    rate_limit_per_minute: int = Field(default=600, gt=0)
    rate_limit_burst: int = Field(default=120, gt=0)
    token_cache_seconds: float = Field(default=5.0, ge=0, le=300)
    trust_forwarded_for: bool = False
    stripe_webhook_secret: str = ""
    stripe_webhook_secrets: dict[str, str] = Field(default_factory=dict)
    twilio_auth_token: str = ""
    twilio_auth_tokens: dict[str, str] = Field(default_factory=dict)
    inbound_email_secret: str = ""
    public_base_url: str = ""
    voicemail_business_name: str = ""
    voicemail_contact_name: str = ""
    voicemail_callback_phone: str = ""
    db_pool_size: int = Field(default=8, ge=1, le=500)
    db_max_overflow: int = Field(default=4, ge=0, le=500)
    db_pool_recycle_seconds: int = Field(default=1800, ge=1)

    @model_validator(mode="after")
    def _no_placeholder_secrets(self) -> ApiSettings:
        if self.environment != "development":
            if self.secret_key.strip().lower() in PLACEHOLDER_SECRETS:
                raise ValueError(
                    "AMICABLE_SECRET_KEY is unset or a placeholder; set a random value "
                    "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')"
                )
            if len(self.secret_key) < 32:
                raise ValueError("AMICABLE_SECRET_KEY needs at least 32 characters")
            for org, value in sorted(self.stripe_webhook_secrets.items()):
                if value.strip().lower() in PLACEHOLDER_SECRETS:
                    raise ValueError(
                        f"AMICABLE_STRIPE_WEBHOOK_SECRETS: the secret of organisation {org!r} is "
                        "empty or a placeholder; set the endpoint's signing secret (whsec_…)"
                    )
        return self

    def pool(self) -> PoolOptions:
        """The PostgreSQL pool of a server process (see ``db_pool_size``)."""
        from amicable.adapters.db.engine import PoolOptions  # the engine module imports Alembic

        return PoolOptions(
            size=self.db_pool_size,
            max_overflow=self.db_max_overflow,
            recycle_seconds=self.db_pool_recycle_seconds,
        )

    def stripe_secret_for(self, org: str) -> str:
        """The Stripe signing secret of ``org``'s endpoint ('' when none is configured)."""
        return self.stripe_webhook_secrets.get(org) or self.stripe_webhook_secret

    def twilio_token_for(self, org: str) -> str:
        """The Twilio auth token that signs ``org``'s webhooks ('' when none is configured)."""
        return self.twilio_auth_tokens.get(org) or self.twilio_auth_token
