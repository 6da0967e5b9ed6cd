"""Composition root: builds adapters from settings and wires them into the use cases."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from pagos.application.commands import PagoCommandHandler
from pagos.application.ports import Publisher, ReadModel
from pagos.application.projection import Projector
from pagos.application.queries import PagoQueryHandler
from pagos.application.relay import OutboxRelay
from pagos.config import Settings
from pagos.domain.events import DomainEvent
from pagos.infrastructure.currencies import BabelCurrencyCatalog
from pagos.infrastructure.inprocess import InProcessPublisher
from pagos.infrastructure.sql import migrate
from pagos.infrastructure.sql.engine import create_engine
from pagos.infrastructure.sql.event_store import SqlEventStore, SqlOutbox
from pagos.infrastructure.sql.read_model import SqlReadModel, SqlReadModelPointer
from pagos.infrastructure.switching import ReadModelPointer, SwitchingReadModel

logger = logging.getLogger(__name__)

# How often readers re-read which read model is active; a rebuild waits for it.
POINTER_TTL_SECONDS = 2.0


def utc_now() -> datetime:
    """Return the current UTC time in whole milliseconds, the precision of a MongoDB date.

    Events and read models then hold the same instant, so a payment's date is
    identical in the list, in its state and in its history.
    """
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


@dataclass
class Resources:
    """Background tasks and connections of one process, stopped and closed together."""

    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def start(self, name: str, run: Callable[[asyncio.Event], Awaitable[None]]) -> None:
        """Run ``run(stop)`` in the background until ``close``."""
        self.tasks.append(asyncio.create_task(run(self.stop), name=name))  # type: ignore[arg-type]

    async def wait(self) -> None:
        """Wait until every background task ended; re-raise the first failure."""
        await asyncio.gather(*self.tasks)

    async def close(self) -> None:
        """Stop the background tasks after their current batch, then close every connection."""
        self.stop.set()
        for result in await asyncio.gather(*self.tasks, return_exceptions=True):
            if isinstance(result, Exception):
                logger.error("background task ended with an error: %r", result)
        for closer in reversed(self.closers):
            await closer()


@dataclass
class Container:
    """The wired API process: adapters, use cases and the relay that delivers events."""

    settings: Settings
    engine: AsyncEngine
    event_store: SqlEventStore
    outbox: SqlOutbox
    read_model: ReadModel
    projector: Projector
    relay: OutboxRelay
    commands: PagoCommandHandler
    queries: PagoQueryHandler
    resources: Resources

    def start_relay(self) -> None:
        """Run the outbox relay in the background until ``close``."""
        self.resources.start("outbox-relay", self.relay.run)

    def start_idempotency_purge(self, interval_seconds: float = 600.0) -> None:
        """Delete expired idempotency records now and every ``interval_seconds`` until ``close``."""

        async def purge(stop: asyncio.Event) -> None:
            while not stop.is_set():
                try:
                    purged = await self.event_store.purge_idempotency_records(utc_now())
                    if purged:
                        logger.info("purged %d expired idempotency records", purged)
                except Exception:
                    logger.exception("purging expired idempotency records failed; retrying in %.0f s", interval_seconds)
                try:
                    await asyncio.wait_for(stop.wait(), interval_seconds)
                except TimeoutError:
                    pass

        self.resources.start("idempotency-purge", purge)

    async def close(self) -> None:
        await self.resources.close()


async def build(settings: Settings, *, migrate_schema: bool | None = None) -> Container:
    """Build the API process; migrate the event store first in the embedded mode or when asked."""
    resources = Resources()
    read_model = await build_read_model(settings, resources)
    projector = Projector(read_model)
    engine, outbox, relay, event_store = await _build_write_side(settings, projector, resources, migrate_schema)

    currencies = BabelCurrencyCatalog()
    default_currency = settings.pagos.default_currency.upper()
    if currencies.get(default_currency) is None:
        raise ValueError(f"Pagos__MonedaPorDefecto={default_currency} is not an active ISO 4217 currency")

    return Container(
        settings=settings,
        engine=engine,
        event_store=event_store,
        outbox=outbox,
        read_model=read_model,
        projector=projector,
        relay=relay,
        commands=PagoCommandHandler(
            event_store,
            event_store,
            currencies,
            default_currency,
            utc_now,
            idempotency_ttl=timedelta(hours=settings.pagos.idempotency_ttl_hours),
        ),
        queries=PagoQueryHandler(event_store, read_model),
        resources=resources,
    )


async def build_relay(settings: Settings) -> tuple[OutboxRelay, Resources]:
    """Build a stand-alone relay; it needs the read model only for in-process delivery."""
    resources = Resources()
    projector = None if settings.kafka_enabled else Projector(await build_read_model(settings, resources))
    _, _, relay, _ = await _build_write_side(settings, projector, resources, migrate_schema=None)
    return relay, resources


async def build_projector(settings: Settings) -> tuple[Projector, Resources]:
    """Build a stand-alone projector fed from Kafka."""
    if not settings.kafka_enabled:
        raise ValueError("the projector process consumes Kafka: set Kafka__BootstrapServers")
    from pagos.infrastructure.kafka.client import ensure_topics

    resources = Resources()
    projector = Projector(await build_read_model(settings, resources))
    # A consumer that subscribes before its topic exists may not see it until
    # its next metadata refresh, minutes later; creating it first avoids that.
    await asyncio.to_thread(ensure_topics, settings.kafka)
    projection = build_kafka_projection(settings, projector)
    resources.start("kafka-projection", projection.run)
    return projector, resources


async def _build_write_side(
    settings: Settings, projector: Projector | None, resources: Resources, migrate_schema: bool | None
) -> tuple[AsyncEngine, SqlOutbox, OutboxRelay, SqlEventStore]:
    if migrate_schema if migrate_schema is not None else settings.embedded:
        await migrate.upgrade(settings.sql_url)
    engine = create_engine(settings.sql_url)
    resources.closers.insert(0, engine.dispose)
    publisher = await _build_publisher(settings, projector, resources)
    if os.environ.get("PAGOS_FAILPOINT") == "relay-kill-after-publish":
        publisher = _KillAfterPublish(publisher)
    outbox = SqlOutbox(engine)
    relay = OutboxRelay(
        outbox, publisher, batch_size=settings.pagos.relay_batch_size, poll_interval=settings.pagos.relay_poll_seconds
    )
    return engine, outbox, relay, SqlEventStore(engine, on_commit=relay.notify)


@dataclass
class ReadModelBackend:
    """How to open a read model by table or collection name, and the pointer to the active one."""

    open_model: Callable[[str], Awaitable[ReadModel]]
    pointer: ReadModelPointer
    default_name: str

    def new_name(self) -> str:
        """Name for a rebuilt read model: the default name and a UTC timestamp."""
        return f"{self.default_name}_{datetime.now(UTC):%Y%m%d%H%M%S}"


async def read_model_backend(settings: Settings, resources: Resources) -> ReadModelBackend:
    """Connect to the read model's store: MongoDB when configured, else the embedded SQLite file."""
    if settings.connection_strings.mongodb:
        from pymongo import AsyncMongoClient

        from pagos.infrastructure.mongo.read_model import (
            MongoReadModel,
            MongoReadModelPointer,
        )

        client: AsyncMongoClient = AsyncMongoClient(
            settings.connection_strings.mongodb, tz_aware=True, tzinfo=UTC, serverSelectionTimeoutMS=10_000
        )

        async def close_client() -> None:
            await client.close()

        resources.closers.append(close_client)
        database = settings.mongo.database

        async def open_collection(name: str) -> ReadModel:
            model = MongoReadModel(client, database, name, monto_format=settings.mongo.monto_format)
            await model.create_schema()
            return model

        logger.info("read model: MongoDB database %s", database)
        pointer = MongoReadModelPointer(client, database, settings.mongo.collection)
        return ReadModelBackend(open_collection, pointer, settings.mongo.collection)

    read_engine = create_engine(settings.read_model_url, durable=False)
    resources.closers.append(read_engine.dispose)
    sql_pointer = SqlReadModelPointer(read_engine, "pago_views")
    await sql_pointer.create_schema()

    async def open_table(name: str) -> ReadModel:
        model = SqlReadModel(read_engine, name)
        await model.create_schema()
        return model

    return ReadModelBackend(open_table, sql_pointer, "pago_views")


