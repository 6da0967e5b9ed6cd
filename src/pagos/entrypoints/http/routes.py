"""Routes of the payments API: validate, build the command or query, dispatch, map the result."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Annotated, Any, Literal
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from pagos.application.commands import CommandResult, CrearPago, ReversarPago
from pagos.bootstrap import Container
from pagos.entrypoints.http.jsonbody import ExactJsonRoute
from pagos.entrypoints.http.problems import PROBLEM_JSON, ProblemError
from pagos.entrypoints.http.schemas import (
    CLIENTE_ID_PATTERN,
    CrearPagoRequest,
    EventoResponse,
    HealthResponse,
    PagoPageResponse,
    PagoResponse,
    Problem,
    ReversarPagoRequest,
)

logger = logging.getLogger(__name__)

HEALTH_TIMEOUT_SECONDS = 2.0


def _problem(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description, "content": {PROBLEM_JSON: {}}}


COMMON_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _problem("Malformed JSON or an invalid cursor"),
    422: _problem("A field or parameter breaks a rule; the body names it"),
    503: _problem("A store does not respond; retry after the Retry-After seconds"),
}
BODY_ERRORS: dict[int | str, dict[str, Any]] = {
    **COMMON_ERRORS,
    400: _problem("Malformed JSON, or an empty, too long or non-ASCII Idempotency-Key"),
    413: _problem("Body over the size limit"),
    415: _problem("Content-Type is not application/json"),
    422: _problem("A field breaks a rule, or the Idempotency-Key was used for a different request"),
}


def get_container(request: Request) -> Container:
    return request.app.state.container


def require_json(request: Request) -> None:
    """Reject with 415 a body that is not declared as JSON, or declared in a charset other than UTF-8."""
    media_type, _, parameters = request.headers.get("content-type", "").partition(";")
    media_type = media_type.strip().lower()
    if media_type != "application/json" and not (media_type.startswith("application/") and media_type.endswith("+json")):
        raise ProblemError("tipo_de_contenido_no_soportado")
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in {"utf-8", "utf8"}:
            raise ProblemError("tipo_de_contenido_no_soportado")


def only_query_parameters(*allowed: str) -> Any:
    """Build a dependency that rejects with 422 any query parameter but ``allowed``, such as a misspelt filter."""

    def reject_unknown(request: Request) -> None:
        for name in request.query_params:
            if name not in allowed:
                raise ProblemError("parametro_desconocido", field=name, permitidos=", ".join(allowed) or "-")
            if len(request.query_params.getlist(name)) > 1:
                raise ProblemError("parametro_repetido", field=name)

    return Depends(reject_unknown)


NO_QUERY = only_query_parameters()


IDEMPOTENCY_KEY_MAX = 255
_VISIBLE_ASCII = re.compile(r"[\x21-\x7e]+")


def idempotency_key(
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="Unique key of this request, 1 to 255 visible ASCII characters. A retry with the same key "
            "and body returns the first response; with another body it is rejected. Keys are kept 24 hours per client.",
        ),
    ] = None,
) -> str | None:
    """Return the request's Idempotency-Key, or raise 400 for an empty, too long or non-ASCII one."""
    if key is None:
        return None
    value = key.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]  # the header may be sent as a structured-field string
    if not value or len(value) > IDEMPOTENCY_KEY_MAX or not _VISIBLE_ASCII.fullmatch(value):
        raise ProblemError("idempotency_key_invalida", field="Idempotency-Key", maximo=IDEMPOTENCY_KEY_MAX)
    return value


ContainerDep = Annotated[Container, Depends(get_container)]
IdempotencyKeyDep = Annotated[str | None, Depends(idempotency_key)]
ClienteIdPath = Annotated[
    str,
    Path(
        description="Client id as sent on creation; percent-encode reserved characters",
        json_schema_extra={"minLength": 1, "maxLength": 64, "pattern": CLIENTE_ID_PATTERN},
    ),
]
PagoIdPath = Annotated[UUID, Path(description="Payment id returned on creation")]

router = APIRouter(prefix="/api/pagos", route_class=ExactJsonRoute, tags=["pagos"])


@router.post(
    "",
    status_code=201,
    response_model=PagoResponse,
    dependencies=[NO_QUERY, Depends(require_json)],
    responses=BODY_ERRORS,
    summary="Create a payment",
)
async def crear_pago(
    body: CrearPagoRequest, request: Request, response: Response, container: ContainerDep, key: IdempotencyKeyDep
) -> PagoResponse:
    """Validate the payment against the domain rules, store its PagoCreado event and publish it through the outbox.

    With an Idempotency-Key, a retry of the same request returns the first response
    (with `Idempotent-Replayed: true`) and creates nothing.
    """
    result = await container.commands.crear_pago(
        CrearPago(
            cliente_id=body.clienteId,
            monto=body.monto,
            metodo_pago=body.metodoPago,
            moneda=body.moneda,
            correlation_id=request.state.correlation_id,
            idempotency_key=key,
        )
    )
    response.headers["Location"] = _pago_location(result.view.cliente_id, result.view.pago_id)
    return _command_response(result, response)


