"""End to end over real HTTP against a ``pagos serve`` process on the embedded default."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.e2e.conftest import ServerProcess
from tests.e2e.support import run_pagos

PROJECTION_TIMEOUT_SECONDS = 10


def wait_for_list(
    client: httpx.Client, cliente: str, expected: int, done: Callable[[list[dict]], bool] = lambda items: True
) -> list[dict]:
    """Poll the read model until it lists ``expected`` payments and ``done`` holds; it trails the event store briefly."""
    deadline = time.monotonic() + PROJECTION_TIMEOUT_SECONDS
    while True:
        items = client.get(f"/api/pagos/{cliente}").json()["items"]
        if (len(items) >= expected and done(items)) or time.monotonic() > deadline:
            return items
        time.sleep(0.05)


def test_create_reverse_list_over_http(server: ServerProcess) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        tarjeta = client.post("/api/pagos", json={"clienteId": "ana", "monto": "150.00", "metodoPago": "tarjeta"})
        efectivo = client.post("/api/pagos", json={"clienteId": "ana", "monto": 80, "metodoPago": "efectivo"})
        otro = client.post("/api/pagos", json={"clienteId": "bruno", "monto": "20.5", "metodoPago": "transferencia"})
        rejected = client.post("/api/pagos", json={"clienteId": "ana", "monto": "150", "metodoPago": "efectivo"})
        pago_id = efectivo.json()["pagoId"]
        reversal = client.post(f"/api/pagos/ana/{pago_id}/reversion", json={"motivo": "Cobro duplicado"})
        second = client.post(f"/api/pagos/ana/{pago_id}/reversion", json={"motivo": "otra vez"})

        assert [tarjeta.status_code, efectivo.status_code, otro.status_code] == [201, 201, 201]
        assert rejected.status_code == 422
        assert reversal.status_code == 200
        assert second.status_code == 409

        items = wait_for_list(client, "ana", 2, lambda items: any(item["estado"] == "Reversado" for item in items))
        estados = {item["pagoId"]: item["estado"] for item in items}
        assert estados == {tarjeta.json()["pagoId"]: "Procesado", pago_id: "Reversado"}
        assert [item["clienteId"] for item in wait_for_list(client, "bruno", 1)] == ["bruno"]
        history = client.get(f"/api/pagos/ana/{pago_id}/eventos").json()
        assert [event["type"] for event in history] == ["PagoCreado", "PagoReversado"]


def test_data_survives_restart(server: ServerProcess) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        created = [
            client.post("/api/pagos", json={"clienteId": "carla", "monto": str(n), "metodoPago": "efectivo"}).json()
            for n in range(1, 6)
        ]
        client.post(f"/api/pagos/carla/{created[0]['pagoId']}/reversion", json={"motivo": "error"})
        before = wait_for_list(client, "carla", 5, lambda items: any(item["estado"] == "Reversado" for item in items))

    server.stop()
    log = server.log_path.read_text()
    assert "outbox relay stopped" in log
    assert "pagos API stopped" in log
    server.start()

    with httpx.Client(base_url=server.url, timeout=10) as client:
        after = wait_for_list(client, "carla", 5)
        history = client.get(f"/api/pagos/carla/{created[0]['pagoId']}/eventos").json()

    assert after == before
    assert {item["pagoId"] for item in after} == {pago["pagoId"] for pago in created}
    assert [event["type"] for event in history] == ["PagoCreado", "PagoReversado"]


def test_events_committed_before_stop_are_projected_after_restart(server: ServerProcess) -> None:
    # Payments accepted just before SIGTERM are in the outbox; the next start delivers them.
    with httpx.Client(base_url=server.url, timeout=10) as client:
        ids = [
            client.post("/api/pagos", json={"clienteId": "dario", "monto": "10", "metodoPago": "efectivo"}).json()["pagoId"]
            for _ in range(20)
        ]
    server.stop()
    server.start()

    with httpx.Client(base_url=server.url, timeout=10) as client:
        listed = wait_for_list(client, "dario", 20)

    assert {item["pagoId"] for item in listed} == set(ids)


def test_one_key_twenty_concurrent_posts_then_restart(server: ServerProcess) -> None:
    body = {"clienteId": "elena", "monto": "42.00", "metodoPago": "transferencia"}

    def post(_: int) -> httpx.Response:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            return client.post("/api/pagos", json=body, headers={"Idempotency-Key": "pedido-elena-1"})

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(post, range(20)))

    assert {response.status_code for response in responses} == {201}
    assert len({response.json()["pagoId"] for response in responses}) == 1
    first = next(response for response in responses if "idempotent-replayed" not in response.headers)

    server.stop()
    server.start()

    with httpx.Client(base_url=server.url, timeout=10) as client:
        replay = client.post("/api/pagos", json=body, headers={"Idempotency-Key": "pedido-elena-1"})
        listed = wait_for_list(client, "elena", 1)

    assert replay.status_code == 201
    assert replay.json() == first.json()
    assert replay.headers["idempotent-replayed"] == "true"
    assert [item["pagoId"] for item in listed] == [first.json()["pagoId"]]


def test_fifty_concurrent_reversals_one_event(server: ServerProcess) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        pago_id = client.post("/api/pagos", json={"clienteId": "fabio", "monto": "9", "metodoPago": "efectivo"}).json()[
            "pagoId"
        ]

    def reverse(number: int) -> int:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            return client.post(f"/api/pagos/fabio/{pago_id}/reversion", json={"motivo": f"intento {number}"}).status_code

    with ThreadPoolExecutor(max_workers=25) as pool:
        statuses = list(pool.map(reverse, range(50)))

    with httpx.Client(base_url=server.url, timeout=10) as client:
        history = client.get(f"/api/pagos/fabio/{pago_id}/eventos").json()

    assert statuses.count(200) == 1
    assert statuses.count(409) == 49
    assert [event["type"] for event in history] == ["PagoCreado", "PagoReversado"]


def test_rebuild_while_serving_then_verify(server: ServerProcess) -> None:
    # The embedded default, even when the shell has the real services' variables.
    env = {
        "Pagos__DataDir": str(server.data_dir),
        "ConnectionStrings__SQL": "",
        "ConnectionStrings__MongoDB": "",
        "Kafka__BootstrapServers": "",
    }
    with httpx.Client(base_url=server.url, timeout=10) as client:
        ids = {
            client.post("/api/pagos", json={"clienteId": "gala", "monto": str(n), "metodoPago": "efectivo"}).json()["pagoId"]
            for n in range(1, 41)
        }
        wait_for_list(client, "gala", 40)
    statuses: list[int] = []
    counts: list[int] = []
    stop = threading.Event()

    def read_continuously() -> None:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            while not stop.is_set() and len(statuses) < 2000:
                response = client.get("/api/pagos/gala", params={"limit": 100})
                statuses.append(response.status_code)
                counts.append(len(response.json()["items"]))

    reader = threading.Thread(target=read_continuously)
    reader.start()
    try:
        rebuild = run_pagos(["rebuild-read-model"], env)
    finally:
        stop.set()
        reader.join(timeout=30)
    verify = run_pagos(["verify", "--wait", "10"], env)

    assert rebuild.returncode == 0, rebuild.stderr
    assert "queries now read it" in rebuild.stdout
    assert statuses and set(statuses) == {200}
    assert set(counts) == {40}
    assert verify.returncode == 0, verify.stdout
    assert "payments checked: 40" in verify.stdout
    with httpx.Client(base_url=server.url, timeout=10) as client:
        assert {item["pagoId"] for item in client.get("/api/pagos/gala", params={"limit": 100}).json()["items"]} == ids
