"""The security and write-back CLI: users, tokens (shown once, then usable over HTTP, then
revoked), ``webhooks deliver`` / ``events``, and ``serve`` refusing a placeholder secret."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from amicable.bootstrap import App
from amicable.entrypoints.api import create_app
from amicable.entrypoints.cli import app as cli
from conftest import fast_settings

runner = CliRunner()


def run(database_url: str, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    r = runner.invoke(cli, [*args, "--database-url", database_url], input=stdin)
    return r.exit_code, r.stdout, r.stderr


def test_a_cli_token_is_printed_once_works_over_http_and_is_revoked(
    app: App, database_url: str
) -> None:
    code, out, _ = run(database_url, "tokens", "create", "--org", "default", "--role", "viewer",
                       "--label", "bi", "--json")  # fmt: skip
    assert code == 0
    created = json.loads(out)
    assert created["token"].startswith("amk_") and created["role"] == "viewer"
    ticks = [0.0]  # the server's monotonic clock, moved by hand
    api = create_app(app, settings=fast_settings(token_cache_seconds=5), monotonic=lambda: ticks[0])
    client = TestClient(api)
    auth = {"Authorization": f"Bearer {created['token']}"}
    assert client.get("/v1/org", headers=auth).status_code == 200
    code, out, _ = run(database_url, "tokens", "list", "--org", "default", "--json")
    listed = json.loads(out)["tokens"]
    assert [t["prefix"] for t in listed] == [created["token"][:10]]
    assert "token" not in listed[0]
    code, out, _ = run(database_url, "tokens", "revoke", str(created["id"]), "--json")
    assert code == 0 and json.loads(out) == {"id": created["id"], "org": "default", "revoked": True}
    # The server remembered the token a moment ago: it stops working within the cache's lifetime.
    ticks[0] += 5
    assert client.get("/v1/org", headers=auth).status_code == 401
    code, _, err = run(database_url, "tokens", "revoke", "999")
    assert code == 2 and "does not exist" in err


def test_a_bad_role_or_unknown_organisation_is_refused_with_a_clear_message(
    database_url: str,
) -> None:
    code, _, err = run(database_url, "tokens", "create", "--org", "default", "--role", "root")
    assert code == 2 and "unknown role" in err
    code, _, err = run(database_url, "tokens", "create", "--org", "nowhere", "--role", "admin")
    assert code == 2 and "does not exist" in err


def test_a_user_is_created_with_a_password_read_from_stdin(database_url: str, app: App) -> None:
    code, out, _ = run(database_url, "users", "create", "--org", "default", "--email",
                       "Ana@Example.org", "--role", "collector", "--password-stdin", "--json",
                       stdin="a long enough passphrase\n")  # fmt: skip
    assert code == 0
    assert json.loads(out) == {
        "id": 1, "org": "default", "email": "ana@example.org", "role": "collector",
        "has_password": True,
    }  # fmt: skip
    code, _, err = run(database_url, "users", "create", "--org", "default", "--email", "nope",
                       "--role", "viewer")  # fmt: skip
    assert code == 2 and "not an email" in err


def test_webhooks_deliver_and_events_csv_from_the_cli(database_url: str, app: App) -> None:
    from amicable.service import writeback

    with app.uow() as uow:
        writeback.emit(uow, "payment.posted", {"account": "C1", "amount": "60.00"})
        uow.commit()
    code, out, _ = run(database_url, "webhooks", "events")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0] == "event_id,kind,created_at,payload" and "payment.posted" in lines[1]
    code, out, _ = run(database_url, "webhooks", "deliver", "--json")
    assert code == 0 and json.loads(out)["attempted"] == 0  # no subscription yet


def test_serve_refuses_a_placeholder_secret_outside_development(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AMICABLE_ENVIRONMENT", "production")
    monkeypatch.setenv("AMICABLE_SECRET_KEY", "changeme")
    code, _, err = run(database_url, "serve", "--port", "1")
    assert code == 2 and "AMICABLE_SECRET_KEY" in err
