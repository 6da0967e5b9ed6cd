"""HTTP API on the embedded default: routes, validation and problem bodies in both languages."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from pagos.config import Settings
from tests.integration.conftest import stored_event_count

JSON = {"Content-Type": "application/json"}
ENGLISH = {**JSON, "Accept-Language": "en"}




def create(client: TestClient, **body: object) -> dict:
    response = client.post("/api/pagos", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def drain(client: TestClient) -> None:
    container = client.app.state.container  # type: ignore[attr-defined]
    client.portal.call(container.relay.drain)  # type: ignore[union-attr]


def test_create_returns_payment_and_location(client: TestClient) -> None:
    response = client.post("/api/pagos", json={"clienteId": "ana", "monto": "150.1", "metodoPago": "Tarjeta"})

    assert response.status_code == 201
    body = response.json()
    assert body["monto"] == "150.10"
    assert body["moneda"] == "USD"
    assert body["metodoPago"] == "tarjeta"
    assert body["estado"] == "Procesado"
    assert body["version"] == 1
    assert body["fechaPago"].endswith("Z")
    assert response.headers["location"] == f"/api/pagos/ana/{body['pagoId']}"


def test_number_amount_read_exactly(client: TestClient) -> None:
    raw = b'{"clienteId": "ana", "monto": 100.10, "metodoPago": "tarjeta"}'

    response = client.post("/api/pagos", content=raw, headers=JSON)

    assert response.status_code == 201
    assert response.json()["monto"] == "100.10"


def test_currency_minor_units(client: TestClient) -> None:
    yen = create(client, clienteId="ana", monto=5000, metodoPago="tarjeta", moneda="jpy")
    dinar = create(client, clienteId="ana", monto="12.345", metodoPago="efectivo", moneda="KWD")

    assert yen["monto"] == "5000"
    assert yen["moneda"] == "JPY"
    assert dinar["monto"] == "12.345"


def test_full_flow_list_reverse_history(client: TestClient) -> None:
    pago = create(client, clienteId="ana", monto="80", metodoPago="efectivo")
    create(client, clienteId="bruno", monto="250", metodoPago="tarjeta")
    url = f"/api/pagos/ana/{pago['pagoId']}"

    reversed_response = client.post(f"{url}/reversion", json={"motivo": "Cobro duplicado"})
    second = client.post(f"{url}/reversion", json={"motivo": "otra vez"})
    drain(client)
    listed = client.get("/api/pagos/ana").json()
    history = client.get(f"{url}/eventos").json()
    state = client.get(url).json()

    assert reversed_response.status_code == 200
    assert reversed_response.json()["estado"] == "Reversado"
    assert second.status_code == 409
    assert second.json()["code"] == "pago_ya_reversado"
    assert [item["estado"] for item in listed["items"]] == ["Reversado"]
    assert [event["type"] for event in history] == ["PagoCreado", "PagoReversado"]
    assert [event["version"] for event in history] == [1, 2]
    assert history[1]["data"]["motivo"] == "Cobro duplicado"
    assert state["estado"] == "Reversado"
    assert state["version"] == 2


def test_list_pagination_and_filter(client: TestClient) -> None:
    ids = [create(client, clienteId="carla", monto=str(10 + n), metodoPago="efectivo")["pagoId"] for n in range(5)]
    client.post(f"/api/pagos/carla/{ids[0]}/reversion", json={"motivo": "error"})
    drain(client)

    first = client.get("/api/pagos/carla", params={"limit": 3}).json()
    second = client.get("/api/pagos/carla", params={"limit": 3, "cursor": first["nextCursor"]}).json()
    reversed_only = client.get("/api/pagos/carla", params={"estado": "Reversado"}).json()

    assert [item["pagoId"] for item in first["items"] + second["items"]] == list(reversed(ids))
    assert second["nextCursor"] is None
    assert [item["pagoId"] for item in reversed_only["items"]] == [ids[0]]


def test_client_id_normalized_in_body_and_path(client: TestClient) -> None:
    create(client, clienteId="  Jose\u0301 ", monto="20", metodoPago="efectivo")
    drain(client)

    listed = client.get("/api/pagos/Jos%C3%A9").json()

    assert [item["clienteId"] for item in listed["items"]] == ["Jos\u00e9"]


def test_unknown_client_lists_nothing(client: TestClient) -> None:
    assert client.get("/api/pagos/nadie").json() == {"items": [], "nextCursor": None}


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"clienteId": "ana", "monto": "150", "metodoPago": "efectivo"}, 422, "metodo_pago_no_permitido_mayor_100", "metodoPago"),
        ({"clienteId": "ana", "monto": "100", "metodoPago": "tarjeta"}, 422, "metodo_pago_no_permitido_hasta_100", "metodoPago"),
        ({"clienteId": "ana", "monto": 0, "metodoPago": "efectivo"}, 422, "monto_no_positivo", "monto"),
        ({"clienteId": "ana", "monto": -5, "metodoPago": "efectivo"}, 422, "monto_no_positivo", "monto"),
        ({"clienteId": "ana", "monto": "1.001", "metodoPago": "efectivo"}, 422, "monto_demasiados_decimales", "monto"),
        ({"clienteId": "ana", "monto": "10", "metodoPago": "efectivo", "moneda": "XYZ"}, 422, "moneda_desconocida", "moneda"),
        ({"clienteId": "ana", "monto": "10", "metodoPago": "efectivo", "moneda": "DEM"}, 422, "moneda_desconocida", "moneda"),
        ({"clienteId": "ana", "monto": "10", "metodoPago": "efectivo", "moneda": "US"}, 422, "moneda_invalida", "moneda"),
        ({"clienteId": "ana", "monto": "10", "metodoPago": "cheque"}, 422, "metodo_pago_invalido", "metodoPago"),
        ({"clienteId": "", "monto": "10", "metodoPago": "efectivo"}, 422, "cliente_id_vacio", "clienteId"),
        ({"clienteId": "a\u0000b", "monto": "10", "metodoPago": "efectivo"}, 422, "cliente_id_caracter_invalido", "clienteId"),
        ({"clienteId": "a\u0007b", "monto": "10", "metodoPago": "efectivo"}, 422, "cliente_id_caracter_invalido", "clienteId"),
        ({"clienteId": {"$ne": None}, "monto": "10", "metodoPago": "efectivo"}, 422, "tipo_invalido", "clienteId"),
        ({"clienteId": ["ana"], "monto": "10", "metodoPago": "efectivo"}, 422, "tipo_invalido", "clienteId"),
        ({"clienteId": "ana", "monto": True, "metodoPago": "efectivo"}, 422, "tipo_invalido", "monto"),
        ({"clienteId": "ana", "monto": None, "metodoPago": "efectivo"}, 422, "tipo_invalido", "monto"),
        ({"monto": "10", "metodoPago": "efectivo"}, 422, "campo_requerido", "clienteId"),
        ({"clienteId": "ana", "monto": "10", "metodoPago": "efectivo", "extra": 1}, 422, "campo_desconocido", "extra"),
        ({"clienteId": "x'; DROP TABLE events; --", "monto": "10", "metodoPago": "efectivo"}, 422, "cliente_id_caracter_invalido", "clienteId"),
        ({"clienteId": "ana", "monto": "10", "metodoPago": "efectivo", "moneda": "USD'--"}, 422, "moneda_invalida", "moneda"),
        ({"clienteId": "ana", "monto": "10 OR 1=1", "metodoPago": "efectivo"}, 422, "monto_invalido", "monto"),
        ({"clienteId": "ana", "monto": "10", "metodoPago": "efectivo' OR '1'='1"}, 422, "metodo_pago_invalido", "metodoPago"),
        ({"clienteId": "аna", "monto": "10", "metodoPago": "efectivo"}, 422, "cliente_id_alfabetos_mezclados", "clienteId"),
        ({"clienteId": "ａｎａ", "monto": "10", "metodoPago": "efectivo"}, 422, "cliente_id_no_canonico", "clienteId"),
        ({"clienteId": "ana\u202e", "monto": "10", "metodoPago": "efectivo"}, 422, "cliente_id_caracter_invalido", "clienteId"),
        ({"clienteId": "ana", "monto": {"$gt": 0}, "metodoPago": "efectivo"}, 422, "tipo_invalido", "monto"),
        ({"clienteId": "ana", "monto": "10", "metodoPago": ["efectivo"]}, 422, "tipo_invalido", "metodoPago"),
        ({"clienteId": "ana", "monto": "10", "metodoPago": "efectivo", "$where": "1"}, 422, "campo_desconocido", "$where"),
    ],
)
def test_rejected_body_stores_nothing(client: TestClient, body: dict, status: int, code: str, field: str) -> None:
    response = client.post("/api/pagos", json=body)

    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == code
    assert problem["field"] == field
    assert problem["status"] == status
    assert problem["type"] == f"urn:pagos:problema:{code}"
    assert stored_event_count(client) == 0


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b'{"clienteId": "ana", "monto": NaN, "metodoPago": "efectivo"}', "json_invalido"),
        (b'{"clienteId": "ana", "monto": Infinity, "metodoPago": "tarjeta"}', "json_invalido"),
        (b'{"clienteId": "ana", "monto": 10', "json_invalido"),
        (b"[" * 100_00 + b"]" * 100_00, "json_invalido"),
        (b"\xff\xfe", "json_invalido"),
    ],
)
def test_malformed_json_is_400(client: TestClient, settings: Settings, raw: bytes, code: str) -> None:
    response = client.post("/api/pagos", content=raw, headers=JSON)

    assert response.status_code in (400, 413)
    assert response.json()["code"] in (code, "cuerpo_demasiado_grande")
    assert stored_event_count(client) == 0


@pytest.mark.parametrize(
    "raw",
    [
        b'{"clienteId": "ana", "monto": 1e400, "metodoPago": "tarjeta"}',
        b'{"clienteId": "ana", "monto": -0, "metodoPago": "efectivo"}',
        b'{"clienteId": "ana", "monto": 1.000000000000000000000000000001, "metodoPago": "efectivo"}',
        b'{"clienteId": "ana", "monto": "' + b"9" * 39 + b'", "metodoPago": "tarjeta"}',
        b'{"clienteId": "ana", "monto": ' + b"9" * 5000 + b', "metodoPago": "tarjeta"}',
    ],
)
def test_hostile_amounts_are_422(client: TestClient, raw: bytes) -> None:
    response = client.post("/api/pagos", content=raw, headers=JSON)

    assert response.status_code == 422
    assert response.json()["field"] == "monto"
    assert stored_event_count(client) == 0


def test_body_over_limit_is_413(client: TestClient) -> None:
    body = b'{"clienteId": "' + b"a" * 20_000 + b'", "monto": 1, "metodoPago": "efectivo"}'

    response = client.post("/api/pagos", content=body, headers=JSON)

    assert response.status_code == 413
    assert response.json()["code"] == "cuerpo_demasiado_grande"


def test_streamed_body_over_limit_is_413(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b" " * 1024

    response = client.post("/api/pagos", content=chunks(), headers=JSON)

    assert response.status_code == 413
    assert response.json()["code"] == "cuerpo_demasiado_grande"


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded", "application/xml"])
def test_wrong_content_type_is_415(client: TestClient, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}

    response = client.post(
        "/api/pagos", content=b'{"clienteId": "ana", "monto": 10, "metodoPago": "efectivo"}', headers=headers
    )

    assert response.status_code == 415
    assert response.json()["code"] == "tipo_de_contenido_no_soportado"
    assert stored_event_count(client) == 0


def test_messages_in_spanish_by_default(client: TestClient) -> None:
    response = client.post("/api/pagos", json={"clienteId": "ana", "monto": "150", "metodoPago": "efectivo"})

    problem = response.json()
    assert response.headers["content-language"] == "es"
    assert problem["title"] == "Método de pago no permitido"
    assert "solo puede pagarse con tarjeta" in problem["detail"]


def test_messages_in_english_on_request(client: TestClient) -> None:
    response = client.post(
        "/api/pagos",
        json={"clienteId": "ana", "monto": "150", "metodoPago": "efectivo"},
        headers={"Accept-Language": "en-US,en;q=0.9,es;q=0.5"},
    )

    problem = response.json()
    assert response.headers["content-language"] == "en"
    assert problem["title"] == "Payment method not allowed"
    assert "can only be paid by tarjeta" in problem["detail"]


def test_spanish_when_it_ranks_higher(client: TestClient) -> None:
    response = client.get("/api/pagos/ana/no-es-uuid", headers={"Accept-Language": "es;q=0.9, en;q=0.2"})

    assert response.headers["content-language"] == "es"
    assert response.json()["code"] == "pago_id_invalido"


def test_every_code_in_both_languages() -> None:
    from pagos.entrypoints.http.messages import CATALOG

    for code, (_, texts) in CATALOG.items():
        assert set(texts) == {"es", "en"}, code
        assert texts["es"] != texts["en"], code


def test_unknown_payment_is_404(client: TestClient) -> None:
    pago_id = uuid4()

    for path in (f"/api/pagos/ana/{pago_id}", f"/api/pagos/ana/{pago_id}/eventos"):
        response = client.get(path, headers={"Accept-Language": "en"})
        assert response.status_code == 404
        assert response.json()["code"] == "pago_no_encontrado"
    reversal = client.post(f"/api/pagos/ana/{pago_id}/reversion", json={"motivo": "x"})
    assert reversal.status_code == 404


def test_other_clients_payment_is_404(client: TestClient) -> None:
    pago = create(client, clienteId="ana", monto="80", metodoPago="efectivo")

    response = client.get(f"/api/pagos/bruno/{pago['pagoId']}")
    reversal = client.post(f"/api/pagos/bruno/{pago['pagoId']}/reversion", json={"motivo": "x"})

    assert response.status_code == 404
    assert reversal.status_code == 404
    assert client.get(f"/api/pagos/ana/{pago['pagoId']}").json()["estado"] == "Procesado"


@pytest.mark.parametrize(
    ("body", "code"),
    [({}, "campo_requerido"), ({"motivo": ""}, "motivo_vacio"), ({"motivo": 5}, "tipo_invalido"), ({"motivo": "x" * 501}, "motivo_demasiado_largo")],
)
def test_invalid_reversal_reason_stores_nothing(client: TestClient, body: dict, code: str) -> None:
    pago = create(client, clienteId="ana", monto="80", metodoPago="efectivo")

    response = client.post(f"/api/pagos/ana/{pago['pagoId']}/reversion", json=body)

    assert response.status_code == 422
    assert response.json()["code"] == code
    assert stored_event_count(client) == 1


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"limit": 0}, "valor_menor_que_minimo"),
        ({"limit": 101}, "valor_mayor_que_maximo"),
        ({"limit": "diez"}, "tipo_invalido"),
        ({"estado": "Pendiente"}, "valor_no_permitido"),
        ({"cursor": "no-es-un-cursor"}, "cursor_invalido"),
    ],
)
def test_invalid_list_parameters(client: TestClient, params: dict, code: str) -> None:
    response = client.get("/api/pagos/ana", params=params)

    assert response.status_code in (400, 422)
    assert response.json()["code"] == code


def test_unknown_route_and_method(client: TestClient) -> None:
    missing = client.get("/api/nada")
    wrong_method = client.delete("/api/pagos")

    assert missing.status_code == 404
    assert missing.json()["code"] == "ruta_no_encontrada"
    assert wrong_method.status_code == 405
    assert wrong_method.json()["code"] == "metodo_no_permitido"


def test_concurrent_reversals_one_wins(client: TestClient) -> None:
    pago = create(client, clienteId="ana", monto="80", metodoPago="efectivo")
    container = client.app.state.container  # type: ignore[attr-defined]
    from pagos.application.commands import ReversarPago
    from pagos.domain.errors import PagoYaReversado

    async def reverse_many() -> list[object]:
        from uuid import UUID

        command = ReversarPago(pago_id=UUID(pago["pagoId"]), cliente_id="ana", motivo="carrera")
        return await asyncio.gather(*(container.commands.reversar_pago(command) for _ in range(20)), return_exceptions=True)

    results = client.portal.call(reverse_many)  # type: ignore[union-attr]

    rejected = [result for result in results if isinstance(result, Exception)]
    assert len(results) - len(rejected) == 1
    assert all(isinstance(result, PagoYaReversado) for result in rejected)
    history = client.get(f"/api/pagos/ana/{pago['pagoId']}/eventos").json()
    assert [event["type"] for event in history] == ["PagoCreado", "PagoReversado"]


def test_correlation_id_echoed_and_stored(client: TestClient) -> None:
    response = client.post(
        "/api/pagos",
        json={"clienteId": "ana", "monto": "10", "metodoPago": "efectivo"},
        headers={"X-Correlation-Id": "pedido-123"},
    )
    history = client.get(f"/api/pagos/ana/{response.json()['pagoId']}/eventos").json()

    assert response.headers["x-correlation-id"] == "pedido-123"
    assert history[0]["metadata"]["correlationId"] == "pedido-123"


def test_health_reports_stores(client: TestClient) -> None:
    response = client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"eventStore": "ok", "readModel": "ok"}}


def test_openapi_documents_every_route(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]

    assert set(paths) >= {
        "/api/pagos",
        "/api/pagos/{clienteId}",
        "/api/pagos/{clienteId}/{pagoId}",
        "/api/pagos/{clienteId}/{pagoId}/eventos",
        "/api/pagos/{clienteId}/{pagoId}/reversion",
        "/health",
    }
    assert client.get("/docs").status_code == 200


@pytest.mark.parametrize("cliente", [".", ".."])
def test_dot_segment_client_rejected(client: TestClient, cliente: str) -> None:
    response = client.post("/api/pagos", json={"clienteId": cliente, "monto": "10", "metodoPago": "efectivo"})

    assert response.status_code == 422
    assert response.json()["code"] == "cliente_id_reservado"
    assert stored_event_count(client) == 0


def test_repeated_json_key_rejected(client: TestClient) -> None:
    raw = b'{"clienteId": "ana", "monto": "10", "monto": "500", "metodoPago": "tarjeta"}'

    response = client.post("/api/pagos", content=raw, headers=JSON)

    assert response.status_code == 400
    assert response.json()["code"] == "json_clave_repetida"
    assert response.json()["field"] == "monto"
    assert stored_event_count(client) == 0


@pytest.mark.parametrize("query", ["limit=2&limit=3", "estado=Reversado&estado=Procesado"])
def test_repeated_query_parameter_rejected(client: TestClient, query: str) -> None:
    response = client.get(f"/api/pagos/ana?{query}")

    assert response.status_code == 422
    assert response.json()["code"] == "parametro_repetido"
    assert response.json()["field"] == query.split("=")[0]


def test_health_answers_head(client: TestClient) -> None:
    response = client.head("/health")

    assert response.status_code == 200


def test_mixed_alphabets_named_in_each_language(client: TestClient) -> None:
    body = {"clienteId": "аna", "monto": "10", "metodoPago": "efectivo"}

    spanish = client.post("/api/pagos", json=body).json()["detail"]
    english = client.post("/api/pagos", json=body, headers={"Accept-Language": "en"}).json()["detail"]

    assert "cirílico, latino" in spanish
    assert "Cyrillic, Latin" in english


def test_empty_body_is_400(client: TestClient) -> None:
    response = client.post("/api/pagos", content=b"", headers=JSON)

    assert response.status_code == 400
    assert response.json()["code"] == "cuerpo_vacio"


def test_non_utf8_charset_is_415(client: TestClient) -> None:
    response = client.post(
        "/api/pagos",
        content=b'{"clienteId": "ana", "monto": 10, "metodoPago": "efectivo"}',
        headers={"Content-Type": "application/json; charset=latin-1"},
    )

    assert response.status_code == 415


def test_unknown_query_parameter_rejected(client: TestClient) -> None:
    response = client.get("/api/pagos/ana", params={"estatus": "Reversado"})

    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "parametro_desconocido"
    assert problem["field"] == "estatus"
    assert "estado" in problem["detail"]


def test_problem_varies_by_language(client: TestClient) -> None:
    response = client.get("/api/pagos/ana", params={"limit": 0})

    assert response.headers["vary"] == "Accept-Language"


def test_openapi_errors_are_problem_json(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/pagos"]["post"]

    for status in ("400", "413", "415", "422"):
        content = operation["responses"][status]["content"]
        assert set(content) == {"application/problem+json"}, status
        assert content["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
