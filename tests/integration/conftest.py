"""Real SQL backends for the contract tests: an SQLite file, and PostgreSQL when configured."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC
from pathlib import Path
from typing import Literal
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient
from pymongo import AsyncMongoClient
from sqlalchemy.ext.asyncio import AsyncEngine

from pagos.config import Settings
from pagos.entrypoints.http.app import create_app
from pagos.infrastructure.mongo.read_model import MongoReadModel
from pagos.infrastructure.sql import migrate
from pagos.infrastructure.sql.engine import create_engine
from tests.conftest import fresh_postgres_database, require_service


async def fresh_mongo_read_model(collection: str = "pagos") -> AsyncIterator[MongoReadModel]:
    """A MongoDB read model in a database of its own on the configured server, dropped afterwards."""
    url = require_service("PAGOS_TEST_MONGODB", "MongoDB")
    client: AsyncMongoClient = AsyncMongoClient(url, tz_aware=True, tzinfo=UTC, serverSelectionTimeoutMS=5000)
    name = f"pagos_test_{uuid4().hex[:12]}"
    model = MongoReadModel(client, name, collection, monto_format=mongo_monto_format())
    try:
        await model.create_schema()
        yield model
    finally:
        await client.drop_database(name)
        await client.close()


def mongo_monto_format() -> Literal["decimal128", "string"]:
    """Amount format the configured server supports, from Mongo__MontoFormat (set by scripts/services env)."""
    return "string" if os.environ.get("Mongo__MontoFormat", "").lower() == "string" else "decimal128"


@pytest.fixture(params=["sqlite", "postgresql"])
async def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """URL of an empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'events.db'}"
        return
    base_url = require_service("PAGOS_TEST_POSTGRES_URL", "PostgreSQL")
    async for url in fresh_postgres_database(base_url):
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


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The HTTP API on the embedded default, with its lifespan (container, relay) running."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def stored_event_count(client: TestClient) -> int:
    """Count every event in the client's event store."""
    container = client.app.state.container  # type: ignore[attr-defined]
    return len(client.portal.call(container.event_store.read_all, 0, 10_000))  # type: ignore[union-attr]
