"""Measurements 3 and 4: freshness through Kafka and the projector, and draining a backlog.

Freshness is the time from a 201 on POST /api/pagos until the payment's document
is in the read model that GET /api/pagos/{clienteId} queries; it is compared
with the bare Kafka round trip (produce, then consume) at the same rate.
Draining compares the relay with producing the same messages straight through
confluent-kafka, and the projector with pymongo bulk upserts of the same documents.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path
from uuid import uuid4

import httpx
from bson.decimal128 import Decimal128
from confluent_kafka import Consumer, Producer
from pymongo import MongoClient, UpdateOne

from bench.common import Figure, free_port, percentile
from bench.databases import create_database, drop_database
from bench.harness import run_async
from bench.servers import Child, python_module
from pagos import bootstrap
from pagos.application.commands import CrearPago
from pagos.config import ConnectionStrings, KafkaSettings, ServiceSettings, Settings
from pagos.domain.events import DomainEvent
from pagos.infrastructure.kafka.client import ensure_topics
from pagos.infrastructure.kafka.codec import encode
from pagos.infrastructure.sql import migrate


def _services() -> tuple[str, str, str]:
    kafka = os.environ.get("PAGOS_TEST_KAFKA")
    mongo = os.environ.get("PAGOS_TEST_MONGODB")
    if not kafka or not mongo:
        raise SystemExit("bench: Kafka and MongoDB are not configured; eval \"$(scripts/services env)\" first")
    return kafka, mongo, os.environ.get("Mongo__MontoFormat", "decimal128")


class Deployment:
    """A fresh database, topic and read-model database, and the env for pagos processes on them."""

    def __init__(self, sql_url: str, label: str) -> None:
        kafka, mongo, monto_format = _services()
        suffix = uuid4().hex[:8]
        self.sql_url = sql_url
        self.kafka = kafka
        self.mongo = mongo
        self.topic = f"pagos-bench-{label}-{suffix}"
        self.database = f"pagos_bench_{label}_{suffix}"
        self.tmp = Path(tempfile.mkdtemp(prefix=f"pagos-bench-{label}-"))
        self.env = {
            "ConnectionStrings__SQL": sql_url,
            "ConnectionStrings__MongoDB": mongo,
            "Kafka__BootstrapServers": kafka,
            "Kafka__Topic": self.topic,
            "Kafka__ConsumerGroup": f"pagos-bench-{suffix}",
            "Mongo__Database": self.database,
            "Mongo__MontoFormat": monto_format,
            "Pagos__RelayBatchSize": "1000",
            "Pagos__RelayPollSeconds": "0.05",
        }
        ensure_topics(KafkaSettings(BootstrapServers=kafka, Topic=self.topic))

    def settings(self) -> Settings:
        return Settings(
            connection_strings=ConnectionStrings(SQL=self.sql_url),
            kafka=KafkaSettings(BootstrapServers=self.kafka, Topic=self.topic),
            pagos=ServiceSettings(DataDir=self.tmp),
        )

    def documents(self) -> int:
        with MongoClient(self.mongo) as client:
            return client[self.database]["pagos"].estimated_document_count()

    def drop(self) -> None:
        with MongoClient(self.mongo) as client:
            client.drop_database(self.database)


async def measure_freshness(quick: bool, memory: dict[str, float], rate: int | None = None) -> list[Figure]:
    rate = rate or (50 if quick else 200)
    seconds = 5 if quick else 30
    url = await create_database("pagos_bench_fresh")
    await migrate.upgrade(url)
    deployment = Deployment(url, "fresh")
    port = free_port()
    api = Child(python_module("pagos.entrypoints.cli", "serve", "--no-relay", "--port", str(port), "--log-level", "warning"),
                deployment.env, deployment.tmp / "api.log", f"http://127.0.0.1:{port}")
    relay = Child(python_module("pagos.entrypoints.cli", "relay", "--log-level", "warning"), deployment.env, deployment.tmp / "relay.log")
    projector = Child(python_module("pagos.entrypoints.cli", "projector", "--log-level", "warning"), deployment.env,
                      deployment.tmp / "projector.log")
    for child in (relay, projector, api):
        child.start()
    try:
        achieved = [0.0]
        ours = await _freshness_run(api.url or "", deployment, rate, seconds, achieved)
        baseline = _kafka_round_trip(deployment.kafka, rate, seconds)
        memory[f"API (PostgreSQL, freshness load at {rate}/s)"] = api.peak_rss_mb()
        memory[f"relay (freshness load at {rate}/s)"] = relay.peak_rss_mb()
        memory[f"projector (freshness load at {rate}/s)"] = projector.peak_rss_mb()
    finally:
        for child in (api, relay, projector):
            child.stop()
        deployment.drop()
        await drop_database(url)
    figures = []
    for name, fraction in (("p50", 0.5), ("p99", 0.99), ("max", 1.0)):
        figures.append(
            Figure("freshness", f"{name} at {rate}/s for {seconds} s", "ms",
                   [percentile(ours, fraction) * 1000], [percentile(baseline, fraction) * 1000],
                   "Kafka produce-to-consume round trip", higher_is_better=False,
                   target=500.0 if name == "p99" else None,
                   extra={"samples": len(ours), "achieved_rate": round(achieved[0], 1)})
        )
    print(f"freshness: ours p50 {percentile(ours, .5):.3f} p99 {percentile(ours, .99):.3f}; kafka p99 {percentile(baseline, .99):.3f}")
    return figures


async def _freshness_run(
    api: str, deployment: Deployment, rate: int, seconds: int, achieved: list[float]
) -> list[float]:
    """Send payments at a fixed rate and record, for each, the time from its 201 to its document."""
    acknowledged: dict[str, float] = {}
    seen: dict[str, float] = {}
    from pymongo import AsyncMongoClient

    mongo: AsyncMongoClient = AsyncMongoClient(deployment.mongo)
    collection = mongo[deployment.database]["pagos"]
    done = asyncio.Event()

    async def poll() -> None:
        while not done.is_set() or len(seen) < len(acknowledged):
            waiting = [pago_id for pago_id in acknowledged if pago_id not in seen]
            if waiting:
                async for document in collection.find({"_id": {"$in": waiting}}, {"_id": 1}):
                    seen.setdefault(document["_id"], time.perf_counter())
            await asyncio.sleep(0.005)
            if done.is_set() and time.perf_counter() - last_ack[0] > 30:
                break

    last_ack = [time.perf_counter()]
    sent_seconds = [0.0]
    # Requests leave on schedule, but at most 64 wait for a response at once,
    # because httpx's pool slows down sharply with thousands of queued requests.
    in_flight = asyncio.Semaphore(64)
    # Idle connections close on the client before uvicorn closes them (after 5 s),
    # so no request goes out on a connection the server is closing.
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64, keepalive_expiry=2.0)
    async with httpx.AsyncClient(base_url=api, timeout=30, limits=limits) as client:

        async def send(index: int) -> None:
            body = {"clienteId": f"fresh-{index % 20}", "monto": "80.00", "metodoPago": "efectivo"}
            async with in_flight:
                response = await client.post("/api/pagos", json=body)
            acknowledged[response.json()["pagoId"]] = last_ack[0] = time.perf_counter()

        poller = asyncio.create_task(poll())
        started = time.perf_counter()
        tasks = []
        for index in range(rate * seconds):
            delay = started + index / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(send(index)))
        await asyncio.gather(*tasks)
        sent_seconds[0] = time.perf_counter() - started
        done.set()
        await poller
    await mongo.close()
    print(f"freshness: offered {rate * seconds} payments at {rate}/s; all answered after {sent_seconds[0]:.1f} s")
    achieved[0] = rate * seconds / sent_seconds[0]
    return [seen[pago_id] - acknowledged[pago_id] for pago_id in acknowledged if pago_id in seen]


def _kafka_round_trip(kafka: str, rate: int, seconds: int) -> list[float]:
    """Produce at ``rate`` messages/s and time each message from acknowledgement to consumption."""
    topic = f"pagos-bench-rtt-{uuid4().hex[:8]}"
    ensure_topics(KafkaSettings(BootstrapServers=kafka, Topic=topic))
    consumer = Consumer({"bootstrap.servers": kafka, "group.id": f"rtt-{uuid4().hex}", "auto.offset.reset": "earliest"})
    consumer.subscribe([topic])
    consumer.poll(1.0)
    producer = Producer({"bootstrap.servers": kafka, "enable.idempotence": True, "acks": "all", "linger.ms": 5})
    acknowledged: dict[bytes, float] = {}
    received: dict[bytes, float] = {}

    def on_delivery(error, message) -> None:  # type: ignore[no-untyped-def]
        if error is None:
            acknowledged[message.key()] = time.perf_counter()

    started = time.perf_counter()
    total = rate * seconds
    for index in range(total):
        while time.perf_counter() < started + index / rate:
            producer.poll(0)
            message = consumer.poll(0)
            if message is not None and message.error() is None:
                received[message.key()] = time.perf_counter()
        producer.produce(topic, key=str(index).encode(), value=b"{}", on_delivery=on_delivery)
    producer.flush(30)
    deadline = time.perf_counter() + 30
    while len(received) < total and time.perf_counter() < deadline:
        message = consumer.poll(0.1)
        if message is not None and message.error() is None:
            received[message.key()] = time.perf_counter()
    consumer.close()
    return [max(0.0, received[key] - acknowledged[key]) for key in acknowledged if key in received]


async def measure_drain(quick: bool, memory: dict[str, float]) -> list[Figure]:
    backlog = 5_000 if quick else 50_000
    url = await create_database("pagos_bench_drain")
    await migrate.upgrade(url)
    deployment = Deployment(url, "drain")
    container = await bootstrap.build(deployment.settings())
    try:
        async def create(index: int) -> None:
            await container.commands.crear_pago(
                CrearPago(cliente_id=f"drain-{index % 100}", monto="80.00", metodo_pago="efectivo")
            )

        await run_async(16, backlog, create)
        events = [event for _, event in await container.event_store.read_all(0, backlog + 10)]

        relay = Child(python_module("pagos.entrypoints.cli", "relay", "--log-level", "warning"), deployment.env,
                      deployment.tmp / "relay.log")
        started = time.perf_counter()
        relay.start()
        while await container.outbox.count_pending():
            await asyncio.sleep(0.05)
        relay_seconds = time.perf_counter() - started
        memory["relay (draining the backlog)"] = relay.peak_rss_mb()
        relay.stop()

        direct_seconds = _produce_directly(deployment.kafka, events)

        projector = Child(python_module("pagos.entrypoints.cli", "projector", "--log-level", "warning"), deployment.env,
                          deployment.tmp / "projector.log")
        started = time.perf_counter()
        projector.start()
        deadline = started + 600
        while deployment.documents() < len(events) and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
        projector_seconds = time.perf_counter() - started
        memory["projector (draining the backlog)"] = projector.peak_rss_mb()
        projector.stop()

        bulk_count, bulk_seconds = _bulk_upsert(deployment, events)
    finally:
        await container.close()
        deployment.drop()
        await drop_database(url)
    count = len(events)
    print(f"drain {count}: relay {relay_seconds:.1f}s direct {direct_seconds:.1f}s projector {projector_seconds:.1f}s "
          f"bulk {bulk_count} in {bulk_seconds:.1f}s")
    return [
        Figure("drain", f"relay, {count} events", "events/s", [count / relay_seconds], [count / direct_seconds],
               "confluent-kafka producing the same messages", target=0.5,
               extra={"note": "relay time includes process start-up and the outbox reads and marks"}),
        Figure("drain", f"projector, {count} events", "events/s", [count / projector_seconds], [bulk_count / bulk_seconds],
               "pymongo bulk upserts of the same documents", target=0.5,
               extra={"note": "projector time includes process start-up and consuming from Kafka; the baseline "
                      f"wrote {bulk_count} documents in {bulk_seconds:.0f} s before its time limit"}),
    ]


def _produce_directly(kafka: str, events: list[DomainEvent]) -> float:
    topic = f"pagos-bench-direct-{uuid4().hex[:8]}"
    ensure_topics(KafkaSettings(BootstrapServers=kafka, Topic=topic))
    producer = Producer({"bootstrap.servers": kafka, "enable.idempotence": True, "acks": "all", "linger.ms": 5})
    started = time.perf_counter()
    for event in events:
        key, value, headers = encode(event)
        while True:
            try:
                producer.produce(topic, key=key, value=value, headers=headers)
                break
            except BufferError:
                producer.poll(0.1)
    producer.flush(60)
    return time.perf_counter() - started


# FerretDB 1.x scans the collection for every upsert, so the baseline slows as
# it fills. It runs for at most this long, and its rate comes from what it wrote.
BULK_BASELINE_SECONDS = 60


def _bulk_upsert(deployment: Deployment, events: list[DomainEvent]) -> tuple[int, float]:
    """Bulk-upsert the documents of ``events`` in batches of 1000; return how many were written and the seconds."""
    from pagos.application.views import evolve_view

    views = [evolve_view(None, event) for event in events]
    monto_string = os.environ.get("Mongo__MontoFormat") == "string"
    with MongoClient(deployment.mongo, tz_aware=True) as client:
        collection = client[deployment.database]["bulk_baseline"]
        started = time.perf_counter()
        for start in range(0, len(views), 1000):
            operations = []
            for view in views[start : start + 1000]:  # noqa: B020
                document = {
                    "_id": str(view.pago_id), "clienteId": view.cliente_id,
                    "monto": format(view.monto, "f") if monto_string else Decimal128(view.monto),
                    "moneda": view.moneda, "metodoPago": view.metodo_pago, "estado": view.estado,
                    "fechaPago": view.fecha_pago, "version": view.version,
                }
                operations.append(UpdateOne({"_id": document["_id"]}, {"$set": document}, upsert=True))
            collection.bulk_write(operations, ordered=False)
            if time.perf_counter() - started > BULK_BASELINE_SECONDS:
                return start + len(operations), time.perf_counter() - started
        return len(views), time.perf_counter() - started
