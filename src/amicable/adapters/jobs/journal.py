"""A hand-off journal: a recording provider that many worker processes share through one file.

:class:`HandoffJournalSender` is the workers' counterpart of the embedded
:class:`~amicable.adapters.channels.outbox.RecordingOutboxSender`: nothing leaves the machine,
and every hand-off is appended to a JSON-lines file under an exclusive ``flock``, so processes on
one machine see each other's records. Like a provider adapter in front of the outbox, it is
idempotent by dedupe key **across processes**: a second hand-off of a key already recorded (a
retry after a worker died between the hand-off and marking the attempt sent) returns the first
result and is written as a ``repeat`` line — the journal keeps every call, so tests can count
hand-offs per key at the provider.

Line shape: ``{"dedupe_key", "channel", "to", "account", "provider_message_id", "at", "pid",
"repeat"}``. Reading the whole file on each hand-off is fine for tests and offline runs (a few
thousand lines), not meant for production volumes.

Invariants: a line is complete on disk (flushed) before ``send`` returns; exactly one
``repeat: false`` line per dedupe key.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from amicable.adapters.channels.outbox import outbox_id
from amicable.domain.clock import Clock
from amicable.service.channels import OutboundMessage, SendResult, SendStatus

__all__ = ["HandoffJournalSender", "read_journal"]


def read_journal(path: Path) -> list[dict[str, Any]]:
    """Every line of the journal at ``path`` (empty when it does not exist yet)."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


class HandoffJournalSender:
    """A :class:`~amicable.service.channels.ChannelSender` that records every hand-off in a
    JSON-lines file shared by processes (see the module docstring)."""

    provider = "journal"

    def __init__(self, path: Path, *, clock: Clock) -> None:
        self._path = path
        self._clock = clock
        self._lock = threading.Lock()

    def send(self, message: OutboundMessage) -> SendResult:
        key = message.dedupe_key
        with self._lock, self._path.open("a+", encoding="utf-8") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                f.seek(0)
                first: dict[str, Any] | None = None
                for line in f:
                    if line.strip():
                        row = json.loads(line)
                        if row["dedupe_key"] == key and not row["repeat"]:
                            first = row
                            break
                at = self._clock.now()
                row = {
                    "dedupe_key": key,
                    "channel": str(message.channel),
                    "to": message.to,
                    "account": message.account_ref,
                    "provider_message_id": outbox_id(key),
                    "at": at.isoformat(),
                    "pid": os.getpid(),
                    "repeat": first is not None,
                }
                f.seek(0, os.SEEK_END)
                f.write(json.dumps(row, sort_keys=True) + "\n")
                f.flush()
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)
        accepted = at if first is None else datetime.fromisoformat(first["at"])
        return SendResult(
            provider=self.provider,
            provider_message_id=outbox_id(key),
            accepted_at=accepted,
            status=SendStatus.RECORDED,
            channel=message.channel,
            dedupe_key=key,
            provider_status="recorded",
        )
