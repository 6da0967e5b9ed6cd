"""SQL event store and outbox: appends events and their outbox rows in one transaction."""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import Insert, Select, Update, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pagos.application.errors import ConcurrencyConflict, IdempotencyKeyTaken
from pagos.application.ports import IdempotencyRecord, OutboxEntry
from pagos.domain.events import DomainEvent, event_from_data
from pagos.infrastructure.sql.schema import (
    events,
    idempotency_keys,
    outbox,
    relay_leases,
)

logger = logging.getLogger(__name__)

_LEASE_NAME = "outbox"


def _now() -> datetime:
    return datetime.now(UTC)


class SqlEventStore:
    """Event store on any SQLAlchemy dialect; see ``EventStore`` for the contract."""

    def __init__(self, engine: AsyncEngine, *, on_commit: Callable[[], None] | None = None) -> None:
        self._engine = engine
        self._on_commit = on_commit

    async def append(
        self,
        stream_id: UUID,
        expected_version: int,
        new_events: Sequence[DomainEvent],
        idempotency: IdempotencyRecord | None = None,
    ) -> None:
        if not new_events:
            return
        rows = [_event_row(event) for event in new_events]
        created_at = _now()
        try:
            async with self._engine.begin() as connection:
                if idempotency is not None:
                    # First in the transaction, so that of two requests with one
                    # key the second waits here for the first and then fails,
                    # before it could conflict on the payment's version instead.
                    await _insert_idempotency_record(connection, idempotency)
                positions = (await connection.execute(append_events_statement(), rows)).scalars()
                await connection.execute(
                    insert(outbox), [{"position": position, "created_at": created_at} for position in positions]
                )
        except IntegrityError as error:
            if _is_version_conflict(error):
                raise ConcurrencyConflict(stream_id, expected_version) from error
            if idempotency is not None and _is_idempotency_conflict(error):
                raise IdempotencyKeyTaken(idempotency.key) from error
            raise
        if self._on_commit is not None:
            self._on_commit()

    async def load(self, stream_id: UUID) -> list[DomainEvent]:
        query = select(events).where(events.c.stream_id == stream_id).order_by(events.c.version)
        async with self._engine.connect() as connection:
            result = await connection.execute(query)
            return [_event_from_row(row._mapping) for row in result]

    async def read_all(self, after_position: int, limit: int) -> list[tuple[int, DomainEvent]]:
        query = select(events).where(events.c.position > after_position).order_by(events.c.position).limit(limit)
        async with self._engine.connect() as connection:
            result = await connection.execute(query)
            return [(row.position, _event_from_row(row._mapping)) for row in result]

    async def last_position(self) -> int:
        async with self._engine.connect() as connection:
            return int((await connection.execute(select(func.coalesce(func.max(events.c.position), 0)))).scalar_one())

    async def ping(self) -> None:
        async with self._engine.connect() as connection:
            await connection.execute(select(1))

    async def get_idempotency_record(self, cliente_id: str, key: str, now: datetime) -> IdempotencyRecord | None:
        query = select(idempotency_keys).where(
            idempotency_keys.c.cliente_id == cliente_id,
            idempotency_keys.c.key == key,
            idempotency_keys.c.expires_at > now,
        )
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).first()
        if row is None:
            return None
        return IdempotencyRecord(
            cliente_id=row.cliente_id,
            key=row.key,
            fingerprint=row.fingerprint,
            status=row.status,
            result=json.loads(row.result),
            created_at=row.created_at,
            expires_at=row.expires_at,
        )

    async def purge_idempotency_records(self, now: datetime) -> int:
        async with self._engine.begin() as connection:
            result = await connection.execute(delete(idempotency_keys).where(idempotency_keys.c.expires_at <= now))
        return result.rowcount


async def _insert_idempotency_record(connection: AsyncConnection, record: IdempotencyRecord) -> None:
    # An expired record of the same key would block the insert until the purge
    # runs; it no longer counts, so it goes first.
    await connection.execute(
        delete(idempotency_keys).where(
            idempotency_keys.c.cliente_id == record.cliente_id,
            idempotency_keys.c.key == record.key,
            idempotency_keys.c.expires_at <= record.created_at,
        )
    )
    await connection.execute(
        insert(idempotency_keys).values(
            cliente_id=record.cliente_id,
            key=record.key,
            fingerprint=record.fingerprint,
            status=record.status,
            result=json.dumps(record.result, ensure_ascii=False),
            created_at=record.created_at,
            expires_at=record.expires_at,
        )
    )


