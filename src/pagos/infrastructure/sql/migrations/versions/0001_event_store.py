"""Create the event store and the transactional outbox.

Revision ID: 0001
Revises:
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from pagos.infrastructure.sql.types import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Migrations keep their own copy of column types, so that later changes to the
# schema module cannot rewrite history.
Position = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("position", Position, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("stream_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("data", sa.UnicodeText(), nullable=False),
        sa.Column("metadata", sa.UnicodeText(), nullable=False),
        sa.Column("occurred_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("event_id", name="uq_events_event_id"),
        sa.UniqueConstraint("stream_id", "version", name="uq_events_stream_version"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", Position, primary_key=True, autoincrement=True),
        sa.Column("position", Position, sa.ForeignKey("events.position", name="fk_outbox_events"), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("delivered_at", UtcDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("last_error", sa.UnicodeText(), nullable=True),
        sa.UniqueConstraint("position", name="uq_outbox_position"),
    )
    pending = sa.column("delivered_at").is_(None)
    op.create_index(
        "ix_outbox_pending",
        "outbox",
        ["id"],
        sqlite_where=pending,
        postgresql_where=pending,
        mssql_where=pending,
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.drop_table("outbox")
    op.drop_table("events")
