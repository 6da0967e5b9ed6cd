"""The HTTP baseline: a minimal FastAPI endpoint that does one INSERT into the same database.

Run as ``python -m bench.minimal_app URL PORT``. It has no validation, no
events and no outbox: the least a service must do to accept a payment.
"""

from __future__ import annotations

import sys
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI, Request
from sqlalchemy import text

from pagos.infrastructure.sql.engine import create_engine


def create_app(url: str) -> FastAPI:
    engine = create_engine(url)

    @asynccontextmanager
    async def lifespan(_: FastAPI):  # type: ignore[no-untyped-def]
        async with engine.begin() as connection:
            await connection.execute(
                text("CREATE TABLE IF NOT EXISTS bench_minimal (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
                if engine.dialect.name == "sqlite"
                else text("CREATE TABLE IF NOT EXISTS bench_minimal (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL)")
            )
        yield
        await engine.dispose()

    app = FastAPI(lifespan=lifespan)

    @app.post("/minimal", status_code=201)
    async def minimal(request: Request) -> dict[str, str]:
        body = (await request.body()).decode()
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO bench_minimal (body) VALUES (:body)"), {"body": body})
        return {"ok": "1"}

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


if __name__ == "__main__":
    uvicorn.run(create_app(sys.argv[1]), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
