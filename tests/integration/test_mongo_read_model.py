"""MongoDB read model details, against the configured MongoDB-protocol server."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from bson.decimal128 import Decimal128
from pymongo import AsyncMongoClient

from pagos.application.views import PagoView
from pagos.infrastructure.mongo.read_model import MongoReadModel, UnsupportedServer
from tests.conftest import require_service
from tests.integration.conftest import fresh_mongo_read_model

T0 = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def view(monto: str, moneda: str = "USD", minutes: int = 0, cliente: str = "ana") -> PagoView:
    return PagoView(
        pago_id=uuid4(),
        cliente_id=cliente,
        monto=Decimal(monto),
        moneda=moneda,
        metodo_pago="efectivo",
        estado="Procesado",
        fecha_pago=T0 + timedelta(minutes=minutes),
        version=1,
    )


async def test_amounts_listed_exactly() -> None:
    amounts = ["0.10", "999999999.99", "12.345", "5000"]
    async for model in fresh_mongo_read_model():
        for minutes, monto in enumerate(amounts):
            await model.save(view(monto, minutes=minutes))

        listed = await model.list_by_cliente("ana", 10, None, None)

        assert [format(item.monto, "f") for item in listed] == list(reversed(amounts))
        assert [item.fecha_pago for item in listed] == [T0 + timedelta(minutes=m) for m in (3, 2, 1, 0)]


async def test_list_index_created() -> None:
    async for model in fresh_mongo_read_model():
        indexes = [index async for index in await model._collection.list_indexes()]

        keys = {index["name"]: list(index["key"].items()) for index in indexes}
        assert keys["cliente_fecha_id"] == [("clienteId", 1), ("fechaPago", -1), ("_id", -1)]


async def test_decimal128_stored_or_rejected_clearly() -> None:
    # A server with Decimal128 must round-trip it exactly. A server without it must be
    # rejected at start-up with the setting to change, instead of failing later on a write.
    url = require_service("PAGOS_TEST_MONGODB", "MongoDB")
    client: AsyncMongoClient = AsyncMongoClient(url, tz_aware=True, tzinfo=UTC, serverSelectionTimeoutMS=5000)
    database = f"pagos_test_{uuid4().hex[:12]}"
    model = MongoReadModel(client, database, "pagos", monto_format="decimal128")
    try:
        try:
            await model.create_schema()
        except UnsupportedServer as error:
            assert "Mongo__MontoFormat=string" in str(error)
            return
        written = view("150.10")
        await model.save(written)
        raw = await client[database]["pagos"].find_one({"_id": str(written.pago_id)})
        assert raw is not None
        assert raw["monto"] == Decimal128("150.10")
        assert await model.get(written.pago_id) == written
    finally:
        await client.drop_database(database)
        await client.close()


@pytest.mark.parametrize("stored_version", [1, 2])
async def test_save_skips_same_or_older_version(stored_version: int) -> None:
    async for model in fresh_mongo_read_model():
        current = view("10")
        newest = replace(current, version=2, estado="Reversado")
        await model.save(newest)

        assert await model.save(replace(current, version=stored_version)) is False
        assert await model.get(current.pago_id) == newest
