"""Add the relay lease, so that only one relay publishes at a time.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from pagos.infrastructure.sql.types import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    leases = op.create_table(
        "relay_leases",
        sa.Column("name", sa.String(50), primary_key=True),
        sa.Column("owner", sa.String(200), nullable=True),
        sa.Column("expires_at", UtcDateTime(), nullable=True),
    )
    # The row exists from the start, so that taking the lease is a single
    # conditional UPDATE on every dialect.
    op.bulk_insert(leases, [{"name": "outbox", "owner": None, "expires_at": None}])


def downgrade() -> None:
    op.drop_table("relay_leases")
