"""Fixtures of the HTTP API tests: two organisations, a token per role in each, the ASGI app.

``acme`` is the organisation under test; ``rival`` holds data that no token of ``acme`` may ever
see or change (tenant isolation). Requests go over HTTP semantics through Starlette's
``TestClient`` (httpx); one test runs a real Uvicorn server.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from amicable.bootstrap import App
from amicable.entrypoints.api import ApiSettings, create_app
from amicable.service import security
from amicable.service.authz import ROLES
from amicable.sim.sample import generate_sample


@dataclass
class RecordingTransport:
    """A webhook transport that records what would be posted and answers ``status`` (fake)."""

    status: int | None = 200
    posts: list[tuple[str, bytes, dict[str, str]]] = field(default_factory=list)

    def post(
        self, url: str, body: bytes, headers: Mapping[str, str]
    ) -> tuple[int | None, str | None]:
        self.posts.append((url, body, dict(headers)))
        if self.status is None:
            return None, "ConnectError: connection refused"
        return self.status, None


@dataclass
class ApiWorld:
    """The app, a client, and a bearer token per (organisation, role)."""

    app: App
    api: FastAPI
    client: TestClient
    tokens: dict[tuple[str, str], str]
    transport: RecordingTransport

    def headers(self, role: str = "admin", org: str = "acme") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[(org, role)]}"}


STRIPE_SECRET = "whsec_test_" + "s" * 32


def fast_settings(**overrides: object) -> ApiSettings:
    values: dict[str, object] = {
        "environment": "test",
        "secret_key": "k" * 40,
        "rate_limit_per_minute": 1_000_000,
        "rate_limit_burst": 1_000_000,
        "stripe_webhook_secret": STRIPE_SECRET,
    }
    values.update(overrides)
    return ApiSettings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def sample_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("api-sample")
    generate_sample(out, accounts=12, seed=3, as_of=date(2026, 3, 1))
    return out


@pytest.fixture
def world(app: App) -> Iterator[ApiWorld]:
    app.create_org("acme")
    app.create_org("rival")
    tokens: dict[tuple[str, str], str] = {}
    for org in ("acme", "rival"):
        for role in ROLES:
            tokens[(org, role)] = security.create_token(app.uow(org), role, label=role).secret
    transport = RecordingTransport()
    api = create_app(app, settings=fast_settings(), transport=transport)
    with TestClient(api) as client:
        yield ApiWorld(app, api, client, tokens, transport)
