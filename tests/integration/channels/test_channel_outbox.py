"""The recording outbox sender and the channel router."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from amicable.adapters.channels.outbox import OutboxRecord, RecordingOutboxSender, outbox_id
from amicable.domain.clock import SimulatedClock
from amicable.domain.errors import InvalidInput
from amicable.service.channels import Channel, ChannelRouter, OutboundMessage, SendStatus

NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)


def _message(key: str = "acct-7:sms:1", channel: Channel = Channel.SMS) -> OutboundMessage:
    return OutboundMessage(channel=channel, to="+15557654321", text="Reminder", dedupe_key=key)


def test_a_message_is_recorded_not_sent_with_a_stable_outbox_id() -> None:
    outbox = RecordingOutboxSender(clock=SimulatedClock(NOW))

    result = outbox.send(_message())

    assert result.status is SendStatus.RECORDED
    assert result.provider == "outbox"
    assert result.provider_message_id == outbox_id("acct-7:sms:1")
    assert result.accepted_at == NOW
    assert [record.message.dedupe_key for record in outbox.records] == ["acct-7:sms:1"]


def test_the_same_dedupe_key_is_recorded_once_and_answered_with_the_first_result() -> None:
    clock = SimulatedClock(NOW)
    outbox = RecordingOutboxSender(clock=clock)
    first = outbox.send(_message())
    clock.set(NOW + timedelta(hours=1))

    again = outbox.send(_message())
    other = outbox.send(_message("acct-7:sms:2"))

    assert again == first
    assert other.provider_message_id != first.provider_message_id
    assert len(outbox.records) == 2


def test_a_sink_sees_each_new_record_and_a_failing_sink_records_nothing() -> None:
    seen: list[OutboxRecord] = []
    outbox = RecordingOutboxSender(clock=SimulatedClock(NOW), sink=seen.append)
    outbox.send(_message())
    outbox.send(_message())
    assert [record.result.dedupe_key for record in seen] == ["acct-7:sms:1"]

    def broken(record: OutboxRecord) -> None:
        raise OSError("disk full")

    failing = RecordingOutboxSender(clock=SimulatedClock(NOW), sink=broken)
    with pytest.raises(OSError, match="disk full"):
        failing.send(_message())
    assert failing.records == ()


def test_the_router_dispatches_by_channel_and_refuses_an_unconfigured_one() -> None:
    sms = RecordingOutboxSender(clock=SimulatedClock(NOW))
    email = RecordingOutboxSender(clock=SimulatedClock(NOW))
    router = ChannelRouter({Channel.SMS: sms, Channel.EMAIL: email})

    router.send(_message())

    assert len(sms.records) == 1 and email.records == ()
    assert router.channels == frozenset({Channel.SMS, Channel.EMAIL})
    with pytest.raises(InvalidInput, match="no sender is configured for channel 'call'"):
        router.send(_message(channel=Channel.CALL))


def test_messages_refuse_empty_keys_unknown_channels_and_non_string_metadata() -> None:
    with pytest.raises(InvalidInput, match="dedupe_key"):
        _message(key=" ")
    with pytest.raises(InvalidInput, match="unknown channel"):
        OutboundMessage(channel="fax", to="+1", text="t", dedupe_key="k")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="metadata"):
        OutboundMessage(
            channel=Channel.SMS,
            to="+1",
            text="t",
            dedupe_key="k",
            metadata={"n": 1},  # type: ignore[dict-item]
        )
    assert OutboundMessage(channel="sms", to="+1", text="t", dedupe_key="k").channel is Channel.SMS  # type: ignore[arg-type]


def test_a_message_and_its_metadata_cannot_be_changed_after_creation() -> None:
    message = OutboundMessage(
        channel=Channel.SMS, to="+1", text="t", dedupe_key="k", metadata={"a": "b"}
    )

    with pytest.raises(AttributeError):
        message.to = "+2"  # type: ignore[misc]
    with pytest.raises(TypeError):
        message.metadata["a"] = "c"  # type: ignore[index]
