"""Alembic environment: runs on the connection that ``pagos.infrastructure.sql.migrate`` passes in."""

from __future__ import annotations

from alembic import context

from pagos.infrastructure.sql.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through 'pagos migrate', which passes the database connection")

context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite cannot alter most constraints in place; batch mode copies the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
    transaction_per_migration=True,
)
with context.begin_transaction():
    context.run_migrations()
