"""Measurement 2: POST /api/pagos against a minimal endpoint doing one INSERT into the same database.

Both servers run as one uvicorn process each, with the same settings, and the
load comes from this process over loopback with a fixed number of requests in
flight.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import httpx

from bench.common import Figure, free_port, percentile
from bench.databases import create_database, drop_database
from bench.harness import run_async
from bench.servers import Child, python_module

CONCURRENCY = 16
BODY = '{"clienteId": "bench-http", "monto": "80.00", "metodoPago": "efectivo"}'


async def _load(url: str, path: str, requests: int) -> tuple[float, list[float]]:
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY, keepalive_expiry=2.0)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:

        async def post(_: int) -> None:
            for attempt in range(3):
                try:
                    response = await client.post(path, content=BODY, headers={"Content-Type": "application/json"})
                    break
                except httpx.TransportError:
                    # A keep-alive connection the server closed just as it was reused.
                    if attempt == 2:
                        raise
            if response.status_code != 201:
                raise RuntimeError(f"{path} returned {response.status_code}: {response.text[:200]}")

        result = await run_async(CONCURRENCY, requests, post)
    return result.throughput, result.latencies


async def measure(quick: bool, memory: dict[str, float]) -> list[Figure]:
    requests = 300 if quick else 3000
    rounds = 2 if quick else 3
    figures = []
    for backend in ("embedded", "postgresql"):
        tmp = Path(tempfile.mkdtemp(prefix="pagos-bench-http-"))
        if backend == "embedded":
            ours_url_sql, minimal_sql = None, f"sqlite+aiosqlite:///{tmp / 'minimal.db'}"
            env = {"Pagos__DataDir": str(tmp), "ConnectionStrings__SQL": ""}
        else:
            ours_url_sql = await create_database("pagos_bench_http")
            minimal_sql = await create_database("pagos_bench_minimal")
            env = {"ConnectionStrings__SQL": ours_url_sql}
            from pagos.infrastructure.sql import migrate

            await migrate.upgrade(ours_url_sql)
        env = {**env, "ConnectionStrings__MongoDB": "", "Kafka__BootstrapServers": ""}
        ours_port, minimal_port = free_port(), free_port()
        ours = Child(
            python_module("pagos.entrypoints.cli", "serve", "--port", str(ours_port), "--log-level", "warning"),
            env, tmp / "ours.log", f"http://127.0.0.1:{ours_port}",
        ).start()
        minimal = Child(
            python_module("bench.minimal_app", minimal_sql, str(minimal_port)), {}, tmp / "minimal.log",
            f"http://127.0.0.1:{minimal_port}",
        ).start()
        try:
            throughput = {"ours": [], "minimal": []}
            latency = {"ours": [], "minimal": []}
            for round_number in range(rounds):
                order = ["ours", "minimal"] if round_number % 2 == 0 else ["minimal", "ours"]
                for name in order:
                    server, path = (ours, "/api/pagos") if name == "ours" else (minimal, "/minimal")
                    rate, latencies = await _load(server.url or "", path, requests)
                    throughput[name].append(rate)
                    latency[name].extend(latencies)
            memory[f"API ({backend}, HTTP create)"] = ours.peak_rss_mb()
        finally:
            ours.stop()
            minimal.stop()
            if ours_url_sql:
                await drop_database(ours_url_sql)
                await drop_database(minimal_sql)
        extra = {
            name: {
                "p50_ms": percentile(values, 0.50) * 1000,
                "p99_ms": percentile(values, 0.99) * 1000,
            }
            for name, values in latency.items()
        }
        figures.append(
            Figure("http_create", backend, "requests/s", throughput["ours"], throughput["minimal"],
                   "minimal FastAPI endpoint, one INSERT", target=0.6, extra={"latency": extra, "concurrency": CONCURRENCY})
        )
        print(f"http {backend}: ours {throughput['ours']} minimal {throughput['minimal']} latency {extra}")
    return figures


if __name__ == "__main__":
    print(asyncio.run(measure(True, {})))
