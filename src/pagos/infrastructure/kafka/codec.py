"""Kafka messages for events: CloudEvents 1.0 in binary mode.

The message key is the payment id, so that one payment's events share a
partition and keep their order. The value is the event's data as JSON; the
envelope travels in ``ce_*`` headers.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

from pagos.domain.events import DomainEvent, event_from_data

SPEC_VERSION = "1.0"
SOURCE = "urn:pagos"
CONTENT_TYPE = "application/json"


class InvalidMessage(ValueError):
    """A message that cannot be read as an event; it goes to the dead-letter topic."""


def encode(event: DomainEvent) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """Return the key, value and headers of ``event``'s message."""
    headers = [
        ("ce_specversion", SPEC_VERSION),
        ("ce_id", str(event.event_id)),
        ("ce_source", SOURCE),
        ("ce_type", event.type_name),
        ("ce_time", event.occurred_at.isoformat().replace("+00:00", "Z")),
        ("ce_subject", str(event.stream_id)),
        ("ce_streamversion", str(event.version)),
        ("content-type", CONTENT_TYPE),
    ]
    for name, value in sorted(event.metadata.items()):
        headers.append((f"ce_{name.lower()}", value))
    value = json.dumps(event.data(), ensure_ascii=False, separators=(",", ":")).encode()
    return str(event.stream_id).encode(), value, [(name, text.encode()) for name, text in headers]


def decode(key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]] | None) -> DomainEvent:
    """Rebuild an event from a message. Raises InvalidMessage naming what is wrong."""
    attributes = {name: raw.decode("utf-8", errors="replace") for name, raw in headers or []}
    try:
        type_name = attributes["ce_type"]
        stream_id = UUID(attributes["ce_subject"])
        envelope: dict[str, Any] = {
            "event_id": UUID(attributes["ce_id"]),
            "stream_id": stream_id,
            "version": int(attributes["ce_streamversion"]),
            "occurred_at": datetime.fromisoformat(attributes["ce_time"]),
            "metadata": {
                name: attributes[f"ce_{name.lower()}"]
                for name in ("correlationId", "causationId")
                if f"ce_{name.lower()}" in attributes
            },
        }
    except (KeyError, ValueError) as error:
        raise InvalidMessage(f"missing or invalid CloudEvents header: {error}") from None
    if attributes.get("ce_specversion") != SPEC_VERSION:
        raise InvalidMessage(f"unsupported ce_specversion {attributes.get('ce_specversion')!r}")
    if key is not None and key.decode("utf-8", errors="replace") != str(stream_id):
        raise InvalidMessage(f"message key {key!r} differs from ce_subject {stream_id}")
    try:
        data = json.loads(value or b"")
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InvalidMessage(f"value is not JSON: {error}") from None
    if not isinstance(data, dict):
        raise InvalidMessage("value is not a JSON object")
    try:
        return event_from_data(type_name, data, **envelope)
    except KeyError as error:
        raise InvalidMessage(f"unknown event type {type_name!r} or missing field {error}") from None
    except (TypeError, ValueError, ArithmeticError) as error:
        raise InvalidMessage(f"invalid {type_name} data: {error}") from None
