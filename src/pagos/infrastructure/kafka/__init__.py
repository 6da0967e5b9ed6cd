"""Kafka adapters: the relay's publisher and the projector's consumer, through confluent-kafka."""
