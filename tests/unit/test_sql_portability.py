"""The migrations and the event store's statements compiled for SQL Server, which does not run here."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy.dialects import mssql

from pagos.infrastructure.sql.event_store import (
    append_events_statement,
    claim_query,
    take_lease_statement,
)
from pagos.infrastructure.sql.migrate import alembic_config


def render_migrations(dialect: str, direction: str = "upgrade") -> str:
    output = io.StringIO()
    config = alembic_config()
    config.output_buffer = output
    config.attributes["dialect_name"] = dialect
    if direction == "upgrade":
        command.upgrade(config, "head", sql=True)
    else:
        command.downgrade(config, "head:base", sql=True)
    return output.getvalue()


def test_migrations_render_for_sql_server() -> None:
    sql = render_migrations("mssql")

    assert "CREATE TABLE events" in sql
    assert "event_id UNIQUEIDENTIFIER NOT NULL" in sql
    assert "CONSTRAINT uq_events_stream_version UNIQUE (stream_id, version)" in sql
    assert "data NVARCHAR(max) NOT NULL" in sql
    assert "occurred_at DATETIMEOFFSET NOT NULL" in sql
    assert "position BIGINT NOT NULL IDENTITY" in sql
    assert "CREATE INDEX ix_outbox_pending ON outbox (id) WHERE delivered_at IS NULL" in sql
    assert "INSERT INTO relay_leases" in sql


def test_downgrade_renders_for_sql_server() -> None:
    sql = render_migrations("mssql", "downgrade")

    assert "DROP TABLE relay_leases" in sql
    assert "DROP TABLE outbox" in sql
    assert "DROP TABLE events" in sql


def test_statements_compile_for_sql_server() -> None:
    dialect = mssql.dialect()
    now = datetime(2026, 12, 4, tzinfo=UTC)

    append = str(append_events_statement().compile(dialect=dialect))
    claim = str(claim_query(100).compile(dialect=dialect))
    lease = str(take_lease_statement("relay-1", now, now + timedelta(seconds=15)).compile(dialect=dialect))

    assert "OUTPUT inserted.position" in append
    assert "TOP __[POSTCOMPILE_param_1]" in claim or "TOP 100" in claim
    assert "ORDER BY outbox.id" in claim
    assert lease.startswith("UPDATE relay_leases SET owner=")
