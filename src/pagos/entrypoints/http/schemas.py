"""Request and response bodies of the HTTP API, with their OpenAPI examples."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, Strict, StrictStr, WithJsonSchema

from pagos.application.views import PagoPage, PagoView
from pagos.domain.events import DomainEvent

# Characters a client id may not contain, as far as a JSON Schema pattern can express them:
# C0 and C1 controls, DEL, '/' and the common invisible format characters. The
# service checks the full rule (every control, format and unassigned character).
CLIENTE_ID_PATTERN = r"^[^\u0000-\u001f\u007f-\u009f/\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]+$"

# The body parser turns every JSON number into a Decimal, so a strict Decimal is
# a JSON number here and a string is validated by the domain, digit by digit.
MontoInput = Annotated[
    Annotated[Decimal, Strict()] | StrictStr,
    WithJsonSchema(
        {
            "oneOf": [
                {"type": "number", "exclusiveMinimum": 0},
                {"type": "string", "pattern": r"^\s*-?[0-9]+(\.[0-9]+)?\s*$", "maxLength": 40},
            ],
            "description": "Amount greater than 0, with at most the currency's decimals; a string keeps every digit.",
            "examples": ["150.00", 80],
        }
    ),
]


class CrearPagoRequest(BaseModel):
    """A new payment. Unknown fields are rejected so that a misspelt field is never silently ignored."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"clienteId": "cliente-001", "monto": "150.00", "metodoPago": "tarjeta"},
                {"clienteId": "cliente-002", "monto": 80, "metodoPago": "efectivo", "moneda": "MXN"},
            ]
        },
    )

    clienteId: StrictStr = Field(
        description="Client id, 1 to 64 letters, digits, spaces and - _ . @ : + #, in one of the look-alike alphabets "
        "(Latin, Cyrillic, Greek); trimmed and NFC-normalized",
        json_schema_extra={"minLength": 1, "maxLength": 64, "pattern": CLIENTE_ID_PATTERN},
    )
    monto: MontoInput
    metodoPago: StrictStr = Field(description="tarjeta, efectivo or transferencia, in any case")
    moneda: StrictStr | None = Field(
        default=None, description="ISO 4217 code in any case; the configured default when absent or null"
    )


class ReversarPagoRequest(BaseModel):
    """The reason for reversing a payment."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"motivo": "Cobro duplicado"}]})

    motivo: StrictStr = Field(
        description="Reason for the reversal, 1 to 500 characters", json_schema_extra={"minLength": 1, "maxLength": 500}
    )


class PagoResponse(BaseModel):
    """A payment as clients see it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "pagoId": "3f2b8c1e-5a4d-4c6b-9e7f-1a2b3c4d5e6f",
                    "clienteId": "cliente-001",
                    "monto": "150.00",
                    "moneda": "USD",
                    "metodoPago": "tarjeta",
                    "estado": "Procesado",
                    "fechaPago": "2026-12-04T10:15:30.123456Z",
                    "version": 1,
                    "motivoReversion": None,
                    "fechaReversion": None,
                }
            ]
        }
    )

    pagoId: UUID
    clienteId: str
    monto: str = Field(description="Exact amount with the currency's decimals, never in exponent notation")
    moneda: str
    metodoPago: str
    estado: str = Field(description="Procesado or Reversado")
    fechaPago: datetime
    version: int = Field(description="Version of the last event applied to this payment")
    motivoReversion: str | None = None
    fechaReversion: datetime | None = None

    @classmethod
    def from_view(cls, view: PagoView) -> PagoResponse:
        return cls(
            pagoId=view.pago_id,
            clienteId=view.cliente_id,
            monto=format(view.monto, "f"),
            moneda=view.moneda,
            metodoPago=view.metodo_pago,
            estado=view.estado,
            fechaPago=view.fecha_pago,
            version=view.version,
            motivoReversion=view.motivo_reversion,
            fechaReversion=view.fecha_reversion,
        )


class PagoPageResponse(BaseModel):
    """One page of a client's payments, newest first."""

    items: list[PagoResponse]
    nextCursor: str | None = Field(description="Pass as ?cursor= to get the next page; null on the last page")

    @classmethod
    def from_page(cls, page: PagoPage) -> PagoPageResponse:
        return cls(items=[PagoResponse.from_view(view) for view in page.items], nextCursor=page.next_cursor)


class EventoResponse(BaseModel):
    """One stored event of a payment's history."""

    eventId: UUID
    type: str = Field(description="PagoCreado or PagoReversado")
    streamId: UUID
    version: int
    occurredAt: datetime
    data: dict[str, Any]
    metadata: dict[str, str]

    @classmethod
    def from_event(cls, event: DomainEvent) -> EventoResponse:
        return cls(
            eventId=event.event_id,
            type=event.type_name,
            streamId=event.stream_id,
            version=event.version,
            occurredAt=event.occurred_at,
            data=event.data(),
            metadata=event.metadata,
        )


class ProblemDetail(BaseModel):
    """One field's error when a request has several."""

    field: str | None
    code: str
    detail: str


class Problem(BaseModel):
    """An RFC 9457 problem detail."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "urn:pagos:problema:monto_no_positivo",
                    "title": "Monto no positivo",
                    "status": 422,
                    "detail": "El campo monto debe ser mayor que 0; se recibió 0.",
                    "instance": "/api/pagos",
                    "code": "monto_no_positivo",
                    "field": "monto",
                }
            ]
        }
    )

    type: str
    title: str
    status: int
    detail: str
    instance: str
    code: str = Field(description="Stable machine-readable error code")
    field: str | None = Field(default=None, description="Field at fault, when there is one")
    errors: list[ProblemDetail] | None = None
    correlationId: str | None = None


class HealthResponse(BaseModel):
    """Liveness and whether each store responds."""

    status: str = Field(description="ok, or degraded when a store does not respond")
    checks: dict[str, str]
