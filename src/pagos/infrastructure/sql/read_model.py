"""SQL read model: one row per payment, for the embedded mode."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Unicode,
    Uuid,
    func,
    select,
    tuple_,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from pagos.application.views import ListCursor, PagoView
from pagos.infrastructure.sql.types import UtcDateTime


def pago_views_table(name: str = "pago_views") -> Table:
    """Build the read-model table under ``name``; a rebuild fills a table with a new name."""
    table = Table(
        name,
        MetaData(),
        Column("pago_id", Uuid(), primary_key=True),
        Column("cliente_id", Unicode(64), nullable=False),
        Column("monto", String(40), nullable=False),  # exact decimal text, never a float
        Column("moneda", String(3), nullable=False),
        Column("metodo_pago", String(20), nullable=False),
        Column("estado", String(20), nullable=False),
        Column("fecha_pago", UtcDateTime, nullable=False),
        Column("version", Integer, nullable=False),
        Column("motivo_reversion", Unicode(500), nullable=True),
        Column("fecha_reversion", UtcDateTime, nullable=True),
    )
    Index(f"ix_{name}_cliente_fecha", table.c.cliente_id, table.c.fecha_pago.desc(), table.c.pago_id.desc())
    return table


_pointer_metadata = MetaData()
read_model_pointer = Table(
    "read_model_pointer",
    _pointer_metadata,
    Column("name", String(100), primary_key=True),
    Column("active", String(100), nullable=False),
)


class SqlReadModelPointer:
    """The active read-model table's name, in a one-row-per-name table of the read-model database."""

    def __init__(self, engine: AsyncEngine, name: str) -> None:
        self._engine = engine
        self._name = name

    async def create_schema(self) -> None:
        async with self._engine.begin() as connection:
            await connection.run_sync(_pointer_metadata.create_all)

    async def get(self) -> str | None:
        query = select(read_model_pointer.c.active).where(read_model_pointer.c.name == self._name)
        async with self._engine.connect() as connection:
            return (await connection.execute(query)).scalar_one_or_none()

    async def set(self, active: str) -> None:
        dialect = sqlite if self._engine.dialect.name == "sqlite" else postgresql
        statement = dialect.insert(read_model_pointer).values(name=self._name, active=active)
        statement = statement.on_conflict_do_update(index_elements=["name"], set_={"active": active})
        async with self._engine.begin() as connection:
            await connection.execute(statement)


class SqlReadModel:
    """Read model in SQLite or PostgreSQL; see ``ReadModel`` for the contract."""

    def __init__(self, engine: AsyncEngine, table_name: str = "pago_views") -> None:
        self._engine = engine
        self._table = pago_views_table(table_name)

    async def create_schema(self) -> None:
        """Create the table and its index if missing. The read model is rebuildable, so it has no migrations."""
        async with self._engine.begin() as connection:
            await connection.run_sync(self._table.metadata.create_all)

    async def get(self, pago_id: UUID) -> PagoView | None:
        async with self._engine.connect() as connection:
            row = (await connection.execute(select(self._table).where(self._table.c.pago_id == pago_id))).first()
        return _view_from_row(row._mapping) if row else None

    async def save(self, view: PagoView) -> bool:
        return await self.save_many([view]) > 0

    async def save_many(self, views: Sequence[PagoView], probably_new: Collection[UUID] = ()) -> int:
        if not views:
            return 0
        rows = [_row_from_view(view) for view in views]
        dialect = sqlite if self._engine.dialect.name == "sqlite" else postgresql
        statement = dialect.insert(self._table).values(rows)
        statement = statement.on_conflict_do_update(
            index_elements=[self._table.c.pago_id],
            set_={key: statement.excluded[key] for key in rows[0] if key != "pago_id"},
            # A redelivered or stale event must not overwrite a newer document.
            where=self._table.c.version < statement.excluded.version,
        )
        async with self._engine.begin() as connection:
            result = await connection.execute(statement)
        return result.rowcount

    async def list_by_cliente(
        self, cliente_id: str, limit: int, after: ListCursor | None, estado: str | None
    ) -> list[PagoView]:
        table = self._table
        query = select(table).where(table.c.cliente_id == cliente_id)
        if estado is not None:
            query = query.where(table.c.estado == estado)
        if after is not None:
            # A row-value comparison lets SQLite and PostgreSQL seek the index to the
            # cursor; the equivalent OR of two conditions scans from the newest row.
            query = query.where(tuple_(table.c.fecha_pago, table.c.pago_id) < tuple_(after.fecha_pago, after.pago_id))
        query = query.order_by(table.c.fecha_pago.desc(), table.c.pago_id.desc()).limit(limit)
        async with self._engine.connect() as connection:
            result = await connection.execute(query)
            return [_view_from_row(row._mapping) for row in result]

    async def get_many(self, pago_ids: Sequence[UUID]) -> dict[UUID, PagoView]:
        found: dict[UUID, PagoView] = {}
        async with self._engine.connect() as connection:
            for start in range(0, len(pago_ids), 500):
                chunk = list(pago_ids[start : start + 500])
                result = await connection.execute(select(self._table).where(self._table.c.pago_id.in_(chunk)))
                found.update((row.pago_id, _view_from_row(row._mapping)) for row in result)
        return found

    async def count(self) -> int:
        async with self._engine.connect() as connection:
            return int((await connection.execute(select(func.count()).select_from(self._table))).scalar_one())

    async def ping(self) -> None:
        async with self._engine.connect() as connection:
            await connection.execute(select(1))


def _row_from_view(view: PagoView) -> dict[str, Any]:
    return {
        "pago_id": view.pago_id,
        "cliente_id": view.cliente_id,
        "monto": format(view.monto, "f"),
        "moneda": view.moneda,
        "metodo_pago": view.metodo_pago,
        "estado": view.estado,
        "fecha_pago": view.fecha_pago,
        "version": view.version,
        "motivo_reversion": view.motivo_reversion,
        "fecha_reversion": view.fecha_reversion,
    }


def _view_from_row(row: Any) -> PagoView:
    return PagoView(
        pago_id=row["pago_id"],
        cliente_id=row["cliente_id"],
        monto=Decimal(row["monto"]),
        moneda=row["moneda"],
        metodo_pago=row["metodo_pago"],
        estado=row["estado"],
        fecha_pago=row["fecha_pago"],
        version=row["version"],
        motivo_reversion=row["motivo_reversion"],
        fecha_reversion=row["fecha_reversion"],
    )
