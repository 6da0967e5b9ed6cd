"""Composition root: builds adapters from settings and wires them into the use cases."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from pagos.application.commands import PagoCommandHandler
from pagos.application.projection import Projector
from pagos.application.queries import PagoQueryHandler
from pagos.application.relay import OutboxRelay
from pagos.config import Settings
from pagos.infrastructure.currencies import BabelCurrencyCatalog
from pagos.infrastructure.inprocess import InProcessPublisher
from pagos.infrastructure.sql import migrate
from pagos.infrastructure.sql.engine import create_engine
from pagos.infrastructure.sql.event_store import SqlEventStore, SqlOutbox
from pagos.infrastructure.sql.read_model import SqlReadModel

logger = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Container:
    """The wired service: adapters, use cases and the background relay."""

    settings: Settings
    engine: AsyncEngine
    read_engine: AsyncEngine
    event_store: SqlEventStore
    outbox: SqlOutbox
    read_model: SqlReadModel
    projector: Projector
    relay: OutboxRelay
    commands: PagoCommandHandler
    queries: PagoQueryHandler
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def start_background(self) -> None:
        """Start the in-process relay, which delivers outbox entries to the projector."""
        self._tasks.append(asyncio.create_task(self.relay.run(self._stop), name="outbox-relay"))

    async def close(self) -> None:
        """Stop the relay after its current batch, then close every connection pool."""
        self._stop.set()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.engine.dispose()
        await self.read_engine.dispose()


async def build(settings: Settings, *, migrate_schema: bool | None = None) -> Container:
    """Build the container; migrate the event store first in the embedded mode or when asked."""
    if migrate_schema if migrate_schema is not None else settings.embedded:
        await migrate.upgrade(settings.sql_url)

    engine = create_engine(settings.sql_url)
    read_engine = create_engine(settings.read_model_url, durable=False)
    read_model = SqlReadModel(read_engine)
    await read_model.create_schema()

    projector = Projector(read_model)
    outbox = SqlOutbox(engine)
    relay = OutboxRelay(
        outbox,
        InProcessPublisher(projector),
        batch_size=settings.pagos.relay_batch_size,
        poll_interval=settings.pagos.relay_poll_seconds,
    )
    event_store = SqlEventStore(engine, on_commit=relay.notify)
    currencies = BabelCurrencyCatalog()
    default_currency = settings.pagos.default_currency.upper()
    if currencies.get(default_currency) is None:
        raise ValueError(f"Pagos__MonedaPorDefecto={default_currency} is not an active ISO 4217 currency")

    return Container(
        settings=settings,
        engine=engine,
        read_engine=read_engine,
        event_store=event_store,
        outbox=outbox,
        read_model=read_model,
        projector=projector,
        relay=relay,
        commands=PagoCommandHandler(event_store, currencies, default_currency, utc_now),
        queries=PagoQueryHandler(event_store, read_model),
    )
