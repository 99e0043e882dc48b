"""The API served by a real Uvicorn on 127.0.0.1: health, an authenticated call, the OpenAPI
document, and the rate limit answering 429 with ``Retry-After``."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from amicable.bootstrap import App
from amicable.entrypoints.api import create_app
from amicable.service import security
from conftest import fast_settings


@pytest.fixture
def served(app: App) -> Iterator[tuple[str, str]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = security.create_token(app.uow(), "viewer").secret
    api = create_app(app, settings=fast_settings(rate_limit_per_minute=60, rate_limit_burst=5))
    server = uvicorn.Server(
        uvicorn.Config(api, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", token
    server.should_exit = True
    thread.join(timeout=10)


def test_the_api_answers_over_real_http_and_rate_limits_a_client(
    served: tuple[str, str],
) -> None:
    base, token = served
    with httpx.Client(base_url=base, timeout=10) as client:
        assert client.get("/v1/health").json() == {"status": "ok"}
        org = client.get("/v1/org", headers={"Authorization": f"Bearer {token}"})
        assert org.status_code == 200 and org.json()["name"] == "default"
        statuses = [client.get("/v1/health").status_code for _ in range(6)]
        assert statuses[-1] == 429
        limited = client.get("/v1/health")
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
        assert limited.headers["content-type"] == "application/problem+json"
        # Unauthenticated guessing is limited as well.
        assert client.get("/v1/org", headers={"Authorization": "Bearer amk_x"}).status_code == 429