async def build_read_model(settings: Settings, resources: Resources) -> SwitchingReadModel:
    """Open the active read model, following the pointer that a rebuild moves."""
    backend = await read_model_backend(settings, resources)
    model = SwitchingReadModel(backend.pointer, backend.open_model, backend.default_name, ttl=POINTER_TTL_SECONDS)
    await model.ping()
    return model


async def _build_publisher(settings: Settings, projector: Projector | None, resources: Resources) -> Publisher:
    if not settings.kafka_enabled:
        if projector is None:
            raise ValueError("in-process delivery needs a projector")
        return InProcessPublisher(projector)

    from pagos.infrastructure.kafka.client import ensure_topics, producer_config
    from pagos.infrastructure.kafka.publisher import KafkaPublisher

    await asyncio.to_thread(ensure_topics, settings.kafka)
    publisher = KafkaPublisher(producer_config(settings.kafka), settings.kafka.topic)

    async def close_publisher() -> None:
        await asyncio.to_thread(publisher.close)

    resources.closers.append(close_publisher)
    logger.info("publisher: Kafka topic %s on %s", settings.kafka.topic, settings.kafka.bootstrap_servers)
    return publisher


class _KillAfterPublish:
    """Failure injection for the crash tests: SIGKILL this process after the first acknowledged batch.

    The relay then dies between the broker's acknowledgement and marking the
    outbox entries delivered, the window that makes delivery at-least-once.
    Enabled only by PAGOS_FAILPOINT=relay-kill-after-publish; never set it in production.
    """

    def __init__(self, inner: Publisher) -> None:
        self._inner = inner

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        await self._inner.publish(events)
        logger.warning("failpoint relay-kill-after-publish: killing the relay after %d acknowledged events", len(events))
        os.kill(os.getpid(), signal.SIGKILL)


def build_kafka_projection(settings: Settings, projector: Projector):  # type: ignore[no-untyped-def]
    """Build the consumer that feeds ``projector`` from the events topic."""
    from pagos.infrastructure.kafka.client import consumer_config, producer_config
    from pagos.infrastructure.kafka.consumer import KafkaProjection

    return KafkaProjection(
        projector,
        consumer_config(settings.kafka),
        producer_config(settings.kafka),
        settings.kafka.topic,
        settings.kafka.dead_letter_topic,
    )
