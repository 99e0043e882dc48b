"""The in-process runtime of ``amicable serve``: a background thread that delivers webhooks.

Every ``interval`` seconds it runs :func:`amicable.service.writeback.deliver_pending` for each
organisation. Invariants: one failing organisation does not stop the others (the error is logged
and retried next round); :meth:`WebhookPump.stop` returns after the current round.
"""

from __future__ import annotations

import threading

from amicable.bootstrap import App
from amicable.entrypoints.api.logs import make_logger
from amicable.service import writeback
from amicable.service.writeback import WebhookTransport

__all__ = ["WebhookPump"]


class WebhookPump:
    """Delivers due webhooks of every organisation in a daemon thread."""

    def __init__(self, app: App, transport: WebhookTransport, *, interval: float = 5.0) -> None:
        self._app = app
        self._transport = transport
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="amicable-webhooks", daemon=True)
        self._log = make_logger("amicable.runtime")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def run_once(self) -> None:
        for _, name in self._app.list_orgs():
            try:
                report = writeback.deliver_pending(
                    self._app.uow(name), self._app.clock.now(), self._transport
                )
            except Exception as exc:  # one organisation's failure must not stop the others
                self._log.error("webhook delivery failed", org=name, error=repr(exc))
                continue
            if report.attempted:
                self._log.info("webhooks delivered", org=name, **report.to_json())

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.run_once()
