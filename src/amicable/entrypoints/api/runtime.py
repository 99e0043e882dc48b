"""The in-process runtime of ``amicable serve``: the agent loop and webhook delivery on timers.

:class:`InProcessRuntime` runs two daemon threads while the API serves:

* the **agent loop** — every ``loop_interval`` seconds, :func:`amicable.service.runtime.run_due`
  for each organisation at the app clock's instant (contacts are handed to ``sender``; the
  embedded default records them in the outbox, as ``amicable run`` does);
* the **webhook pump** — every ``webhook_interval`` seconds,
  :func:`amicable.service.writeback.deliver_pending` for each organisation.

:func:`lifespan` ties it to the ASGI application: started when the server starts, stopped (after
the round in progress) when it shuts down — ``create_app(app, runtime=...)`` uses it.

Invariants: one failing organisation does not stop the others (the error is logged and the work
is retried next round); a round runs organisations one after the other, never two rounds of the
same timer at once; :meth:`InProcessRuntime.stop` returns after the rounds in progress; the clock
is read here (an entry point), never in the services it calls.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from amicable.bootstrap import App
from amicable.entrypoints.api.logs import make_logger
from amicable.service import writeback
from amicable.service.channels import ChannelSender
from amicable.service.runtime import RunReport, run_due
from amicable.service.writeback import WebhookTransport

__all__ = ["InProcessRuntime", "lifespan"]


class _Timer:
    """Calls ``work`` every ``interval`` seconds in a daemon thread until stopped (the first
    round runs right away)."""

    def __init__(self, name: str, interval: float, work: Callable[[], object]) -> None:
        self._interval = interval
        self._work = work
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=60)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._work()
            if self._stop.wait(self._interval):
                break


class InProcessRuntime:
    """The agent loop and the webhook pump of every organisation, in background threads."""

    def __init__(
        self,
        app: App,
        transport: WebhookTransport,
        *,
        sender: ChannelSender | None = None,
        loop_interval: float = 60.0,
        webhook_interval: float = 5.0,
        collector_type: str | None = None,
    ) -> None:
        if loop_interval <= 0 or webhook_interval <= 0:
            raise ValueError("runtime intervals must be positive seconds")
        if sender is None:
            from amicable.adapters.channels.outbox import RecordingOutboxSender

            sender = RecordingOutboxSender(clock=app.clock)
        self._app = app
        self._transport = transport
        self._sender = sender
        self._collector_type = collector_type
        self._log = make_logger("amicable.runtime")
        self._timers = (
            _Timer("amicable-agent-loop", loop_interval, self.run_loop_once),
            _Timer("amicable-webhooks", webhook_interval, self.deliver_once),
        )
        self._started = False
        #: Rounds completed by each timer (for health checks and tests).
        self.rounds: dict[str, int] = {"loop": 0, "webhooks": 0}

    @property
    def running(self) -> bool:
        return self._started and all(t.alive for t in self._timers)

    def start(self) -> None:
        if self._started:
            raise RuntimeError("the runtime is already started")
        self._started = True
        for t in self._timers:
            t.start()
        self._log.info("runtime started")

    def stop(self) -> None:
        for t in self._timers:
            t.stop()
        if self._started:
            self._log.info("runtime stopped", **self.rounds)
        self._started = False

    def run_loop_once(self) -> dict[str, RunReport]:
        """One pass of the agent loop over every organisation (what each did)."""
        done: dict[str, RunReport] = {}
        for _, name in self._app.list_orgs():
            try:
                report = run_due(
                    self._app.uow(name), self._app.clock.now(), sender=self._sender,
                    collector_type=self._collector_type,
                )  # fmt: skip
            except Exception as exc:  # one organisation's failure must not stop the others
                self._log.error("agent loop failed", org=name, error=repr(exc))
                continue
            done[name] = report
            if report.processed:
                self._log.info("agent loop pass", org=name, **_counts(report))
        self.rounds["loop"] += 1
        return done

    def deliver_once(self) -> None:
        """One round of webhook delivery over every organisation."""
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
        self.rounds["webhooks"] += 1


def _counts(report: RunReport) -> dict[str, Any]:
    out = report.to_json()
    return {k: v for k, v in out.items() if isinstance(v, int)}


def lifespan(runtime: InProcessRuntime) -> Callable[[Any], Any]:
    """An ASGI lifespan that starts ``runtime`` with the server and stops it at shutdown."""

    @asynccontextmanager
    async def _lifespan(_api: Any) -> AsyncIterator[None]:
        runtime.start()
        try:
            yield
        finally:
            from starlette.concurrency import run_in_threadpool

            # Stopping waits for the rounds in progress: off the event loop.
            await run_in_threadpool(runtime.stop)

    return _lifespan
