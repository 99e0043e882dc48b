"""The API's token cache: a token that authenticated is remembered for a few seconds of the
server's monotonic clock; a revocation through the API is honoured at once, one made elsewhere
(the CLI, another server process) within the cache's lifetime; bad tokens are never remembered."""

from __future__ import annotations

from fastapi.testclient import TestClient

from amicable.bootstrap import App
from amicable.entrypoints.api import create_app
from amicable.service import security
from conftest import RecordingTransport, fast_settings


class Ticks:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _client(app: App, ticks: Ticks, seconds: float) -> TestClient:
    api = create_app(
        app,
        settings=fast_settings(token_cache_seconds=seconds),
        transport=RecordingTransport(),
        monotonic=ticks,
    )
    return TestClient(api)


def test_a_token_revoked_outside_the_api_stops_working_when_its_cache_entry_expires(
    app: App,
) -> None:
    app.create_org("acme")
    made = security.create_token(app.uow("acme"), "viewer", label="bi")
    ticks = Ticks()
    mine = {"Authorization": f"Bearer {made.secret}"}
    with _client(app, ticks, 5.0) as client:
        assert client.get("/v1/org", headers=mine).status_code == 200
        security.revoke_token(app.uow("acme"), made.token.id)  # as `amicable tokens revoke` does
        ticks.now += 4.9
        assert client.get("/v1/org", headers=mine).status_code == 200  # still remembered
        ticks.now += 0.2
        assert client.get("/v1/org", headers=mine).status_code == 401


def test_without_a_cache_a_revocation_elsewhere_is_honoured_on_the_next_request(app: App) -> None:
    app.create_org("acme")
    made = security.create_token(app.uow("acme"), "viewer", label="bi")
    mine = {"Authorization": f"Bearer {made.secret}"}
    with _client(app, Ticks(), 0.0) as client:
        assert client.get("/v1/org", headers=mine).status_code == 200
        security.revoke_token(app.uow("acme"), made.token.id)
        assert client.get("/v1/org", headers=mine).status_code == 401


def test_a_revocation_through_the_api_is_honoured_at_once_even_for_a_remembered_token(
    app: App,
) -> None:
    app.create_org("acme")
    admin = security.create_token(app.uow("acme"), "admin", label="admin")
    made = security.create_token(app.uow("acme"), "viewer", label="bi")
    mine = {"Authorization": f"Bearer {made.secret}"}
    with _client(app, Ticks(), 300.0) as client:
        assert client.get("/v1/org", headers=mine).status_code == 200
        gone = client.delete(
            f"/v1/tokens/{made.token.id}", headers={"Authorization": f"Bearer {admin.secret}"}
        )
        assert gone.status_code == 200
        assert client.get("/v1/org", headers=mine).status_code == 401


def test_an_unknown_token_is_not_remembered_so_it_works_once_it_exists(app: App) -> None:
    app.create_org("acme")
    ticks = Ticks()
    with _client(app, ticks, 300.0) as client:
        bogus = {"Authorization": "Bearer amk_" + "x" * 43}
        assert client.get("/v1/org", headers=bogus).status_code == 401
        made = security.create_token(app.uow("acme"), "viewer", label="bi")
        fresh = {"Authorization": f"Bearer {made.secret}"}
        assert client.get("/v1/org", headers=fresh).status_code == 200
        assert client.get("/v1/org", headers=bogus).status_code == 401
