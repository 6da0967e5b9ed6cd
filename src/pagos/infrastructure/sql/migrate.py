"""Apply or revert the event store's Alembic migrations."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from pagos.infrastructure.sql.engine import create_engine

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """Build an Alembic configuration for the packaged migrations, bound to ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` up to ``revision``."""
    await _run(url, lambda connection: command.upgrade(alembic_config(connection), revision))
    logger.info("event store schema migrated up to %s", revision)


async def downgrade(url: str, revision: str) -> None:
    """Migrate the database at ``url`` down to ``revision`` (``base`` removes every table)."""
    await _run(url, lambda connection: command.downgrade(alembic_config(connection), revision))
    logger.info("event store schema migrated down to %s", revision)


async def _run(url: str, step) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(step)
    finally:
        await engine.dispose()
