"""Scratch PostgreSQL databases for one benchmark run."""

from __future__ import annotations

import os
from uuid import uuid4

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine


def postgres_base_url() -> str:
    url = os.environ.get("PAGOS_TEST_POSTGRES_URL") or os.environ.get("ConnectionStrings__SQL")
    if not url or not url.startswith("postgresql"):
        raise SystemExit("bench: PostgreSQL is not configured; run scripts/services up, then eval \"$(scripts/services env)\"")
    return url


async def create_database(prefix: str) -> str:
    """Create an empty database and return its URL."""
    base = postgres_base_url()
    name = f"{prefix}_{uuid4().hex[:8]}"
    admin = create_async_engine(base, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False)


async def drop_database(url: str) -> None:
    base = postgres_base_url()
    name = make_url(url).database
    admin = create_async_engine(base, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()
