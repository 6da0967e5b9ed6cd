"""Measurement 1: payments appended through the application layer on PostgreSQL.

Baselines at the same concurrency: plain single-row INSERT transactions with the
same driver and pool, and the ``eventsourcing`` library (9.x, PostgreSQL
persistence) saving a new aggregate with one event.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench.common import Figure
from bench.databases import create_database, drop_database
from bench.harness import run_async, run_threads
from pagos import bootstrap
from pagos.application.commands import CrearPago
from pagos.config import ConnectionStrings, KafkaSettings, ServiceSettings, Settings
from pagos.infrastructure.sql import migrate
from pagos.infrastructure.sql.engine import create_engine

CONCURRENCY = [1, 4, 16, 64]


def _eventsourcing_app(url: str, pool_size: int):  # type: ignore[no-untyped-def]
    from eventsourcing.application import Application
    from eventsourcing.domain import Aggregate, event

    class BenchPago(Aggregate):
        @event("Creado")
        def __init__(self, cliente_id: str, monto: str) -> None:
            self.cliente_id = cliente_id
            self.monto = monto

    parsed = make_url(url)
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": parsed.database,
        "POSTGRES_HOST": parsed.host or "127.0.0.1",
        "POSTGRES_PORT": str(parsed.port or 5432),
        "POSTGRES_USER": parsed.username or "postgres",
        "POSTGRES_PASSWORD": parsed.password or "",
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_MAX_OVERFLOW": str(pool_size),
        "CREATE_TABLE": "y",
    }
    app = Application(env=env)
    return app, BenchPago


async def measure(quick: bool) -> list[Figure]:
    operations = 200 if quick else 1500
    rounds = 2 if quick else 3
    url = await create_database("pagos_bench_append")
    tmp = Path(tempfile.mkdtemp(prefix="pagos-bench-"))
    try:
        await migrate.upgrade(url)
        settings = Settings(
            connection_strings=ConnectionStrings(SQL=url), kafka=KafkaSettings(), pagos=ServiceSettings(DataDir=tmp)
        )
        container = await bootstrap.build(settings)
        plain = create_engine(url)
        async with plain.begin() as connection:
            await connection.execute(text("CREATE TABLE bench_plain (id BIGSERIAL PRIMARY KEY, payload TEXT NOT NULL)"))
        app, aggregate = _eventsourcing_app(url, pool_size=10)

        async def ours(index: int) -> None:
            await container.commands.crear_pago(
                CrearPago(cliente_id=f"bench-{index % 50}", monto="80.00", metodo_pago="efectivo")
            )

        async def insert(index: int) -> None:
            async with plain.begin() as connection:
                await connection.execute(text("INSERT INTO bench_plain (payload) VALUES (:p)"), {"p": f"80.00-{index}"})

        def library(index: int) -> None:
            app.save(aggregate(f"bench-{index % 50}", "80.00"))

        figures: list[Figure] = []
        for concurrency in CONCURRENCY:
            results: dict[str, list[float]] = {"ours": [], "plain": [], "library": []}
            for round_number in range(rounds):
                order = ["ours", "plain", "library"]
                if round_number % 2:
                    order.reverse()  # alternate, so that warm-up and drift favour no side
                for name in order:
                    if name == "ours":
                        result = await run_async(concurrency, operations, ours)
                    elif name == "plain":
                        result = await run_async(concurrency, operations, insert)
                    else:
                        result = await asyncio.to_thread(run_threads, concurrency, operations, library)
                    results[name].append(result.throughput)
            case = f"concurrency {concurrency}"
            figures.append(
                Figure("append", case, "payments/s", results["ours"], results["plain"], "plain INSERT",
                       target=0.5 if concurrency == 16 else None)
            )
            figures.append(
                Figure("append", case, "payments/s", results["ours"], results["library"], "eventsourcing 9.x",
                       target=1.0 if concurrency == 16 else None)
            )
            print(f"append {case}: ours {results['ours']}, plain {results['plain']}, eventsourcing {results['library']}")
        await container.close()
        await plain.dispose()
        app.close()
        return figures
    finally:
        await drop_database(url)
        os.environ.pop("PERSISTENCE_MODULE", None)
