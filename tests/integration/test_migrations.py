"""Alembic migrations up and down on every SQL backend."""

from __future__ import annotations

from sqlalchemy import inspect

from pagos.infrastructure.sql import migrate
from pagos.infrastructure.sql.engine import create_engine


async def table_names(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


async def test_upgrade_downgrade_upgrade(sql_url: str) -> None:
    await migrate.upgrade(sql_url)
    assert {"events", "outbox", "alembic_version"} <= await table_names(sql_url)

    await migrate.downgrade(sql_url, "base")
    assert not {"events", "outbox"} & await table_names(sql_url)

    await migrate.upgrade(sql_url)
    assert {"events", "outbox"} <= await table_names(sql_url)


async def test_upgrade_twice_is_noop(sql_url: str) -> None:
    await migrate.upgrade(sql_url)
    await migrate.upgrade(sql_url)

    assert {"events", "outbox"} <= await table_names(sql_url)
