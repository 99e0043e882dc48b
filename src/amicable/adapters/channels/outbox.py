"""The embedded default sender: record the message instead of sending it.

:class:`RecordingOutboxSender` is what makes the whole loop work offline: every message handed to
it is kept (in memory, or passed to a callable such as a database writer) and "accepted" with a
stable outbox id. It is idempotent by dedupe key: handing it the same attempt twice records it
once and returns the first result again — the same guarantee a real provider adapter gets from
the outbox in front of it.

Invariants: the outbox id is derived from the dedupe key only (``outbox-<sha256 prefix>``);
``records`` keeps hand-off order; nothing leaves the process.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass

from amicable.domain.clock import Clock
from amicable.service.channels import OutboundMessage, SendResult, SendStatus

__all__ = ["OutboxRecord", "RecordingOutboxSender", "outbox_id"]


def outbox_id(dedupe_key: str) -> str:
    """The provider message id the recording outbox gives the attempt ``dedupe_key``."""
    return "outbox-" + hashlib.sha256(dedupe_key.encode("utf-8")).hexdigest()[:24]


@dataclass(frozen=True, slots=True)
class OutboxRecord:
    """One recorded message and the result it was given."""

    message: OutboundMessage
    result: SendResult


class RecordingOutboxSender:
    """A :class:`~amicable.service.channels.ChannelSender` that records instead of sending.

    ``sink``, when given, is called once per newly recorded message (for example to write it to
    a table or print it); if it raises, nothing is recorded and the error propagates, so the
    caller can retry with the same dedupe key.
    """

    provider = "outbox"

    def __init__(
        self, *, clock: Clock, sink: Callable[[OutboxRecord], object] | None = None
    ) -> None:
        self._clock = clock
        self._sink = sink
        self._by_key: dict[str, OutboxRecord] = {}
        self._records: list[OutboxRecord] = []
        self._lock = threading.Lock()

    @property
    def records(self) -> tuple[OutboxRecord, ...]:
        """Everything recorded, in hand-off order."""
        with self._lock:
            return tuple(self._records)

    def send(self, message: OutboundMessage) -> SendResult:
        with self._lock:
            known = self._by_key.get(message.dedupe_key)
            if known is not None:
                return known.result
            record = OutboxRecord(
                message=message,
                result=SendResult(
                    provider=self.provider,
                    provider_message_id=outbox_id(message.dedupe_key),
                    accepted_at=self._clock.now(),
                    status=SendStatus.RECORDED,
                    channel=message.channel,
                    dedupe_key=message.dedupe_key,
                    provider_status="recorded",
                ),
            )
            if self._sink is not None:
                self._sink(record)
            self._by_key[message.dedupe_key] = record
            self._records.append(record)
            return record.result
