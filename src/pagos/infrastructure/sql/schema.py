"""Tables of the write side: the event store and its transactional outbox.

The Alembic migrations create these tables; this module mirrors them for the
queries. Types are portable across SQLite, PostgreSQL and SQL Server.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Unicode,
    UnicodeText,
    UniqueConstraint,
    Uuid,
    text,
)

from pagos.infrastructure.sql.types import UtcDateTime

# SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
Position = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData()

events = Table(
    "events",
    metadata,
    Column("position", Position, primary_key=True, autoincrement=True),
    Column("event_id", Uuid(), nullable=False),
    Column("stream_id", Uuid(), nullable=False),
    Column("version", Integer, nullable=False),
    Column("type", String(100), nullable=False),
    Column("data", UnicodeText, nullable=False),
    Column("metadata", UnicodeText, nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
    UniqueConstraint("event_id", name="uq_events_event_id"),
    # Optimistic concurrency: of two writers that read the same version, only
    # one can insert the next one.
    UniqueConstraint("stream_id", "version", name="uq_events_stream_version"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Position, primary_key=True, autoincrement=True),
    Column("position", Position, ForeignKey("events.position", name="fk_outbox_events"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("delivered_at", UtcDateTime, nullable=True),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", UnicodeText, nullable=True),
    UniqueConstraint("position", name="uq_outbox_position"),
)

relay_leases = Table(
    "relay_leases",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("owner", String(200), nullable=True),
    Column("expires_at", UtcDateTime, nullable=True),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("cliente_id", Unicode(64), nullable=False),
    Column("key", String(255), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("status", Integer, nullable=False),
    Column("result", UnicodeText, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
    PrimaryKeyConstraint("cliente_id", "key", name="pk_idempotency_keys"),
)

# Only pending rows are indexed, so the relay's scan stays small however many
# delivered rows the table keeps.
Index(
    "ix_outbox_pending",
    outbox.c.id,
    sqlite_where=outbox.c.delivered_at.is_(None),
    postgresql_where=outbox.c.delivered_at.is_(None),
    mssql_where=outbox.c.delivered_at.is_(None),
)
