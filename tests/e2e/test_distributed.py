"""Three real processes (API, relay, projector) on PostgreSQL, Kafka and a MongoDB-protocol server."""

from __future__ import annotations

import asyncio
import time

import httpx
from pymongo import MongoClient

from tests.e2e.conftest import Deployment, ManagedProcess, free_port, wait_until_healthy
from tests.e2e.support import listed_estados, topic_event_ids, wait_for_convergence

PAYMENTS = 300
CLIENT_TASKS = 16
CLIENT_IDS = 20
REVERSE_EVERY = 5
CONVERGENCE_SECONDS = 90


async def create_and_reverse(api: str) -> dict[str, str]:
    """Create PAYMENTS payments from CLIENT_TASKS concurrent tasks, reverse every REVERSE_EVERY-th; return estado by id."""
    expected: dict[str, str] = {}
    counter = iter(range(PAYMENTS))

    async def worker(client: httpx.AsyncClient) -> None:
        for index in counter:
            cliente = f"cliente-{index % CLIENT_IDS}"
            monto, metodo = (f"{150 + index}.10", "tarjeta") if index % 2 else (f"{index % 100 + 1}.05", "efectivo")
            response = await client.post("/api/pagos", json={"clienteId": cliente, "monto": monto, "metodoPago": metodo})
            assert response.status_code == 201, response.text
            pago_id = response.json()["pagoId"]
            expected[pago_id] = "Procesado"
            if index % REVERSE_EVERY == 0:
                reversal = await client.post(f"/api/pagos/{cliente}/{pago_id}/reversion", json={"motivo": "prueba"})
                assert reversal.status_code == 200, reversal.text
                expected[pago_id] = "Reversado"

    async with httpx.AsyncClient(base_url=api, timeout=30) as client:
        await asyncio.gather(*(worker(client) for _ in range(CLIENT_TASKS)))
    return expected


async def test_three_processes_converge(deployment: Deployment) -> None:
    port = free_port()
    api = ManagedProcess(["serve", "--no-relay", "--port", str(port)], deployment.env, deployment.tmp / "api.log")
    relay = ManagedProcess(["relay"], deployment.env, deployment.tmp / "relay.log")
    projector = ManagedProcess(["projector"], deployment.env, deployment.tmp / "projector.log")
    url = f"http://127.0.0.1:{port}"
    for process in (api, relay, projector):
        process.start()
    try:
        wait_until_healthy(url, api)

        started = time.monotonic()
        expected = await create_and_reverse(url)
        found = await wait_for_convergence(url, expected, CLIENT_IDS, CONVERGENCE_SECONDS)
        converged_after = time.monotonic() - started

        assert len(expected) == PAYMENTS
        assert found == expected, f"read model did not converge in {CONVERGENCE_SECONDS} s"
        print(f"{PAYMENTS} payments created and listed in {converged_after:.1f} s")

        event_ids = topic_event_ids(deployment.kafka, deployment.topic, PAYMENTS + PAYMENTS // REVERSE_EVERY)
        assert len(set(event_ids)) == PAYMENTS + PAYMENTS // REVERSE_EVERY

        projector.stop()
        projector.start()
        await asyncio.sleep(5)
        documents = MongoClient(deployment.mongo_url)[deployment.mongo_database]["pagos"]
        assert documents.count_documents({}) == PAYMENTS
        assert await listed_estados(url, CLIENT_IDS) == expected
        assert projector.running()
    finally:
        for process in (api, relay, projector):
            if process.running():
                process.stop()
