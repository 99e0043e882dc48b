"""``amicable serve --workers N``: several Uvicorn processes on one port, each building its own
app from the environment; refused with the in-process runtime (the agent loop would run once
per worker)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from amicable.bootstrap import bootstrap
from amicable.entrypoints.cli import app as cli
from amicable.entrypoints.cli import serve as serve_module
from amicable.service import security


def test_several_workers_with_the_in_process_runtime_are_refused(database_url: str) -> None:
    r = CliRunner().invoke(cli, ["serve", "--workers", "2", "--database-url", database_url])
    assert r.exit_code != 0
    assert "--no-runtime" in r.output


def test_serve_with_workers_hands_uvicorn_the_factory_that_builds_each_workers_app(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda target, **kw: calls.append((target, kw)))
    monkeypatch.setenv("AMICABLE_ENVIRONMENT", "development")
    monkeypatch.delenv("AMICABLE_DATABASE_URL", raising=False)
    r = CliRunner().invoke(
        cli, ["serve", "--workers", "3", "--no-runtime", "--database-url", database_url]
    )
    assert r.exit_code == 0, r.output
    [(target, kw)] = calls
    assert target == "amicable.entrypoints.cli.serve:worker_app"
    assert kw["factory"] is True and kw["workers"] == 3
    assert os.environ["AMICABLE_DATABASE_URL"] == database_url
    # What each worker process runs: an app on that database, answering an authenticated call.
    app = bootstrap(database_url)
    try:
        secret = security.create_token(app.uow(), "viewer").secret
    finally:
        app.close()
    api = serve_module.worker_app()
    try:
        with TestClient(api) as client:
            org = client.get("/v1/org", headers={"Authorization": f"Bearer {secret}"})
            assert org.status_code == 200 and org.json()["name"] == "default"
    finally:
        api.state.amicable.close()  # the worker's pool (a worker process closes it on exit)


def test_two_worker_processes_serve_the_api_over_real_http(database_url: str) -> None:
    app = bootstrap(database_url)
    try:
        secret = security.create_token(app.uow(), "viewer").secret
    finally:
        app.close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, AMICABLE_ENVIRONMENT="development")
    code = "from amicable.entrypoints.cli import main; main()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "serve", "--no-runtime", "--workers", "2",
         "--port", str(port), "--database-url", database_url],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        statuses: list[int] = []
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            while not statuses:
                assert proc.poll() is None, "the server exited"
                assert time.monotonic() < deadline, "the server did not start"
                try:
                    client.get("/v1/health")
                except httpx.TransportError:
                    time.sleep(0.2)
                    continue
                headers = {"Authorization": f"Bearer {secret}"}
                statuses = [client.get("/v1/org", headers=headers).status_code for _ in range(20)]
        assert statuses == [200] * 20
        workers = subprocess.run(
            ["pgrep", "-P", str(proc.pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        assert len(workers) >= 2
    finally:
        proc.terminate()
        proc.wait(timeout=30)
