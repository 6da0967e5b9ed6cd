"""Faults caused for real: killed processes and stopped services, each ending with ``pagos verify``.

These tests stop and start the local services through scripts/services, so
they run one at a time and bring every service back before they end.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.e2e.conftest import Deployment, ManagedProcess, free_port, wait_until_healthy
from tests.e2e.support import (
    run_pagos,
    services,
    sql_scalars,
    topic_event_ids,
    wait_for_convergence,
)

CLIENT_IDS = 4
CONVERGENCE_SECONDS = 120


class Stack:
    """The API, relay and projector of one deployment, started and stopped as a user would."""

    def __init__(self, deployment: Deployment) -> None:
        self.deployment = deployment
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        tmp = deployment.tmp
        self.api = ManagedProcess(["serve", "--no-relay", "--port", str(self.port)], deployment.env, tmp / "api.log")
        self.relay = ManagedProcess(["relay"], deployment.env, tmp / "relay.log")
        self.projector = ManagedProcess(["projector"], deployment.env, tmp / "projector.log")

    def processes(self) -> list[ManagedProcess]:
        return [self.api, self.relay, self.projector]

    def start(self) -> None:
        for process in self.processes():
            process.start()
        wait_until_healthy(self.url, self.api)

    def stop(self) -> None:
        for process in self.processes():
            if process.running():
                process.stop()

    def create(self, count: int, start: int = 0, key_prefix: str | None = None) -> dict[str, str]:
        """Create ``count`` payments over HTTP; return their ids with estado Procesado."""
        created: dict[str, str] = {}
        with httpx.Client(base_url=self.url, timeout=60) as client:
            for index in range(start, start + count):
                headers = {"Idempotency-Key": f"{key_prefix}-{index}"} if key_prefix else {}
                body = {"clienteId": f"cliente-{index % CLIENT_IDS}", "monto": f"{index % 90 + 1}.25", "metodoPago": "efectivo"}
                response = client.post("/api/pagos", json=body, headers=headers)
                assert response.status_code == 201, response.text
                created[response.json()["pagoId"]] = "Procesado"
        return created

    def outbox_pending(self) -> int:
        (pending,) = sql_scalars(self.sql_url, "SELECT count(*) FROM outbox WHERE delivered_at IS NULL")
        return int(pending)  # type: ignore[call-overload]

    @property
    def sql_url(self) -> str:
        return self.deployment.env["ConnectionStrings__SQL"]

    def converge(self, expected: dict[str, str]) -> None:
        found = asyncio.run(wait_for_convergence(self.url, expected, CLIENT_IDS, CONVERGENCE_SECONDS))
        assert found == expected, f"read model did not converge in {CONVERGENCE_SECONDS} s"

    def verify(self) -> str:
        result = run_pagos(["verify", "--wait", "60"], self.deployment.env)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "missing: 0, stale: 0, mismatched: 0, extra: 0" in result.stdout
        return result.stdout


@pytest.fixture
def stack(deployment: Deployment) -> Iterator[Stack]:
    running = Stack(deployment)
    try:
        yield running
    finally:
        running.stop()
        for name in ("postgres", "kafka", "ferretdb"):
            services("start", name)


def test_relay_killed_between_ack_and_mark(stack: Stack) -> None:
    stack.api.start()
    stack.projector.start()
    wait_until_healthy(stack.url, stack.api)
    expected = stack.create(20)
    doomed = ManagedProcess(
        ["relay"], {**stack.deployment.env, "PAGOS_FAILPOINT": "relay-kill-after-publish"}, stack.deployment.tmp / "doomed.log"
    )

    doomed.start()
    assert doomed.process is not None
    assert doomed.process.wait(timeout=60) == -signal.SIGKILL
    assert stack.outbox_pending() == 20  # published and acknowledged, but never marked
    stack.relay.start()
    stack.converge(expected)

    event_ids = topic_event_ids(stack.deployment.kafka, stack.deployment.topic, 40)
    assert len(event_ids) == 40
    assert len(set(event_ids)) == 20
    assert stack.outbox_pending() == 0
    stack.verify()


def test_kafka_stopped_while_creating(stack: Stack) -> None:
    stack.start()
    expected = stack.create(10)
    stack.converge(expected)

    services("stop", "kafka")
    expected |= stack.create(30, start=10)
    pending_while_down = stack.outbox_pending()
    time.sleep(3)
    assert stack.outbox_pending() >= pending_while_down
    services("start", "kafka")

    assert pending_while_down >= 1
    stack.converge(expected)
    assert stack.outbox_pending() == 0
    assert stack.relay.running()
    assert stack.projector.running()
    stack.verify()


def test_mongodb_stopped_projector_waits(stack: Stack) -> None:
    stack.start()
    expected = stack.create(10)
    stack.converge(expected)

    services("stop", "ferretdb")
    expected |= stack.create(20, start=10)
    with httpx.Client(base_url=stack.url, timeout=30) as client:
        unavailable = client.get("/api/pagos/cliente-0")
    time.sleep(2)
    services("start", "ferretdb")

    assert unavailable.status_code == 503
    assert unavailable.json()["code"] == "servicio_no_disponible"
    assert unavailable.headers["retry-after"]
    stack.converge(expected)
    assert stack.projector.running()
    stack.verify()


def test_api_killed_during_burst(stack: Stack) -> None:
    stack.start()
    keys = [f"rafaga-{number}" for number in range(200)]

    def post(key: str) -> str | None:
        number = int(key.split("-")[1])
        body = {"clienteId": f"cliente-{number % CLIENT_IDS}", "monto": f"{number % 90 + 1}.50", "metodoPago": "efectivo"}
        try:
            with httpx.Client(base_url=stack.url, timeout=10) as client:
                response = client.post("/api/pagos", json=body, headers={"Idempotency-Key": key})
            return response.json()["pagoId"] if response.status_code == 201 else None
        except httpx.TransportError:
            return None

    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(post, key) for key in keys]
        time.sleep(0.5)
        assert stack.api.process is not None
        stack.api.process.kill()
        before_kill = [future.result() for future in futures]

    stack.api.start()
    wait_until_healthy(stack.url, stack.api)
    with ThreadPoolExecutor(max_workers=8) as pool:
        after_retry = list(pool.map(post, keys))

    payments, without_outbox, keys_stored = sql_scalars(
        stack.sql_url,
        "SELECT count(DISTINCT stream_id) FROM events",
        "SELECT count(*) FROM events e LEFT JOIN outbox o ON o.position = e.position WHERE o.id IS NULL",
        "SELECT count(*) FROM idempotency_keys",
    )

    assert any(pago_id is None for pago_id in before_kill), "the kill came after the burst; nothing was interrupted"
    assert all(after_retry)
    for first, retried in zip(before_kill, after_retry, strict=True):
        assert first is None or first == retried
    assert payments == len(keys) == len(set(after_retry))
    assert without_outbox == 0
    assert keys_stored == len(keys)
    stack.converge({pago_id: "Procesado" for pago_id in after_retry if pago_id})
    stack.verify()
