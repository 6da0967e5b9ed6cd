"""Helpers shared by the end-to-end tests that run against real services."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from uuid import uuid4

import httpx
from confluent_kafka import Consumer, TopicPartition


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


async def listed_estados(api: str, client_ids: int) -> dict[str, str]:
    """Every payment of every client as the list route returns it, following the cursors."""
    found: dict[str, str] = {}
    async with httpx.AsyncClient(base_url=api, timeout=30) as client:
        for number in range(client_ids):
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


async def wait_for_convergence(api: str, expected: dict[str, str], client_ids: int, seconds: float) -> dict[str, str]:
    """Poll the lists of clients ``cliente-0`` to ``cliente-{client_ids - 1}`` until they show ``expected``."""
    deadline = time.monotonic() + seconds
    while True:
        found = await listed_estados(api, client_ids)
        if found == expected or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.5)


def run_pagos(arguments: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run one ``pagos`` command to completion with ``env`` added to the environment."""
    return subprocess.run(
        [sys.executable, "-m", "pagos.entrypoints.cli", *arguments],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def services(action: str, name: str) -> None:
    """Start or stop one local service with scripts/services."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    subprocess.run([os.path.join(root, "scripts", "services"), action, name], check=True, timeout=180)


def sql_scalars(url: str, *statements: str) -> list[object]:
    """Run each SQL statement on ``url`` and return its single value, in order."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    async def query() -> list[object]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                return [(await connection.execute(text(statement))).scalar_one() for statement in statements]
        finally:
            await engine.dispose()

    return asyncio.run(query())
