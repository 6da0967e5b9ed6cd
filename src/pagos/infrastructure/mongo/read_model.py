"""Read model in MongoDB: one document per payment, keyed by its id."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from bson.decimal128 import Decimal128
from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError, PyMongoError

from pagos.application.views import ListCursor, PagoView

MontoFormat = Literal["decimal128", "string"]

DUPLICATE_KEY = 11000


class UnsupportedServer(RuntimeError):
    """The server cannot store the value format the configuration selects."""


class MongoReadModelPointer:
    """The active read-model collection's name, in the ``read_model_pointer`` collection."""

    def __init__(self, client: AsyncMongoClient[dict[str, Any]], database: str, name: str) -> None:
        self._pointers = client[database]["read_model_pointer"]
        self._name = name

    async def get(self) -> str | None:
        document = await self._pointers.find_one({"_id": self._name})
        return document["active"] if document else None

    async def set(self, active: str) -> None:
        await self._pointers.replace_one({"_id": self._name}, {"active": active}, upsert=True)


class MongoReadModel:
    """Read model on a MongoDB-protocol server; see ``ReadModel`` for the contract.

    ``monto`` is stored as Decimal128 by default, which keeps every digit and
    sorts as a number. ``monto_format="string"`` stores the exact decimal text
    instead, for servers without Decimal128 such as FerretDB 1.x. Both are read
    back, so switching formats needs no migration.
    """

    def __init__(
        self,
        client: AsyncMongoClient[dict[str, Any]],
        database: str,
        collection: str,
        *,
        monto_format: MontoFormat = "decimal128",
    ) -> None:
        self._client = client
        self._database = client[database]
        self._collection = self._database[collection]
        self._monto_format = monto_format

    async def create_schema(self) -> None:
        """Create the list query's index, and check that the server stores the chosen amount format."""
        await self._collection.create_index(
            [("clienteId", ASCENDING), ("fechaPago", DESCENDING), ("_id", DESCENDING)], name="cliente_fecha_id"
        )
        if self._monto_format == "decimal128":
            probe = self._database["pagos_decimal128_probe"]
            try:
                await probe.replace_one({"_id": "probe"}, {"monto": Decimal128("0.01")}, upsert=True)
            except PyMongoError as error:
                raise UnsupportedServer(
                    "the MongoDB server did not store a Decimal128 value; "
                    "set Mongo__MontoFormat=string for servers without Decimal128 (such as FerretDB 1.x)"
                ) from error

    async def get(self, pago_id: UUID) -> PagoView | None:
        document = await self._collection.find_one({"_id": str(pago_id)})
        return _view_from_document(document) if document else None

    async def save(self, view: PagoView) -> bool:
        return await self._upsert_one_by_one([view]) > 0

    async def save_many(self, views: Sequence[PagoView], probably_new: Collection[UUID] = ()) -> int:
        if not views:
            return 0
        # Inserting is much cheaper than a filtered upsert on some servers
        # (FerretDB 1.x scans the collection for every upsert). A payment that
        # exists after all comes back as a duplicate key and goes through the
        # version-checked upsert below, so no newer document is overwritten.
        new = [view for view in views if view.pago_id in probably_new]
        existing = [view for view in views if view.pago_id not in probably_new]
        written = 0
        if new:
            inserted, duplicates = await self._insert(new)
            written += inserted
            existing += duplicates
        if existing:
            written += await self._upsert(existing)
        return written

    async def _insert(self, views: list[PagoView]) -> tuple[int, list[PagoView]]:
        """Insert documents; return how many were inserted and the views whose documents already existed."""
        try:
            result = await self._collection.insert_many([self._document(view) for view in views], ordered=False)
        except BulkWriteError as error:
            errors = error.details.get("writeErrors", [])
            if any(item.get("code") != DUPLICATE_KEY for item in errors):
                raise
            duplicates = [views[item["index"]] for item in errors]
            return error.details.get("nInserted", 0), duplicates
        except KeyError:
            # FerretDB 1.x replies to a failed insert without the "nModified" count
            # that pymongo 4 merges, so insert one by one to learn which ones exist.
            return await self._insert_one_by_one(views)
        return len(result.inserted_ids), []

    async def _insert_one_by_one(self, views: list[PagoView]) -> tuple[int, list[PagoView]]:
        inserted, duplicates = 0, []
        for view in views:
            try:
                await self._collection.insert_one(self._document(view))
                inserted += 1
            except DuplicateKeyError:
                duplicates.append(view)
        return inserted, duplicates

    async def _upsert(self, views: list[PagoView]) -> int:
        """Write each document unless the stored one has the same or a newer version; return how many were written."""
        operations = [UpdateOne(*self._newer_only(view), upsert=True) for view in views]
        try:
            result = await self._collection.bulk_write(operations, ordered=False)
        except BulkWriteError as error:
            # Duplicate keys are documents already at this version or newer; any other error is real.
            others = [item for item in error.details.get("writeErrors", []) if item.get("code") != DUPLICATE_KEY]
            if others or error.details.get("writeConcernErrors"):
                raise
            return error.details.get("nModified", 0) + error.details.get("nUpserted", 0)
        except KeyError:
            # FerretDB 1.x replies without the "nModified" count that pymongo 4
            # merges when an upsert collides, so write one by one instead.
            return await self._upsert_one_by_one(views)
        return result.modified_count + result.upserted_count

    async def _upsert_one_by_one(self, views: list[PagoView]) -> int:
        written = 0
        for view in views:
            try:
                result = await self._collection.update_one(*self._newer_only(view), upsert=True)
            except DuplicateKeyError:
                continue
            written += result.modified_count > 0 or result.upserted_id is not None
        return written

    def _newer_only(self, view: PagoView) -> tuple[dict[str, Any], dict[str, Any]]:
        # Matches only an older document; when a newer or equal one exists, the
        # upsert's insert collides on _id, which means "already applied".
        return {"_id": str(view.pago_id), "version": {"$lt": view.version}}, {"$set": self._document(view)}

    async def list_by_cliente(
        self, cliente_id: str, limit: int, after: ListCursor | None, estado: str | None
    ) -> list[PagoView]:
        query: dict[str, Any] = {"clienteId": cliente_id}
        if estado is not None:
            query["estado"] = estado
        if after is not None:
            query["$or"] = [
                {"fechaPago": {"$lt": after.fecha_pago}},
                {"fechaPago": after.fecha_pago, "_id": {"$lt": str(after.pago_id)}},
            ]
        cursor = self._collection.find(query).sort([("fechaPago", DESCENDING), ("_id", DESCENDING)]).limit(limit)
        return [_view_from_document(document) async for document in cursor]

    async def get_many(self, pago_ids: Sequence[UUID]) -> dict[UUID, PagoView]:
        found: dict[UUID, PagoView] = {}
        for start in range(0, len(pago_ids), 500):
            chunk = [str(pago_id) for pago_id in pago_ids[start : start + 500]]
            async for document in self._collection.find({"_id": {"$in": chunk}}):
                view = _view_from_document(document)
                found[view.pago_id] = view
        return found

    async def count(self) -> int:
        return await self._collection.count_documents({})

    async def ping(self) -> None:
        await self._database.command("ping")

    async def close(self) -> None:
        await self._client.close()

    def _document(self, view: PagoView) -> dict[str, Any]:
        monto: Decimal128 | str = Decimal128(view.monto) if self._monto_format == "decimal128" else format(view.monto, "f")
        return {
            "_id": str(view.pago_id),
            "clienteId": view.cliente_id,
            "monto": monto,
            "moneda": view.moneda,
            "metodoPago": view.metodo_pago,
            "estado": view.estado,
            "fechaPago": view.fecha_pago,
            "version": view.version,
            "motivoReversion": view.motivo_reversion,
            "fechaReversion": view.fecha_reversion,
        }


def _view_from_document(document: dict[str, Any]) -> PagoView:
    monto = document["monto"]
    return PagoView(
        pago_id=UUID(document["_id"]),
        cliente_id=document["clienteId"],
        monto=monto.to_decimal() if isinstance(monto, Decimal128) else Decimal(monto),
        moneda=document["moneda"],
        metodo_pago=document["metodoPago"],
        estado=document["estado"],
        fecha_pago=document["fechaPago"],
        version=document["version"],
        motivo_reversion=document.get("motivoReversion"),
        fecha_reversion=document.get("fechaReversion"),
    )
