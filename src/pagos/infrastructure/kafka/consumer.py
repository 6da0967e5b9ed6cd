"""The projector's Kafka consumer: applies events to the read model, then commits offsets."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from confluent_kafka import (
    Consumer,
    KafkaError,
    KafkaException,
    Message,
    Producer,
    TopicPartition,
)

from pagos.application.projection import Projector
from pagos.domain.events import DomainEvent
from pagos.infrastructure.kafka.codec import InvalidMessage, decode

logger = logging.getLogger(__name__)


class KafkaProjection:
    """Consumes the events topic in a consumer group and feeds the projector.

    Offsets are committed only after the read model was written, so a crash or a
    rebalance redelivers what was not yet committed. The projector skips those
    repeats by version. A message that cannot be read goes to the dead-letter
    topic and the projection moves on.
    """

    def __init__(
        self,
        projector: Projector,
        consumer_config: dict[str, Any],
        producer_config: dict[str, Any],
        topic: str,
        dead_letter_topic: str,
        *,
        batch_size: int = 500,
        poll_timeout: float = 0.05,
        max_backoff: float = 30.0,
    ) -> None:
        self._projector = projector
        self._consumer = Consumer(consumer_config)
        self._dead_letters = Producer(producer_config)
        self._topic = topic
        self._dead_letter_topic = dead_letter_topic
        self._batch_size = batch_size
        # consume() waits up to this long to fill a batch, so it bounds the
        # latency the projector adds when events trickle in one by one.
        self._poll_timeout = poll_timeout
        self._max_backoff = max_backoff

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until ``stop`` is set, then commit what was written and leave the group."""
        self._consumer.subscribe([self._topic])
        logger.info("projector consuming %s", self._topic)
        try:
            while not stop.is_set():
                messages = await asyncio.to_thread(self._consumer.consume, self._batch_size, self._poll_timeout)
                events: list[DomainEvent] = []
                processed: dict[tuple[str, int], int] = {}
                for message in messages:
                    event = await self._decode(message)
                    if event is not None:
                        events.append(event)
                    if message.error() is None:
                        processed[(message.topic(), message.partition())] = message.offset() + 1
                if events and not await self._apply(events, stop):
                    break  # stopping while the read model is down: leave the batch uncommitted
                if processed:
                    await self._commit(processed)
        finally:
            await asyncio.to_thread(self._consumer.close)
            self._dead_letters.flush(10)
            logger.info("projector stopped")

    async def _decode(self, message: Message) -> DomainEvent | None:
        """Return the message's event, or None for a Kafka error or a dead-lettered message."""
        error = message.error()
        if error is not None:
            if error.code() != KafkaError._PARTITION_EOF:
                logger.warning("projector received a Kafka error: %s", error)
            return None
        try:
            return decode(message.key(), message.value(), message.headers())
        except InvalidMessage as invalid:
            await self._dead_letter(message, str(invalid))
            return None

    async def _apply(self, events: list[DomainEvent], stop: asyncio.Event) -> bool:
        """Apply a batch, retrying with backoff while the read model fails; return False if ``stop`` came first."""
        backoff = 0.5
        while True:
            try:
                result = await self._projector.handle_batch(events)
            except Exception:
                logger.exception(
                    "projector failed to write %d events (first %s), retrying in %.1f s",
                    len(events), events[0].event_id, backoff,
                )
                try:
                    await asyncio.wait_for(stop.wait(), backoff)
                    return False
                except TimeoutError:
                    backoff = min(backoff * 2, self._max_backoff)
                    continue
            for gap in result.gaps:
                # The relay republishes a failed batch whole and in order, so the
                # missing version arrives again followed by this one. Skipping it
                # here cannot lose it; waiting would block the partition for good.
                logger.warning("projector skipped an event of payment %s: %s", gap.stream_id, gap)
            return True

    async def _dead_letter(self, message: Message, reason: str) -> None:
        headers = list(message.headers() or []) + [
            ("pagos_error", reason.encode()),
            ("pagos_source_topic", message.topic().encode()),
            ("pagos_source_partition", str(message.partition()).encode()),
            ("pagos_source_offset", str(message.offset()).encode()),
        ]
        self._dead_letters.produce(self._dead_letter_topic, key=message.key(), value=message.value(), headers=headers)
        remaining = await asyncio.to_thread(self._dead_letters.flush, 30)
        if remaining:
            raise RuntimeError(f"dead-letter topic {self._dead_letter_topic} did not acknowledge a message")
        logger.error(
            "projector sent message %s/%d@%d to %s: %s",
            message.topic(), message.partition(), message.offset(), self._dead_letter_topic, reason,
        )

    async def _commit(self, processed: dict[tuple[str, int], int]) -> None:
        offsets = [TopicPartition(topic, partition, offset) for (topic, partition), offset in processed.items()]
        try:
            await asyncio.to_thread(self._consumer.commit, offsets=offsets, asynchronous=False)
        except KafkaException as error:
            # Typically a rebalance took the partitions away; their new owner
            # receives the same messages again and skips them by version.
            logger.warning("projector could not commit offsets %s: %s", offsets, error)
