"""The API server's PostgreSQL pool and thread pool: sized together from the settings, no
liveness ping per checkout, connections recycled; other processes keep the engine default."""

from __future__ import annotations

import anyio
import anyio.to_thread
import pytest
from fastapi.testclient import TestClient

from amicable.adapters.db.engine import PoolOptions, create_engine_for
from amicable.bootstrap import bootstrap
from amicable.entrypoints.api import ApiSettings, create_app
from amicable.service import conversations

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/nothing"  # engines are lazy: no connection


def test_a_server_pool_keeps_its_size_open_recycles_and_does_not_ping() -> None:
    engine = create_engine_for(
        PG_URL, pool=PoolOptions(size=16, max_overflow=4, recycle_seconds=1800)
    )
    pool = engine.pool
    assert pool.size() == 16  # type: ignore[attr-defined]
    assert pool._max_overflow == 4  # type: ignore[attr-defined]
    assert pool._recycle == 1800 and pool._pre_ping is False


def test_without_pool_options_the_engine_keeps_its_default_and_pings() -> None:
    engine = create_engine_for(PG_URL)
    assert engine.pool._pre_ping is True and engine.pool.size() == 5  # type: ignore[attr-defined]


def test_the_api_settings_size_the_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AMICABLE_DB_POOL_SIZE", "8")
    monkeypatch.setenv("AMICABLE_DB_MAX_OVERFLOW", "2")
    monkeypatch.setenv("AMICABLE_DB_POOL_RECYCLE_SECONDS", "600")
    assert ApiSettings().pool() == PoolOptions(size=8, max_overflow=2, recycle_seconds=600)
    assert ApiSettings.model_fields["db_pool_size"].default == 8


def test_the_server_lifespan_sizes_the_thread_pool_to_the_connection_pool(
    tmp_path: object,
) -> None:
    app = bootstrap(f"sqlite:///{tmp_path}/pool.db")
    api = create_app(app, settings=ApiSettings(db_pool_size=7))
    seen: list[float] = []

    @api.get("/threads")
    async def threads() -> dict[str, float]:
        seen.append(anyio.to_thread.current_default_thread_limiter().total_tokens)
        return {}

    with TestClient(api) as client:
        assert client.get("/threads").status_code == 200
    assert seen == [7]
    app.close()


def test_the_server_lifespan_loads_the_nlu_model_before_the_first_request(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each worker process loaded the model on its first conversation turn, which then waited
    about a second; the lifespan loads it before the server takes requests."""
    monkeypatch.setattr(conversations, "_NLU", [])  # this process's shared NLU, not yet built
    app = bootstrap(f"sqlite:///{tmp_path}/warm.db")
    api = create_app(app, settings=ApiSettings())
    seen: list[bool] = []

    @api.get("/warm")
    async def warm() -> dict[str, bool]:
        seen.append(bool(conversations._NLU) and conversations._NLU[0]._model is not None)
        return {}

    assert conversations._NLU == []
    with TestClient(api) as client:
        assert client.get("/warm").status_code == 200
    assert seen == [True]
    app.close()


def test_the_server_lifespan_freezes_what_is_alive_at_start_out_of_full_collections(
    tmp_path: object,
) -> None:
    """Each full collection walked every start-up object (the model, modules, the app): 120 ms
    a time; frozen after the model is loaded, the collector no longer walks them."""
    import gc

    gc.unfreeze()
    app = bootstrap(f"sqlite:///{tmp_path}/frozen.db")
    api = create_app(app, settings=ApiSettings())
    seen: list[int] = []

    @api.get("/frozen")
    async def frozen() -> dict[str, int]:
        seen.append(gc.get_freeze_count())
        return {}

    try:
        assert gc.get_freeze_count() == 0
        with TestClient(api) as client:
            assert client.get("/frozen").status_code == 200
        assert seen and seen[0] > 10_000
    finally:
        gc.unfreeze()
        app.close()
