"""Alembic environment: runs on the connection that ``pagos.infrastructure.sql.migrate`` passes in.

In offline mode (``sql=True``) it renders the SQL for the dialect named in the
``dialect_name`` attribute instead, so that the migrations can be checked for a
server that is not at hand, such as SQL Server.
"""

from __future__ import annotations

from alembic import context

from pagos.infrastructure.sql.schema import metadata

if context.is_offline_mode():
    dialect_name = context.config.attributes["dialect_name"]
    context.configure(
        dialect_name=dialect_name,
        # A live SQL Server 2012 or newer turns this on by itself; NTEXT would be rendered otherwise.
        dialect_opts={"deprecate_large_types": True} if dialect_name == "mssql" else {},
        target_metadata=metadata,
        literal_binds=True,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
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
