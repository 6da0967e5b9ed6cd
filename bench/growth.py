"""Measurement 5: append latency and the list query as the data grows.

The event store is filled with synthetic events by SQL (generate_series), and
one client's read-model documents by insert_many, so that sizes up to 10^6
events are reached in seconds. Each size is compared with the smallest one.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

from pymongo import AsyncMongoClient
from sqlalchemy import text

from bench.common import Figure, percentile
from bench.databases import create_database, drop_database
from bench.pipeline import Deployment
from pagos import bootstrap
from pagos.application.commands import CrearPago
from pagos.application.queries import PagoQueryHandler
from pagos.application.views import ListCursor, PagoView
from pagos.infrastructure.mongo.read_model import MongoReadModel
from pagos.infrastructure.sql import migrate
from pagos.infrastructure.sql.engine import create_engine
from pagos.infrastructure.sql.read_model import SqlReadModel

SAMPLES = 200

FILL_EVENTS = """
INSERT INTO events (event_id, stream_id, version, type, data, metadata, occurred_at)
SELECT gen_random_uuid(), gen_random_uuid(), 1, 'PagoCreado',
       '{"clienteId": "relleno", "monto": "80.00", "moneda": "USD", "metodoPago": "efectivo", "estado": "Procesado"}',
       '{}', now()
FROM generate_series(1, :count)
"""
FILL_OUTBOX = """
INSERT INTO outbox (position, created_at, delivered_at)
SELECT position, now(), now() FROM events WHERE position > :after
"""


async def measure(quick: bool) -> list[Figure]:
    event_sizes = [10_000, 100_000] if quick else [10_000, 100_000, 1_000_000]
    client_sizes = [100, 1_000] if quick else [100, 1_000, 10_000, 100_000]
    url = await create_database("pagos_bench_growth")
    await migrate.upgrade(url)
    deployment = Deployment(url, "growth")
    container = await bootstrap.build(deployment.settings())
    figures: list[Figure] = []
    try:
        append_p50: list[float] = []
        append_p99: list[float] = []
        total = 0
        for size in event_sizes:
            async with container.engine.begin() as connection:
                after = (await connection.execute(text("SELECT coalesce(max(position), 0) FROM events"))).scalar_one()
                await connection.execute(text(FILL_EVENTS), {"count": size - total})
                await connection.execute(text(FILL_OUTBOX), {"after": after})
                await connection.execute(text("ANALYZE events"))
                await connection.execute(text("ANALYZE outbox"))
            total = size
            latencies = []
            for index in range(SAMPLES):
                started = time.perf_counter()
                await container.commands.crear_pago(
                    CrearPago(cliente_id=f"growth-{index}", monto="80.00", metodo_pago="efectivo")
                )
                latencies.append(time.perf_counter() - started)
            append_p50.append(percentile(latencies, 0.5) * 1000)
            append_p99.append(percentile(latencies, 0.99) * 1000)
            print(f"growth: {size} events, append p50 {append_p50[-1]:.2f} ms p99 {append_p99[-1]:.2f} ms")
        for name, series in (("p50", append_p50), ("p99", append_p99)):
            figures.append(
                Figure("growth_append", f"append {name}", "ms", series, [series[0]] * len(series),
                       f"the same at {event_sizes[0]} events", higher_is_better=False,
                       extra={"sizes": event_sizes})
            )

        mongo: AsyncMongoClient = AsyncMongoClient(deployment.mongo, tz_aware=True)
        mongo_model = MongoReadModel(
            mongo, deployment.database, "growth", monto_format=os.environ.get("Mongo__MontoFormat", "decimal128")  # type: ignore[arg-type]
        )
        await mongo_model.create_schema()
        sqlite_engine = create_engine(f"sqlite+aiosqlite:///{deployment.tmp / 'growth-read.db'}", durable=False)
        sqlite_model = SqlReadModel(sqlite_engine, "growth")
        await sqlite_model.create_schema()
        # FerretDB 1.x filters and sorts in memory, so its list query grows with
        # the client's payments. The largest size runs on the SQLite read model only.
        backends = [
            ("MongoDB protocol (FerretDB)", mongo_model, client_sizes[:3]),
            ("SQLite read model", sqlite_model, client_sizes),
        ]
        for label, model, sizes in backends:
            figures += await _list_growth(container, model, label, sizes)
        await mongo.close()
        await sqlite_engine.dispose()
    finally:
        await container.close()
        deployment.drop()
        await drop_database(url)
    return figures


async def _list_growth(container, model, label: str, sizes: list[int]) -> list[Figure]:  # type: ignore[no-untyped-def]
    """Time the first page and a page near the end of one client's list at each size."""
    queries = PagoQueryHandler(container.event_store, model)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    first_page: list[float] = []
    deep_page: list[float] = []
    filled = 0
    for size in sizes:
        views = [
            PagoView(
                pago_id=uuid4(), cliente_id="grande", monto=Decimal("80.00"), moneda="USD", metodo_pago="efectivo",
                estado="Procesado", fecha_pago=base + timedelta(seconds=index), version=1,
            )
            for index in range(filled, size)
        ]
        for start in range(0, len(views), 5_000):
            chunk = views[start : start + 5_000]
            await model.save_many(chunk, probably_new={view.pago_id for view in chunk})
        filled = size
        # A cursor 40 payments from the oldest: the last pages of a long list.
        near_end = ListCursor(base + timedelta(seconds=40), UUID(int=0)).encode()
        first, last = [], []
        for _ in range(SAMPLES // 4):
            started = time.perf_counter()
            await queries.listar_pagos("grande", 20)
            first.append(time.perf_counter() - started)
            started = time.perf_counter()
            page = await queries.listar_pagos("grande", 20, cursor=near_end)
            last.append(time.perf_counter() - started)
        if len(page.items) != 20:
            raise RuntimeError(f"deep page returned {len(page.items)} items")
        first_page.append(percentile(first, 0.5) * 1000)
        deep_page.append(percentile(last, 0.5) * 1000)
        print(f"growth {label}: {size} payments of one client, first page {first_page[-1]:.2f} ms, deep page {deep_page[-1]:.2f} ms")
    return [
        Figure("growth_list", f"{label}: list {name} p50", "ms", series, [series[0]] * len(series),
               f"the same at {sizes[0]} payments", higher_is_better=False, extra={"sizes": sizes})
        for name, series in (("first page", first_page), ("deep cursor page", deep_page))
    ]
