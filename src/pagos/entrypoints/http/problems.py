"""RFC 9457 problem details for every error, in Spanish or English."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from pagos.domain.errors import DomainError
from pagos.entrypoints.http.jsonbody import REPEATED_KEY_PREFIX
from pagos.entrypoints.http.messages import choose_language, render
from pagos.infrastructure.errors import is_unavailable

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
RETRY_AFTER_SECONDS = 5

# Expected types named in messages about a field of the wrong JSON type.
_EXPECTED_TYPES = {
    "clienteId": ("un texto", "a string"),
    "metodoPago": ("un texto", "a string"),
    "moneda": ("un texto de tres letras", "a three-letter string"),
    "motivo": ("un texto", "a string"),
    "monto": ("un número o un texto decimal", "a number or a decimal string"),
}


class ProblemError(Exception):
    """An HTTP-level error with a catalog code, raised by routes and dependencies."""

    def __init__(self, code: str, *, field: str | None = None, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.field = field
        self.params = params


def problem_response(
    request: Request,
    code: str,
    *,
    field: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    status: int | None = None,
    **params: Any,
) -> JSONResponse:
    """Build a problem+json response for ``code`` in the request's language.

    ``status`` overrides the catalog's status, for generic codes such as ``error_http``.
    """
    language = choose_language(request.headers.get("accept-language"))
    catalog_status, title, detail = render(code, language, {"field": field, "status": status, **params})
    status = status or catalog_status
    body: dict[str, Any] = {
        "type": f"urn:pagos:problema:{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "code": code,
    }
    if field is not None:
        body["field"] = field
    if errors:
        body["errors"] = [
            {"field": item["field"], "code": item["code"], "detail": render(item["code"], language, item)[2]}
            for item in errors
        ]
    correlation_id = getattr(request.state, "correlation_id", None)
    if correlation_id:
        body["correlationId"] = correlation_id
    headers = {"Content-Language": language, "Vary": "Accept-Language"}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def install_problem_handlers(app: FastAPI) -> None:
    """Map every error a request can raise to a problem response."""

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, error: DomainError) -> JSONResponse:
        return problem_response(request, error.code, field=error.field, **error.params)

    @app.exception_handler(ProblemError)
    async def problem_error(request: Request, error: ProblemError) -> JSONResponse:
        return problem_response(request, error.code, field=error.field, **error.params)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
        items = _translate_validation_errors(error.errors())
        params = {key: value for key, value in items[0].items() if key != "code"}
        return problem_response(request, items[0]["code"], errors=items if len(items) > 1 else None, **params)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 404:
            return problem_response(request, "ruta_no_encontrada", path=request.url.path)
        if error.status_code == 405:
            response = problem_response(request, "metodo_no_permitido", path=request.url.path, method=request.method)
            response.headers.update(error.headers or {})  # Starlette's Allow header, required with 405
            return response
        if error.status_code == 415:
            return problem_response(request, "tipo_de_contenido_no_soportado")
        return problem_response(request, "error_http", status=error.status_code)

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, error: Exception) -> JSONResponse:
        correlation_id = getattr(request.state, "correlation_id", "-")
        if is_unavailable(error):
            logger.error(
                "%s %s failed because a store is unavailable, correlation id %s: %r",
                request.method, request.url.path, correlation_id, error,
            )
            response = problem_response(request, "servicio_no_disponible", correlation_id=correlation_id)
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        logger.exception("unhandled error on %s %s, correlation id %s", request.method, request.url.path, correlation_id)
        return problem_response(request, "error_interno", correlation_id=correlation_id)


def _translate_validation_errors(raw_errors: Any) -> list[dict[str, Any]]:
    """Turn pydantic's errors into catalog codes, one per field, in request order."""
    items: list[dict[str, Any]] = []
    seen: set[str | None] = set()
    for raw in raw_errors:
        item = _translate_one(raw)
        if item["field"] in seen:
            continue  # a union reports one error per member; the first one is enough
        seen.add(item["field"])
        items.append(item)
    return items or [{"field": None, "code": "cuerpo_invalido"}]


def _translate_one(raw: dict[str, Any]) -> dict[str, Any]:
    kind = raw.get("type", "")
    location = [part for part in raw.get("loc", ()) if isinstance(part, str)]
    field = location[1] if len(location) > 1 else None
    if kind == "json_invalid":
        error = str(raw.get("ctx", {}).get("error", ""))
        if error.startswith(REPEATED_KEY_PREFIX):
            return {"field": error.removeprefix(REPEATED_KEY_PREFIX), "code": "json_clave_repetida"}
        position = raw.get("loc", ("body", 0))[-1]
        return {"field": None, "code": "json_invalido", "posicion": position if isinstance(position, int) else 0}
    if field is None:
        return {"field": None, "code": "cuerpo_vacio" if kind == "missing" else "cuerpo_invalido"}
    if kind == "missing":
        return {"field": field, "code": "campo_requerido"}
    if kind == "extra_forbidden":
        return {"field": field, "code": "campo_desconocido"}
    if field == "pagoId" and kind.startswith("uuid"):
        return {"field": field, "code": "pago_id_invalido"}
    if kind in {"greater_than_equal", "greater_than"}:
        return {"field": field, "code": "valor_menor_que_minimo", "minimo": raw.get("ctx", {}).get("ge", raw.get("ctx", {}).get("gt"))}
    if kind in {"less_than_equal", "less_than"}:
        return {"field": field, "code": "valor_mayor_que_maximo", "maximo": raw.get("ctx", {}).get("le", raw.get("ctx", {}).get("lt"))}
    if kind in {"enum", "literal_error"}:
        expected = str(raw.get("ctx", {}).get("expected", ""))
        return {"field": field, "code": "valor_no_permitido", "permitidos": expected.replace("'", "").replace(" or ", ", ")}
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return {"field": field, "code": "tipo_invalido", "esperado_es": "un número entero", "esperado_en": "an integer"}
    if kind.endswith("_type") or kind in {"is_instance_of", "union_tag_invalid"}:
        expected_es, expected_en = _EXPECTED_TYPES.get(field, ("un valor del tipo documentado", "a value of the documented type"))
        return {"field": field, "code": "tipo_invalido", "esperado_es": expected_es, "esperado_en": expected_en}
    return {"field": field, "code": "valor_invalido", "error": raw.get("msg", kind)}
