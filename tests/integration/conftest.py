"""Real SQL backends for the contract tests: an SQLite file, and PostgreSQL when configured."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from pagos.infrastructure.sql import migrate
from pagos.infrastructure.sql.engine import create_engine
from tests.conftest import require_service


async def _fresh_postgres_database(base_url: str) -> AsyncIterator[str]:
    """Create an empty database for one test on the configured server, and drop it afterwards."""
    name = f"pagos_test_{uuid4().hex[:12]}"
    admin = create_async_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
async def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """URL of an empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'events.db'}"
        return
    base_url = require_service("PAGOS_TEST_POSTGRES_URL", "PostgreSQL")
    async for url in _fresh_postgres_database(base_url):
        yield url


@pytest.fixture
async def engine(sql_url: str) -> AsyncIterator[AsyncEngine]:
    """Engine on a migrated, empty event store."""
    await migrate.upgrade(sql_url)
    created = create_engine(sql_url)
    try:
        yield created
    finally:
        await created.dispose()
