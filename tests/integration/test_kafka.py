"""The relay's Kafka publisher and the projector's consumer, against a real broker."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from confluent_kafka import Consumer, Message, Producer, TopicPartition

from pagos.application.ports import ReadModel
from pagos.application.projection import Projector
from pagos.config import KafkaSettings
from pagos.domain.events import DomainEvent
from pagos.domain.money import Moneda
from pagos.domain.pago import Pago
from pagos.infrastructure.kafka.client import (
    common_config,
    consumer_config,
    ensure_topics,
    producer_config,
)
from pagos.infrastructure.kafka.consumer import KafkaProjection
from pagos.infrastructure.kafka.publisher import KafkaPublisher
from tests.conftest import require_service
from tests.integration.conftest import fresh_mongo_read_model

USD = Moneda("USD", 2)
T0 = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
WAIT_SECONDS = 30


@pytest.fixture
def kafka() -> Iterator[KafkaSettings]:
    """Settings for a topic and consumer group of this test alone."""
    servers = require_service("PAGOS_TEST_KAFKA", "Kafka")
    suffix = uuid4().hex[:10]
    settings = KafkaSettings(
        BootstrapServers=servers, Topic=f"pagos-test-{suffix}", ConsumerGroup=f"pagos-test-{suffix}", Partitions=3
    )
    ensure_topics(settings)
    yield settings


def payment_events(count: int, reverse_every: int = 2) -> list[DomainEvent]:
    events: list[DomainEvent] = []
    for index in range(count):
        pago = Pago.crear(
            pago_id=uuid4(), cliente_id=f"cliente-{index % 3}", monto=f"{index + 1}.25", moneda=USD,
            metodo_pago="efectivo", ahora=T0 + timedelta(seconds=index),
        )
        if index % reverse_every == 0:
            pago.reversar("prueba", T0 + timedelta(seconds=index, milliseconds=500))
        events.extend(pago.collect_events({"correlationId": f"corr-{index}"}))
    return events


def read_topic(settings: KafkaSettings, topic: str, expected: int) -> list[Message]:
    """Read ``expected`` messages from the start of ``topic`` with a plain consumer of its own group."""
    consumer = Consumer(
        {**common_config(settings), "group.id": f"reader-{uuid4().hex}", "auto.offset.reset": "earliest"}
    )
    consumer.subscribe([topic])
    messages: list[Message] = []
    deadline = time.monotonic() + WAIT_SECONDS
    try:
        while len(messages) < expected and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is not None and message.error() is None:
                messages.append(message)
    finally:
        consumer.close()
    return messages


async def test_published_messages_read_back(kafka: KafkaSettings) -> None:
    events = payment_events(6)
    publisher = KafkaPublisher(producer_config(kafka), kafka.topic)

    await publisher.publish(events)
    publisher.close()
    messages = read_topic(kafka, kafka.topic, len(events))

    assert len(messages) == len(events)
    by_id = {str(event.event_id): event for event in events}
    for message in messages:
        headers = {name: value.decode() for name, value in message.headers()}
        event = by_id[headers["ce_id"]]
        assert message.key() == str(event.stream_id).encode()
        assert json.loads(message.value()) == event.data()
        assert headers["ce_specversion"] == "1.0"
        assert headers["ce_type"] == event.type_name
        assert headers["ce_source"] == "urn:pagos"
        assert headers["ce_time"] == event.occurred_at.isoformat().replace("+00:00", "Z")
        assert headers["content-type"] == "application/json"
        assert headers["ce_correlationid"] == event.metadata["correlationId"]
    versions_by_payment: dict[bytes, list[int]] = {}
    for message in messages:
        headers = dict(message.headers())
        versions_by_payment.setdefault(message.key(), []).append(int(headers["ce_streamversion"]))
    assert all(versions == sorted(versions) for versions in versions_by_payment.values())
    assert sorted(len(v) for v in versions_by_payment.values()) == [1, 1, 1, 2, 2, 2]


def committed_total(settings: KafkaSettings, group: str) -> int:
    """Sum of the offsets ``group`` committed on the topic's partitions: the messages it finished."""
    consumer = Consumer({**common_config(settings), "group.id": group})
    try:
        partitions = consumer.list_topics(settings.topic, timeout=10).topics[settings.topic].partitions
        committed = consumer.committed([TopicPartition(settings.topic, p) for p in partitions], timeout=10)
        return sum(max(tp.offset, 0) for tp in committed)
    finally:
        consumer.close()


async def run_projection_until(
    kafka: KafkaSettings, read_model: ReadModel, done: Callable[[], Awaitable[bool]], group: str | None = None
) -> None:
    settings = kafka.model_copy(update={"consumer_group": group or kafka.consumer_group})
    projection = KafkaProjection(
        Projector(read_model), consumer_config(settings), producer_config(settings), settings.topic,
        settings.dead_letter_topic, poll_timeout=0.2,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(projection.run(stop))
    deadline = time.monotonic() + WAIT_SECONDS
    try:
        while not await done() and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
    finally:
        stop.set()
        await task


async def test_projector_writes_and_redelivery_changes_nothing(kafka: KafkaSettings) -> None:
    events = payment_events(9)
    publisher = KafkaPublisher(producer_config(kafka), kafka.topic)
    await publisher.publish(events)
    publisher.close()
    last_versions = {event.stream_id: event.version for event in events}

    async for read_model in fresh_mongo_read_model():

        async def all_projected() -> bool:
            for stream_id, version in last_versions.items():
                view = await read_model.get(stream_id)
                if view is None or view.version != version:
                    return False
            return True

        await run_projection_until(kafka, read_model, all_projected)
        assert await all_projected()
        before = {stream_id: await read_model.get(stream_id) for stream_id in last_versions}
        reversed_count = sum(1 for view in before.values() if view and view.estado == "Reversado")

        # A new consumer group reads the whole topic again: every message is a repeat.
        again = f"{kafka.consumer_group}-again"

        async def replayed() -> bool:
            return committed_total(kafka, again) == len(events)

        await run_projection_until(kafka, read_model, replayed, group=again)
        after = {stream_id: await read_model.get(stream_id) for stream_id in last_versions}

        assert committed_total(kafka, again) == len(events)
        assert after == before
        assert reversed_count == 5


async def test_unreadable_message_goes_to_dead_letter_topic(kafka: KafkaSettings) -> None:
    good = payment_events(1, reverse_every=10)
    producer = Producer(producer_config(kafka))
    producer.produce(kafka.topic, key=b"not-a-payment", value=b"{not json", headers=[("ce_type", b"PagoCreado")])
    producer.produce(
        kafka.topic, key=b"x", value=b"{}",
        headers=[("ce_type", b"PagoInventado"), ("ce_id", str(uuid4()).encode()), ("ce_subject", str(uuid4()).encode())],
    )
    producer.flush(10)
    publisher = KafkaPublisher(producer_config(kafka), kafka.topic)
    await publisher.publish(good)
    publisher.close()

    async for read_model in fresh_mongo_read_model():

        async def good_projected() -> bool:
            return await read_model.get(good[0].stream_id) is not None

        await run_projection_until(kafka, read_model, good_projected)
        dead = read_topic(kafka, kafka.dead_letter_topic, 2)

        assert await good_projected()
        assert sorted(message.key() for message in dead) == [b"not-a-payment", b"x"]
        for message in dead:
            headers = dict(message.headers())
            assert headers["pagos_source_topic"] == kafka.topic.encode()
            assert headers["pagos_error"]
