"""Shared fixtures: settings on a temporary data folder, real SQL backends and a wired container."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from pagos import bootstrap
from pagos.config import ConnectionStrings, KafkaSettings, ServiceSettings, Settings

REQUIRE_SERVICES = os.environ.get("PAGOS_REQUIRE_SERVICES") == "1"


def require_service(variable: str, name: str) -> str:
    """Return the service address in ``variable``; skip without it, or fail when services are required."""
    value = os.environ.get(variable)
    if value:
        return value
    message = f"{name} is not configured: set {variable} (scripts/services up, then eval \"$(scripts/services env)\")"
    if REQUIRE_SERVICES:
        pytest.fail(message + "; PAGOS_REQUIRE_SERVICES=1 turns this skip into a failure")
    pytest.skip(message)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Embedded-default settings on a temporary folder, ignoring the service variables in the environment."""
    return Settings(
        connection_strings=ConnectionStrings(), kafka=KafkaSettings(), pagos=ServiceSettings(data_dir=tmp_path / "data")
    )


@pytest.fixture
async def container(settings: Settings) -> AsyncIterator[bootstrap.Container]:
    built = await bootstrap.build(settings)
    try:
        yield built
    finally:
        await built.close()


async def fresh_postgres_database(base_url: str) -> AsyncIterator[str]:
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
