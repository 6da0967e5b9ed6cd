"""The relay's Kafka publisher."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from confluent_kafka import KafkaError, Message, Producer

from pagos.domain.events import DomainEvent
from pagos.infrastructure.kafka.codec import encode

logger = logging.getLogger(__name__)


class PublishError(Exception):
    """The broker did not acknowledge every message of a batch."""


class KafkaPublisher:
    """Publishes events to one topic and returns only after the broker acknowledged all of them."""

    def __init__(self, config: dict[str, Any], topic: str, *, flush_timeout: float = 30.0) -> None:
        self._producer = Producer(config)
        self._topic = topic
        self._flush_timeout = flush_timeout

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        failures: list[KafkaError] = []

        def on_delivery(error: KafkaError | None, _message: Message) -> None:
            if error is not None:
                failures.append(error)

        for event in events:
            key, value, headers = encode(event)
            while True:
                try:
                    self._producer.produce(self._topic, key=key, value=value, headers=headers, on_delivery=on_delivery)
                    break
                except BufferError:
                    # The local queue is full: let delivered messages leave it, then retry.
                    await asyncio.to_thread(self._producer.poll, 0.1)

        remaining = await asyncio.to_thread(self._producer.flush, self._flush_timeout)
        if remaining:
            raise PublishError(f"{remaining} of {len(events)} messages not acknowledged within {self._flush_timeout} s")
        if failures:
            raise PublishError(f"{len(failures)} of {len(events)} messages failed, first: {failures[0]}")

    def close(self) -> None:
        remaining = self._producer.flush(self._flush_timeout)
        if remaining:
            logger.warning("Kafka producer closed with %d messages not acknowledged", remaining)
