"""Ports: what the application needs from the outside world.

Adapters in ``pagos.infrastructure`` implement these protocols. Every adapter
translates its driver's errors into the errors of ``pagos.application.errors``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from pagos.application.views import ListCursor, PagoView
from pagos.domain.events import DomainEvent
from pagos.domain.money import Moneda


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """The outcome of a command sent with an Idempotency-Key, kept to replay it to retries."""

    cliente_id: str
    key: str
    fingerprint: str
    status: int
    result: dict[str, Any]
    created_at: datetime
    expires_at: datetime


class EventStore(Protocol):
    """Append-only storage of event streams, one stream per payment."""

    async def append(
        self,
        stream_id: UUID,
        expected_version: int,
        events: Sequence[DomainEvent],
        idempotency: IdempotencyRecord | None = None,
    ) -> None:
        """Append ``events`` after ``expected_version``, enqueue them in the outbox and store ``idempotency``, atomically.

        Raises ConcurrencyConflict when the stream is no longer at ``expected_version``,
        and IdempotencyKeyTaken when an unexpired record of the same client and key exists.
        Nothing is written in either case.
        """
        ...

    async def load(self, stream_id: UUID) -> list[DomainEvent]:
        """Return the stream's events in version order, or an empty list."""
        ...

    async def read_all(self, after_position: int, limit: int) -> list[tuple[int, DomainEvent]]:
        """Return up to ``limit`` events of all streams after ``after_position``, with their positions."""
        ...

    async def last_position(self) -> int:
        """Return the position of the newest event, or 0 when the store is empty."""
        ...

    async def ping(self) -> None:
        """Raise if the store does not respond."""
        ...


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """An event waiting for publication, with the outbox row id that acknowledges it."""

    id: int
    event: DomainEvent


class Outbox(Protocol):
    """The outbox rows that ``EventStore.append`` wrote, seen from the relay."""

    async def claim(self, limit: int) -> list[OutboxEntry]:
        """Return up to ``limit`` undelivered entries, oldest first, in each stream's version order."""
        ...

    async def mark_delivered(self, ids: Sequence[int]) -> None:
        """Mark entries delivered; call only after the publisher acknowledged them."""
        ...

    async def record_failure(self, ids: Sequence[int], error: str) -> None:
        """Keep entries pending and store the last error, for operators."""
        ...

    async def count_pending(self) -> int:
        """Return how many entries wait for publication."""
        ...

    async def release(self) -> None:
        """Let another relay take over at once; called when this relay stops."""
        ...

    async def pending_streams(self) -> set[UUID]:
        """Return the payments that have entries waiting for publication."""
        ...


class Publisher(Protocol):
    """Delivers events to their consumers (in-process projector, Kafka)."""

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        """Deliver ``events`` in order; return only after every one was acknowledged."""
        ...


class ReadModel(Protocol):
    """Query-side storage of one document per payment."""

    async def get(self, pago_id: UUID) -> PagoView | None:
        """Return the stored view, or None."""
        ...

    async def save(self, view: PagoView) -> bool:
        """Store ``view`` unless the stored one has the same or a newer version; return whether it wrote."""
        ...

    async def list_by_cliente(
        self, cliente_id: str, limit: int, after: ListCursor | None, estado: str | None
    ) -> list[PagoView]:
        """Return up to ``limit`` views of one client, newest first, strictly after ``after``."""
        ...

    async def save_many(self, views: Sequence[PagoView], probably_new: Collection[UUID] = ()) -> int:
        """Store each view as ``save`` does, in one round trip where the store allows; return how many it wrote.

        ``probably_new`` names payments whose documents are likely absent, so that a
        store may insert them rather than upsert. A wrong guess must cost a retry,
        never a lost or older document.
        """
        ...

    async def get_many(self, pago_ids: Sequence[UUID]) -> dict[UUID, PagoView]:
        """Return the stored views of these payments, keyed by id; absent ones are left out."""
        ...

    async def count(self) -> int:
        """Return how many documents the read model holds."""
        ...

    async def ping(self) -> None:
        """Raise if the store does not respond."""
        ...


class IdempotencyStore(Protocol):
    """Records that ``EventStore.append`` wrote for commands sent with an Idempotency-Key."""

    async def get_idempotency_record(self, cliente_id: str, key: str, now: datetime) -> IdempotencyRecord | None:
        """Return the unexpired record of this client and key, or None."""
        ...

    async def purge_idempotency_records(self, now: datetime) -> int:
        """Delete expired records; return how many."""
        ...


class CurrencyCatalog(Protocol):
    """ISO 4217 reference data."""

    def get(self, codigo: str) -> Moneda | None:
        """Return the active currency with this upper-case code, or None."""
        ...
