"""confluent-kafka client settings and topic creation."""

from __future__ import annotations

import logging
from typing import Any

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

from pagos.config import KafkaSettings

logger = logging.getLogger(__name__)


def common_config(settings: KafkaSettings) -> dict[str, Any]:
    """Connection and security settings shared by producers, consumers and the admin client."""
    if not settings.bootstrap_servers:
        raise ValueError("Kafka__BootstrapServers is not set")
    config: dict[str, Any] = {"bootstrap.servers": settings.bootstrap_servers, "client.id": settings.client_id}
    if settings.security_protocol:
        config["security.protocol"] = settings.security_protocol
    if settings.sasl_mechanism:
        config["sasl.mechanism"] = settings.sasl_mechanism
    if settings.sasl_username:
        config["sasl.username"] = settings.sasl_username
    if settings.sasl_password:
        config["sasl.password"] = settings.sasl_password.get_secret_value()
    return config


def producer_config(settings: KafkaSettings) -> dict[str, Any]:
    """Return settings for an idempotent producer that waits for every in-sync replica."""
    return {
        **common_config(settings),
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 5,
        "delivery.timeout.ms": 30_000,
    }


def consumer_config(settings: KafkaSettings) -> dict[str, Any]:
    """Return settings for a group consumer whose offsets are committed by hand, after the read model was written."""
    return {
        **common_config(settings),
        "group.id": settings.consumer_group,
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "enable.partition.eof": False,
    }


def ensure_topics(settings: KafkaSettings, timeout: float = 30.0) -> None:
    """Create the events topic and its dead-letter topic when missing."""
    admin = AdminClient(common_config(settings))
    existing = admin.list_topics(timeout=timeout).topics
    missing = [
        NewTopic(name, num_partitions=settings.partitions, replication_factor=settings.replication_factor)
        for name in (settings.topic, settings.dead_letter_topic)
        if name not in existing
    ]
    if not missing:
        return
    for name, future in admin.create_topics(missing, operation_timeout=timeout).items():
        try:
            future.result(timeout)
        except KafkaException as error:
            if error.args[0].name() != "TOPIC_ALREADY_EXISTS":
                raise
        logger.info("Kafka topic %s is ready with %d partitions", name, settings.partitions)
