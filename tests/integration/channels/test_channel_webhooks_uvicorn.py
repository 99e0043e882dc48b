"""Channel webhooks served by a real Uvicorn on 127.0.0.1 behind a (pretend) proxy: with
``public_base_url`` set, Twilio's signature is over the public URL Twilio called, not the
internal one, and the voice loop's next-turn URLs are built on it."""

from __future__ import annotations

import socket
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from channel_webhook_world import ACCOUNT_SID, DANA_PHONE, OUR_NUMBER, TOKEN, ChannelWorld, settings
from twilio.request_validator import RequestValidator

from amicable.entrypoints.api import create_app

PUBLIC = "https://ar.acme.example"
PATH = "/v1/webhooks/twilio/default/sms"


@pytest.fixture
def served(world: ChannelWorld) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    api = create_app(world.app, settings=settings(public_base_url=PUBLIC))
    server = uvicorn.Server(
        uvicorn.Config(api, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_behind_a_proxy_the_signature_is_over_the_public_url(served: str) -> None:
    params = {"MessageSid": "SM" + "f" * 32, "AccountSid": ACCOUNT_SID, "From": DANA_PHONE,
              "To": OUR_NUMBER, "Body": "Hello, what do I owe?"}  # fmt: skip
    validator = RequestValidator(TOKEN)
    # Generous: the first turn loads the embedded language model, and CI machines are busy.
    with httpx.Client(base_url=served, timeout=120) as client:
        internal = client.post(PATH, data=params, headers={
            "X-Twilio-Signature": validator.compute_signature(served + PATH, params)})  # fmt: skip
        public = client.post(PATH, data=params, headers={
            "X-Twilio-Signature": validator.compute_signature(PUBLIC + PATH, params)})  # fmt: skip

    assert internal.status_code == 403
    assert public.status_code == 200, public.text
    [reply] = [m.text for m in ET.fromstring(public.text).iter("Message")]
    assert reply
