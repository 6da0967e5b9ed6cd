"""Consistency check and read-model rebuild on the embedded default, and on MongoDB when configured."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from pagos import bootstrap
from pagos.application.commands import CrearPago, ReversarPago
from pagos.application.rebuild import replay
from pagos.application.verify import ConsistencyChecker
from pagos.config import ConnectionStrings, MongoSettings, Settings
from tests.conftest import require_service
from tests.integration.conftest import mongo_monto_format


@pytest.fixture(params=["sqlite", "mongodb"])
async def wired(request: pytest.FixtureRequest, settings: Settings, tmp_path: Path) -> AsyncIterator[bootstrap.Container]:
    """The API's container with 12 payments, 4 of them reversed, all projected."""
    if request.param == "mongodb":
        url = require_service("PAGOS_TEST_MONGODB", "MongoDB")
        settings = settings.model_copy(
            update={
                "connection_strings": ConnectionStrings(MongoDB=url),
                "mongo": MongoSettings(Database=f"pagos_test_{tmp_path.name[-20:]}", MontoFormat=mongo_monto_format()),
            }
        )
    container = await bootstrap.build(settings)
    for number in range(12):
        result = await container.commands.crear_pago(
            CrearPago(cliente_id=f"cliente-{number % 3}", monto=f"{number + 1}.50", metodo_pago="efectivo")
        )
        if number % 3 == 0:
            await container.commands.reversar_pago(
                ReversarPago(pago_id=result.view.pago_id, cliente_id=f"cliente-{number % 3}", motivo="prueba")
            )
    await container.relay.drain()
    try:
        yield container
    finally:
        if request.param == "mongodb":
            from pymongo import AsyncMongoClient

            client: AsyncMongoClient = AsyncMongoClient(settings.connection_strings.mongodb)
            await client.drop_database(settings.mongo.database)
            await client.close()
        await container.close()


def checker(container: bootstrap.Container) -> ConsistencyChecker:
    return ConsistencyChecker(container.event_store, container.outbox, container.read_model)


async def active_model(container: bootstrap.Container):  # type: ignore[no-untyped-def]
    return await container.read_model._active()  # type: ignore[attr-defined]


async def test_consistent_after_projection(wired: bootstrap.Container) -> None:
    report = await checker(wired).check()

    assert report.consistent
    assert report.checked == 12
    assert report.events == 16
    assert report.in_flight == 0


async def test_pending_outbox_is_in_flight(wired: bootstrap.Container) -> None:
    await wired.commands.crear_pago(CrearPago(cliente_id="nuevo", monto="5", metodo_pago="efectivo"))

    report = await checker(wired).check()

    assert report.consistent
    assert report.in_flight == 1
    assert report.outbox_pending == 1


async def test_reports_missing_stale_and_mismatched(wired: bootstrap.Container) -> None:
    views = list((await wired.read_model.get_many([e.stream_id for _, e in await wired.event_store.read_all(0, 100)])).values())
    reversed_view = next(view for view in views if view.version == 2)
    processed = [view for view in views if view.version == 1]
    model = await active_model(wired)
    await _delete(model, processed[0].pago_id)
    await _overwrite(model, replace(reversed_view, version=1, estado="Procesado"))
    await _overwrite(model, replace(processed[1], monto=processed[1].monto + 1))

    report = await checker(wired).check()

    assert not report.consistent
    assert report.missing == [processed[0].pago_id]
    assert report.stale == [reversed_view.pago_id]
    assert report.mismatched == [processed[1].pago_id]


async def test_rebuild_restores_and_replays_idempotently(wired: bootstrap.Container) -> None:
    model = await active_model(wired)
    some_id = (await wired.event_store.read_all(0, 1))[0][1].stream_id
    await _delete(model, some_id)
    backend = await bootstrap.read_model_backend(wired.settings, wired.resources)
    name = backend.new_name() + "_a"
    target = await backend.open_model(name)

    position = await replay(wired.event_store, target)
    first = await target.get_many([e.stream_id for _, e in await wired.event_store.read_all(0, 100)])
    again = await replay(wired.event_store, target)
    second = await target.get_many(list(first))
    await backend.pointer.set(name)
    wired.read_model._checked_at = float("-inf")  # type: ignore[attr-defined]

    assert position == again
    assert first == second
    assert len(first) == 12
    assert (await checker(wired).check()).consistent


async def _delete(model, pago_id) -> None:  # type: ignore[no-untyped-def]
    if hasattr(model, "_collection"):
        await model._collection.delete_one({"_id": str(pago_id)})
    else:
        async with model._engine.begin() as connection:
            await connection.execute(model._table.delete().where(model._table.c.pago_id == pago_id))


async def _overwrite(model, view) -> None:  # type: ignore[no-untyped-def]
    await _delete(model, view.pago_id)
    await model.save(view)