@router.get(
    "/{clienteId}",
    response_model=PagoPageResponse,
    dependencies=[only_query_parameters("limit", "cursor", "estado")],
    responses=COMMON_ERRORS,
    summary="List a client's payments",
)
async def listar_pagos(
    clienteId: ClienteIdPath,
    container: ContainerDep,
    limit: Annotated[int, Query(ge=1, le=100, description="Page size")] = 20,
    cursor: Annotated[str | None, Query(max_length=200, description="nextCursor of the previous page")] = None,
    estado: Annotated[Literal["Procesado", "Reversado"] | None, Query(description="Only payments in this state")] = None,
) -> PagoPageResponse:
    """List a client's payments from the read model, newest first. The read model trails the event store by the relay's delay."""
    page = await container.queries.listar_pagos(clienteId, limit, cursor, estado)
    return PagoPageResponse.from_page(page)


@router.get(
    "/{clienteId}/{pagoId}",
    response_model=PagoResponse,
    dependencies=[NO_QUERY],
    responses={**COMMON_ERRORS, 404: _problem("No such payment for this client")},
    summary="Get one payment",
)
async def obtener_pago(clienteId: ClienteIdPath, pagoId: PagoIdPath, container: ContainerDep) -> PagoResponse:
    """Return a payment's current state, rebuilt from the event store, so it is always up to date."""
    return PagoResponse.from_view(await container.queries.obtener_pago(clienteId, pagoId))


@router.get(
    "/{clienteId}/{pagoId}/eventos",
    response_model=list[EventoResponse],
    dependencies=[NO_QUERY],
    responses={**COMMON_ERRORS, 404: _problem("No such payment for this client")},
    summary="Get a payment's event history",
)
async def historial_pago(clienteId: ClienteIdPath, pagoId: PagoIdPath, container: ContainerDep) -> list[EventoResponse]:
    """Return every event of the payment in version order: its audit trail."""
    return [EventoResponse.from_event(event) for event in await container.queries.historial(clienteId, pagoId)]


@router.post(
    "/{clienteId}/{pagoId}/reversion",
    response_model=PagoResponse,
    dependencies=[NO_QUERY, Depends(require_json)],
    responses={
        **BODY_ERRORS,
        404: _problem("No such payment for this client"),
        409: _problem("The payment was already reversed, or changed concurrently"),
    },
    summary="Reverse a payment",
)
async def reversar_pago(
    clienteId: ClienteIdPath,
    pagoId: PagoIdPath,
    body: ReversarPagoRequest,
    request: Request,
    response: Response,
    container: ContainerDep,
    key: IdempotencyKeyDep,
) -> PagoResponse:
    """Reverse a processed payment once. A second reversal gets 409, except a retry with the same Idempotency-Key."""
    result = await container.commands.reversar_pago(
        ReversarPago(
            pago_id=pagoId,
            cliente_id=clienteId,
            motivo=body.motivo,
            correlation_id=request.state.correlation_id,
            idempotency_key=key,
        )
    )
    return _command_response(result, response)


health_router = APIRouter(tags=["health"])


@health_router.get("/health", response_model=HealthResponse, responses={503: {"model": HealthResponse}})
async def health(container: ContainerDep) -> Any:
    """Report liveness and whether the event store and the read model respond."""
    checks = {
        "eventStore": await _check(container.event_store.ping(), "event store"),
        "readModel": await _check(container.read_model.ping(), "read model"),
    }
    healthy = all(value == "ok" for value in checks.values())
    body = HealthResponse(status="ok" if healthy else "degraded", checks=checks)
    return body if healthy else JSONResponse(body.model_dump(), status_code=503)


@health_router.head("/health", include_in_schema=False)
async def health_head(container: ContainerDep) -> Response:
    """Report health to monitors that probe with HEAD: 200 when every store responds, else 503."""
    healthy = await _check(container.event_store.ping(), "event store") == "ok" and (
        await _check(container.read_model.ping(), "read model") == "ok"
    )
    return Response(status_code=200 if healthy else 503)


async def _check(ping: Any, name: str) -> str:
    try:
        await asyncio.wait_for(ping, HEALTH_TIMEOUT_SECONDS)
    except Exception as error:
        logger.warning("health check: %s does not respond: %s", name, error)
        return "unavailable"
    return "ok"


def _command_response(result: CommandResult, response: Response) -> PagoResponse:
    response.status_code = result.status
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return PagoResponse.from_view(result.view)


def _pago_location(cliente_id: str, pago_id: UUID) -> str:
    return f"/api/pagos/{quote(cliente_id, safe='')}/{pago_id}"