class SqlOutbox:
    """The relay's side of the outbox table; see ``Outbox`` for the contract.

    Only the relay holding the ``outbox`` lease claims entries, so one relay at a
    time publishes, and each payment's events leave in version order. Other
    relays stand by and take over when the lease expires. A relay that hangs for
    longer than the lease can publish a batch that its successor publishes
    again; consumers skip such repeats by version.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        owner: str | None = None,
        lease_seconds: float = 15.0,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self._engine = engine
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid4().hex[:8]}"
        self._lease = timedelta(seconds=lease_seconds)
        self._clock = clock
        self._leader = False

    async def claim(self, limit: int) -> list[OutboxEntry]:
        if not await self._hold_lease():
            return []
        # Pending rows are read on every call with no remembered high-water mark,
        # so a transaction that got a lower id but committed later than its
        # neighbours is still picked up by a later call. Within one payment, ids
        # follow versions: an append reads the previous version, which must have
        # committed before, with a lower id.
        async with self._engine.connect() as connection:
            result = await connection.execute(claim_query(limit))
            return [OutboxEntry(id=row.id, event=_event_from_row(row._mapping)) for row in result]

    async def mark_delivered(self, ids: Sequence[int]) -> None:
        statement = update(outbox).where(outbox.c.id.in_(ids)).values(delivered_at=_now())
        async with self._engine.begin() as connection:
            await connection.execute(statement)

    async def record_failure(self, ids: Sequence[int], error: str) -> None:
        statement = (
            update(outbox)
            .where(outbox.c.id.in_(ids))
            .values(attempts=outbox.c.attempts + 1, last_error=error[:2000])
        )
        async with self._engine.begin() as connection:
            await connection.execute(statement)

    async def count_pending(self) -> int:
        query = select(func.count()).select_from(outbox).where(outbox.c.delivered_at.is_(None))
        async with self._engine.connect() as connection:
            return int((await connection.execute(query)).scalar_one())

    async def pending_streams(self) -> set[UUID]:
        query = (
            select(events.c.stream_id)
            .join(outbox, events.c.position == outbox.c.position)
            .where(outbox.c.delivered_at.is_(None))
            .distinct()
        )
        async with self._engine.connect() as connection:
            return set((await connection.execute(query)).scalars())

    async def release(self) -> None:
        """Give up the lease, so that a standby relay takes over without waiting for it to expire."""
        statement = (
            update(relay_leases)
            .where(relay_leases.c.name == _LEASE_NAME, relay_leases.c.owner == self.owner)
            .values(owner=None, expires_at=None)
        )
        async with self._engine.begin() as connection:
            await connection.execute(statement)
        self._leader = False

    async def _hold_lease(self) -> bool:
        """Take or renew the lease; return whether this relay holds it."""
        now = self._clock()
        async with self._engine.begin() as connection:
            leader = (await connection.execute(take_lease_statement(self.owner, now, now + self._lease))).rowcount == 1
        if leader != self._leader:
            logger.info("relay %s %s the outbox lease", self.owner, "took" if leader else "lost")
        self._leader = leader
        return leader


def append_events_statement() -> Insert:
    """INSERT of event rows that returns their positions, for the outbox rows."""
    return insert(events).returning(events.c.position)


def claim_query(limit: int) -> Select[Any]:
    """Pending outbox entries joined with their events, oldest first."""
    return (
        select(outbox.c.id, events)
        .join(events, events.c.position == outbox.c.position)
        .where(outbox.c.delivered_at.is_(None))
        .order_by(outbox.c.id)
        .limit(limit)
    )


def take_lease_statement(owner: str, now: datetime, expires_at: datetime) -> Update:
    """UPDATE that gives the outbox lease to ``owner`` if it holds it already or the lease is free or expired."""
    return (
        update(relay_leases)
        .where(
            relay_leases.c.name == _LEASE_NAME,
            or_(relay_leases.c.owner == owner, relay_leases.c.expires_at.is_(None), relay_leases.c.expires_at < now),
        )
        .values(owner=owner, expires_at=expires_at)
    )


def _event_row(event: DomainEvent) -> dict[str, Any]:
    return {
        "event_id": event.event_id,
        "stream_id": event.stream_id,
        "version": event.version,
        "type": event.type_name,
        "data": json.dumps(event.data(), ensure_ascii=False),
        "metadata": json.dumps(event.metadata, ensure_ascii=False),
        "occurred_at": event.occurred_at,
    }


def _event_from_row(row: Any) -> DomainEvent:
    return event_from_data(
        row["type"],
        json.loads(row["data"]),
        event_id=row["event_id"],
        stream_id=row["stream_id"],
        version=row["version"],
        occurred_at=row["occurred_at"],
        metadata=json.loads(row["metadata"]),
    )


def _is_idempotency_conflict(error: IntegrityError) -> bool:
    message = str(error.orig)
    return "pk_idempotency_keys" in message or "idempotency_keys.cliente_id, idempotency_keys.key" in message


def _is_version_conflict(error: IntegrityError) -> bool:
    # SQLite names the columns, PostgreSQL and SQL Server the constraint.
    message = str(error.orig)
    return "uq_events_stream_version" in message or "events.stream_id, events.version" in message
