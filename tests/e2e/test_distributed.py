"""Three real processes (API, relay, projector) on PostgreSQL, Kafka and a MongoDB-protocol server."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from confluent_kafka import Consumer, TopicPartition
from pymongo import MongoClient

from tests.conftest import fresh_postgres_database, require_service
from tests.e2e.conftest import ManagedProcess, free_port, wait_until_healthy
from tests.integration.conftest import mongo_monto_format

PAYMENTS = 300
CLIENT_TASKS = 16
CLIENT_IDS = 20
REVERSE_EVERY = 5
CONVERGENCE_SECONDS = 90


@dataclass
class Deployment:
    env: dict[str, str]
    topic: str
    mongo_url: str
    mongo_database: str
    kafka: str
    tmp: Path


@pytest.fixture
async def deployment(tmp_path: Path) -> AsyncIterator[Deployment]:
    postgres = require_service("PAGOS_TEST_POSTGRES_URL", "PostgreSQL")
    kafka = require_service("PAGOS_TEST_KAFKA", "Kafka")
    mongo = require_service("PAGOS_TEST_MONGODB", "MongoDB")
    suffix = uuid4().hex[:10]
    async for sql_url in fresh_postgres_database(postgres):
        env = {
            "ConnectionStrings__SQL": sql_url,
            "ConnectionStrings__MongoDB": mongo,
            "Kafka__BootstrapServers": kafka,
            "Kafka__Topic": f"pagos-e2e-{suffix}",
            "Kafka__ConsumerGroup": f"pagos-e2e-{suffix}",
            "Mongo__Database": f"pagos_e2e_{suffix}",
            "Mongo__MontoFormat": mongo_monto_format(),
            "Pagos__RelayPollSeconds": "0.2",
        }
        migrate = subprocess.run(
            [sys.executable, "-m", "pagos.entrypoints.cli", "migrate"],
            env={**os.environ, **env}, capture_output=True, text=True, timeout=60, check=False,
        )
        assert migrate.returncode == 0, migrate.stderr
        yield Deployment(env, env["Kafka__Topic"], mongo, env["Mongo__Database"], kafka, tmp_path)
        MongoClient(mongo).drop_database(env["Mongo__Database"])


def topic_event_ids(kafka: str, topic: str, minimum: int) -> list[str]:
    """Read the whole topic with a plain consumer; return every message's ce_id, repeats included."""
    consumer = Consumer({"bootstrap.servers": kafka, "group.id": f"reader-{uuid4().hex}", "auto.offset.reset": "earliest"})
    partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
    ends = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in partitions}
    consumer.subscribe([topic])
    ids: list[str] = []
    deadline = time.monotonic() + 60
    try:
        while (len(ids) < minimum or len(ids) < sum(ends.values())) and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is not None and message.error() is None:
                ids.append(dict(message.headers())["ce_id"].decode())
    finally:
        consumer.close()
    return ids


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


async def listed_estados(api: str) -> dict[str, str]:
    """Every payment of every client as the list route returns it, following the cursors."""
    found: dict[str, str] = {}
    async with httpx.AsyncClient(base_url=api, timeout=30) as client:
        for number in range(CLIENT_IDS):
            cursor = None
            while True:
                params = {"limit": 100, **({"cursor": cursor} if cursor else {})}
                page = (await client.get(f"/api/pagos/cliente-{number}", params=params)).json()
                for item in page["items"]:
                    assert item["pagoId"] not in found, "a payment was listed twice"
                    found[item["pagoId"]] = item["estado"]
                cursor = page["nextCursor"]
                if cursor is None:
                    break
    return found


async def wait_for_convergence(api: str, expected: dict[str, str]) -> dict[str, str]:
    deadline = time.monotonic() + CONVERGENCE_SECONDS
    while True:
        found = await listed_estados(api)
        if found == expected or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.5)


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
        found = await wait_for_convergence(url, expected)
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
        assert await listed_estados(url) == expected
        assert projector.running()
    finally:
        for process in (api, relay, projector):
            if process.running():
                process.stop()
