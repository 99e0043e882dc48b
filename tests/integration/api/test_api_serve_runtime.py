"""``amicable serve`` runs the in-process runtime: the server's lifespan starts the agent loop and
the webhook pump and stops them at shutdown; a due account is processed by the loop (its contact
recorded in the outbox) without any request; ``--no-runtime`` serves the API alone."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from amicable.adapters.channels.outbox import RecordingOutboxSender
from amicable.adapters.importers import read_customers, read_invoices
from amicable.bootstrap import App
from amicable.domain.clock import SimulatedClock
from amicable.entrypoints.api import create_app
from amicable.entrypoints.api import runtime as api_runtime
from amicable.entrypoints.api.runtime import InProcessRuntime
from amicable.entrypoints.cli import app as cli
from amicable.service import writeback
from amicable.service.imports import import_customers, import_invoices
from conftest import RecordingTransport, fast_settings


def wait_for(condition: Any, what: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_the_lifespan_starts_the_runtime_which_processes_a_due_account_then_stops_it(
    app: App, clock: SimulatedClock, sample_files: Path
) -> None:
    import_customers(app.uow(), read_customers(sample_files / "customers.csv"))
    import_invoices(app.uow(), read_invoices(sample_files / "invoices.csv"))
    writeback.subscribe(app.uow(), "https://erp.example/hooks")
    sender = RecordingOutboxSender(clock=clock)
    transport = RecordingTransport()
    runtime = InProcessRuntime(
        app, transport, sender=sender, loop_interval=3600, webhook_interval=3600
    )
    api = create_app(app, settings=fast_settings(), transport=transport, runtime=runtime)
    assert not runtime.running
    with TestClient(api) as client:
        assert runtime.running
        wait_for(lambda: runtime.rounds["loop"] >= 1, "an agent-loop pass")
        assert client.get("/v1/health").json() == {"status": "ok"}
    assert not runtime.running  # stopped with the server
    with app.uow() as uow:
        attempts = uow.runtime.attempts()
    # No request asked for it: the loop itself processed the overdue accounts.
    assert attempts, "the loop wrote no attempt"
    assert {a.status for a in attempts} <= {"sent", "blocked", "needs_approval", "failed"}
    assert len(sender.records) == sum(1 for a in attempts if a.status == "sent")
    assert runtime.rounds["webhooks"] >= 1


def test_one_failing_organisation_does_not_stop_the_loop_for_the_others(
    app: App, clock: SimulatedClock, sample_files: Path
) -> None:
    app.create_org("acme")
    import_customers(app.uow("acme"), read_customers(sample_files / "customers.csv"))
    import_invoices(app.uow("acme"), read_invoices(sample_files / "invoices.csv"))
    sender = RecordingOutboxSender(clock=clock)
    runtime = InProcessRuntime(app, RecordingTransport(), sender=sender)
    real_uow = app.uow

    def uow(org: str = "default") -> Any:
        if org == "default":
            raise RuntimeError("simulated failure of one organisation")
        return real_uow(org)

    app.uow = uow  # type: ignore[method-assign]
    try:
        done = runtime.run_loop_once()
    finally:
        app.uow = real_uow  # type: ignore[method-assign]
    assert "default" not in done and done["acme"].processed > 0


@pytest.mark.parametrize("flag", ["--runtime", "--no-runtime"])
def test_serve_runs_the_runtime_with_the_server_unless_told_not_to(
    database_url: str, monkeypatch: pytest.MonkeyPatch, flag: str
) -> None:
    made: list[InProcessRuntime] = []
    served: list[bool] = []

    class Recorded(InProcessRuntime):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)

    def fake_run(api: FastAPI, **_: Any) -> None:  # stands in for uvicorn: runs the lifespan
        with TestClient(api):
            if made:
                assert made[0].running
                wait_for(lambda: made[0].rounds["loop"] >= 1, "an agent-loop pass")
            served.append(True)
        if made:
            assert not made[0].running

    import uvicorn

    monkeypatch.setattr(api_runtime, "InProcessRuntime", Recorded)
    monkeypatch.setattr(uvicorn, "run", fake_run)
    monkeypatch.setenv("AMICABLE_ENVIRONMENT", "development")
    r = CliRunner().invoke(cli, ["serve", flag, "--database-url", database_url])
    assert r.exit_code == 0, r.output
    assert served == [True]
    assert len(made) == (1 if flag == "--runtime" else 0)
