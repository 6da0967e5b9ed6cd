"""Idempotency-Key on creation and reversal, over the HTTP API on the embedded default."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient

from pagos.config import Settings
from pagos.entrypoints.http.app import create_app
from tests.integration.conftest import stored_event_count

BODY = {"clienteId": "ana", "monto": "80", "metodoPago": "efectivo"}


def event_count(client: TestClient) -> int:
    return stored_event_count(client)


def test_retry_returns_first_response(client: TestClient) -> None:
    first = client.post("/api/pagos", json=BODY, headers={"Idempotency-Key": "pedido-1"})
    retry = client.post("/api/pagos", json=BODY, headers={"Idempotency-Key": "pedido-1"})

    assert first.status_code == 201
    assert retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["location"] == first.headers["location"]
    assert retry.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert event_count(client) == 1


def test_same_key_other_body_rejected(client: TestClient) -> None:
    client.post("/api/pagos", json=BODY, headers={"Idempotency-Key": "pedido-2"})

    response = client.post("/api/pagos", json={**BODY, "monto": "81"}, headers={"Idempotency-Key": "pedido-2"})

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reutilizada"
    assert response.json()["field"] == "Idempotency-Key"
    assert event_count(client) == 1


def test_number_and_string_are_different_bodies(client: TestClient) -> None:
    client.post("/api/pagos", json={**BODY, "monto": 80}, headers={"Idempotency-Key": "pedido-3"})

    response = client.post("/api/pagos", json=BODY, headers={"Idempotency-Key": "pedido-3"})

    assert response.status_code == 422


def test_keys_scoped_per_client(client: TestClient) -> None:
    ana = client.post("/api/pagos", json=BODY, headers={"Idempotency-Key": "comun"})
    bruno = client.post("/api/pagos", json={**BODY, "clienteId": "bruno"}, headers={"Idempotency-Key": "comun"})

    assert ana.status_code == bruno.status_code == 201
    assert ana.json()["pagoId"] != bruno.json()["pagoId"]
    assert event_count(client) == 2


def test_client_id_normalized_before_scoping(client: TestClient) -> None:
    first = client.post("/api/pagos", json={**BODY, "clienteId": "ana"}, headers={"Idempotency-Key": "k"})
    padded = client.post("/api/pagos", json={**BODY, "clienteId": " ana "}, headers={"Idempotency-Key": "k"})

    assert first.status_code == 201
    assert padded.status_code == 422  # same client and key, but the body differs as sent


def test_rejected_request_stores_no_key(client: TestClient) -> None:
    rejected = client.post("/api/pagos", json={**BODY, "monto": "0"}, headers={"Idempotency-Key": "pedido-4"})
    fixed = client.post("/api/pagos", json=BODY, headers={"Idempotency-Key": "pedido-4"})

    assert rejected.status_code == 422
    assert fixed.status_code == 201
    assert "idempotent-replayed" not in fixed.headers


@pytest.mark.parametrize("key", ["", "   ", "x" * 256, "clave con espacios", "clavé"])
def test_invalid_key_is_400(client: TestClient, key: str) -> None:
    response = client.post("/api/pagos", json=BODY, headers={"Idempotency-Key": key.encode("utf-8")})

    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_invalida"
    assert event_count(client) == 0


def test_quoted_key_accepted(client: TestClient) -> None:
    first = client.post("/api/pagos", json=BODY, headers={"Idempotency-Key": '"8e03978e-40d5"'})
    retry = client.post("/api/pagos", json=BODY, headers={"Idempotency-Key": "8e03978e-40d5"})

    assert first.status_code == 201
    assert retry.headers["idempotent-replayed"] == "true"


def test_reversal_retry_returns_first_response(client: TestClient) -> None:
    pago = client.post("/api/pagos", json=BODY).json()
    url = f"/api/pagos/ana/{pago['pagoId']}/reversion"

    first = client.post(url, json={"motivo": "duplicado"}, headers={"Idempotency-Key": "rev-1"})
    retry = client.post(url, json={"motivo": "duplicado"}, headers={"Idempotency-Key": "rev-1"})
    other_key = client.post(url, json={"motivo": "duplicado"}, headers={"Idempotency-Key": "rev-2"})

    assert first.status_code == 200
    assert retry.status_code == 200
    assert retry.json() == first.json()
    assert other_key.status_code == 409
    assert event_count(client) == 2


def test_concurrent_requests_one_key_one_payment(client: TestClient) -> None:
    app = client.app

    async def send_all() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://pagos") as concurrent:
            return await asyncio.gather(
                *(concurrent.post("/api/pagos", json=BODY, headers={"Idempotency-Key": "rafaga"}) for _ in range(20))
            )

    responses = client.portal.call(send_all)  # type: ignore[union-attr]

    assert {response.status_code for response in responses} == {201}
    assert len({response.json()["pagoId"] for response in responses}) == 1
    assert sum("idempotent-replayed" in response.headers for response in responses) == 19
    assert event_count(client) == 1


def test_expired_key_can_be_used_again(tmp_path, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    short = settings.model_copy(update={"pagos": settings.pagos.model_copy(update={"idempotency_ttl_hours": 1e-6})})
    with TestClient(create_app(short)) as short_client:
        first = short_client.post("/api/pagos", json=BODY, headers={"Idempotency-Key": "caduca"})
        second = short_client.post("/api/pagos", json=BODY, headers={"Idempotency-Key": "caduca"})
        container = short_client.app.state.container  # type: ignore[attr-defined]
        purged = short_client.portal.call(  # type: ignore[union-attr]
            container.event_store.purge_idempotency_records, datetime.now(UTC) + timedelta(seconds=1)
        )

    assert first.json()["pagoId"] != second.json()["pagoId"]
    assert "idempotent-replayed" not in second.headers
    assert purged == 1
