"""Projector and relay against a real SQLite read model and event store."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

import pytest

from pagos.application.errors import ProjectionGap
from pagos.application.ports import ReadModel
from pagos.application.projection import Projector
from pagos.application.queries import PagoQueryHandler
from pagos.application.relay import OutboxRelay
from pagos.domain.events import DomainEvent
from pagos.domain.money import Moneda
from pagos.domain.pago import Pago
from pagos.infrastructure.inprocess import InProcessPublisher
from pagos.infrastructure.sql import migrate
from pagos.infrastructure.sql.engine import create_engine
from pagos.infrastructure.sql.event_store import SqlEventStore, SqlOutbox
from pagos.infrastructure.sql.read_model import SqlReadModel
from tests.integration.conftest import fresh_mongo_read_model

USD = Moneda("USD", 2)
T0 = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "mongodb"])
async def read_model(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ReadModel]:
    """An empty read model on each backend: an SQLite file, or a fresh MongoDB database."""
    if request.param == "sqlite":
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'read.db'}", durable=False)
        model = SqlReadModel(engine)
        await model.create_schema()
        yield model
        await engine.dispose()
        return
    async for mongo in fresh_mongo_read_model():
        yield mongo


def reversed_pago(cliente: str = "cliente-1", monto: str = "80.50", when: datetime = T0) -> tuple[Pago, list[DomainEvent]]:
    pago = Pago.crear(pago_id=uuid4(), cliente_id=cliente, monto=monto, moneda=USD, metodo_pago="efectivo", ahora=when)
    pago.reversar("duplicado", when + timedelta(seconds=1))
    return pago, pago.collect_events()


async def test_projects_created_then_reversed(read_model: ReadModel) -> None:
    pago, (creado, reversado) = reversed_pago()
    projector = Projector(read_model)

    assert await projector.handle(creado) is True
    view = await read_model.get(pago.id)
    assert view is not None
    assert view.estado == "Procesado"
    assert view.monto == Decimal("80.50")

    assert await projector.handle(reversado) is True
    view = await read_model.get(pago.id)
    assert view is not None
    assert view.estado == "Reversado"
    assert view.version == 2
    assert view.motivo_reversion == "duplicado"


async def test_duplicate_event_changes_nothing(read_model: ReadModel) -> None:
    pago, (creado, reversado) = reversed_pago()
    projector = Projector(read_model)
    await projector.handle(creado)
    before = await read_model.get(pago.id)

    assert await projector.handle(creado) is False

    assert await read_model.get(pago.id) == before


async def test_older_event_after_newer_changes_nothing(read_model: ReadModel) -> None:
    pago, (creado, reversado) = reversed_pago()
    projector = Projector(read_model)
    await projector.handle_all([creado, reversado])
    after_reversal = await read_model.get(pago.id)

    assert await projector.handle(creado) is False

    assert await read_model.get(pago.id) == after_reversal
    assert after_reversal is not None
    assert after_reversal.estado == "Reversado"


async def test_stale_save_does_not_overwrite(read_model: ReadModel) -> None:
    pago, (creado, reversado) = reversed_pago()
    projector = Projector(read_model)
    await projector.handle_all([creado, reversado])
    newest = await read_model.get(pago.id)
    assert newest is not None

    wrote = await read_model.save(replace(newest, version=1, estado="Procesado"))

    assert wrote is False
    assert await read_model.get(pago.id) == newest


async def test_gap_raises_instead_of_skipping(read_model: ReadModel) -> None:
    pago, (_, reversado) = reversed_pago()

    with pytest.raises(ProjectionGap):
        await Projector(read_model).handle(reversado)

    assert await read_model.get(pago.id) is None


async def test_list_pages_newest_first(read_model: ReadModel) -> None:
    projector = Projector(read_model)
    created = []
    for minute in range(5):
        pago = Pago.crear(
            pago_id=uuid4(), cliente_id="ana", monto="10", moneda=USD, metodo_pago="efectivo",
            ahora=T0 + timedelta(minutes=minute),
        )
        await projector.handle_all(pago.collect_events())
        created.append(pago.id)
    other, events = reversed_pago(cliente="otro")
    await projector.handle_all(events)

    queries = PagoQueryHandler(event_store=None, read_model=read_model)  # type: ignore[arg-type]
    first = await queries.listar_pagos("ana", limit=2)
    second = await queries.listar_pagos("ana", limit=2, cursor=first.next_cursor)
    third = await queries.listar_pagos("ana", limit=2, cursor=second.next_cursor)

    listed = [view.pago_id for page in (first, second, third) for view in page.items]
    assert listed == list(reversed(created))
    assert third.next_cursor is None
    assert [view.pago_id for view in (await queries.listar_pagos("otro", 10, estado="Reversado")).items] == [other.id]
    assert (await queries.listar_pagos("otro", 10, estado="Procesado")).items == []


class FailingOnce:
    """Publisher stand-in that fails its first call, then delegates."""

    def __init__(self, inner: InProcessPublisher) -> None:
        self.inner = inner
        self.calls = 0

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        self.calls += 1
        if self.calls == 1:
            raise ConnectionError("broker unavailable")
        await self.inner.publish(events)


async def test_relay_retries_after_failure(tmp_path: Path, read_model: ReadModel) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'events.db'}"
    await migrate.upgrade(url)
    engine = create_engine(url)
    store, outbox = SqlEventStore(engine), SqlOutbox(engine)
    publisher = FailingOnce(InProcessPublisher(Projector(read_model)))
    relay = OutboxRelay(outbox, publisher)
    pago, events = reversed_pago()
    await store.append(pago.id, 0, events)

    with pytest.raises(ConnectionError):
        await relay.run_once()
    assert await outbox.count_pending() == 2
    assert await read_model.get(pago.id) is None

    assert await relay.drain() == 2
    assert await outbox.count_pending() == 0
    view = await read_model.get(pago.id)
    assert view is not None
    assert view.estado == "Reversado"
    await engine.dispose()


async def test_redelivery_after_crash_leaves_read_model_exact(tmp_path: Path, read_model: ReadModel) -> None:
    # A relay that published but crashed before marking the entries publishes them again.
    url = f"sqlite+aiosqlite:///{tmp_path / 'events.db'}"
    await migrate.upgrade(url)
    engine = create_engine(url)
    store, outbox = SqlEventStore(engine), SqlOutbox(engine)
    publisher = InProcessPublisher(Projector(read_model))
    pago, events = reversed_pago()
    await store.append(pago.id, 0, events)
    entries = await outbox.claim(10)
    await publisher.publish([entry.event for entry in entries])
    projected = await read_model.get(pago.id)

    assert await OutboxRelay(outbox, publisher).drain() == 2

    assert await read_model.get(pago.id) == projected
    await engine.dispose()


async def test_batch_folds_versions_of_one_payment(read_model: ReadModel) -> None:
    pago, events = reversed_pago()

    result = await Projector(read_model).handle_batch(events)

    assert result.written == 1
    assert result.gaps == []
    view = await read_model.get(pago.id)
    assert view is not None
    assert view.version == 2
    assert view.estado == "Reversado"


async def test_batch_leaves_out_gaps_and_repeats(read_model: ReadModel) -> None:
    gapped, (_, gapped_reversal) = reversed_pago(cliente="a")
    kept, kept_events = reversed_pago(cliente="b")
    projector = Projector(read_model)
    await projector.handle_batch(kept_events[:1])

    result = await projector.handle_batch([gapped_reversal, *kept_events, kept_events[0]])

    assert result.written == 1
    assert [gap.stream_id for gap in result.gaps] == [gapped.id]
    assert await read_model.get(gapped.id) is None
    view = await read_model.get(kept.id)
    assert view is not None
    assert view.version == 2


async def test_batch_of_stale_events_writes_nothing(read_model: ReadModel) -> None:
    pago, events = reversed_pago()
    projector = Projector(read_model)
    await projector.handle_batch(events)
    before = await read_model.get(pago.id)

    result = await projector.handle_batch(events)

    assert result.written == 0
    assert await read_model.get(pago.id) == before


async def test_redelivered_creation_does_not_overwrite_newer(read_model: ReadModel) -> None:
    # The batch takes a payment created in it to be new; the store finds it exists
    # and must keep the newer document.
    pago, (creado, reversado) = reversed_pago()
    projector = Projector(read_model)
    await projector.handle_batch([creado, reversado])

    result = await projector.handle_batch([creado])

    assert result.written == 0
    view = await read_model.get(pago.id)
    assert view is not None
    assert view.version == 2


async def test_creation_and_reversal_redelivered_together(read_model: ReadModel) -> None:
    pago, (creado, reversado) = reversed_pago()
    projector = Projector(read_model)
    await projector.handle_batch([creado])

    result = await projector.handle_batch([creado, reversado])

    assert result.written == 1
    view = await read_model.get(pago.id)
    assert view is not None
    assert view.estado == "Reversado"
