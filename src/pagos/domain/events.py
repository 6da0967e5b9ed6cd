"""Domain events of the ``Pago`` aggregate.

Events are a public contract: their type names and data keys are read by other
services from Kafka. Add fields only as optional ones; a breaking change gets a
new type name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar
from uuid import UUID


def format_instant(moment: datetime) -> str:
    """Format a UTC datetime as RFC 3339 with a ``Z`` suffix, as the HTTP API does."""
    return moment.isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True, kw_only=True)
class DomainEvent:
    """Envelope fields every event carries, whatever its type."""

    type_name: ClassVar[str]

    event_id: UUID
    stream_id: UUID
    version: int
    occurred_at: datetime
    metadata: dict[str, str] = field(default_factory=dict)

    def data(self) -> dict[str, Any]:
        """Return the event's data as JSON-ready values, with the contract's keys."""
        raise NotImplementedError


@dataclass(frozen=True, slots=True, kw_only=True)
class PagoCreado(DomainEvent):
    """A payment was accepted and processed."""

    type_name: ClassVar[str] = "PagoCreado"

    cliente_id: str
    monto: Decimal
    moneda: str
    metodo_pago: str
    estado: str
    fecha_pago: datetime

    def data(self) -> dict[str, Any]:
        return {
            "pagoId": str(self.stream_id),
            "clienteId": self.cliente_id,
            "monto": format(self.monto, "f"),
            "moneda": self.moneda,
            "metodoPago": self.metodo_pago,
            "estado": self.estado,
            "fechaPago": format_instant(self.fecha_pago),
        }

    @classmethod
    def from_data(cls, data: dict[str, Any], **envelope: Any) -> PagoCreado:
        return cls(
            cliente_id=data["clienteId"],
            monto=Decimal(data["monto"]),
            moneda=data["moneda"],
            metodo_pago=data["metodoPago"],
            estado=data["estado"],
            fecha_pago=datetime.fromisoformat(data["fechaPago"]),
            **envelope,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class PagoReversado(DomainEvent):
    """A processed payment was reversed."""

    type_name: ClassVar[str] = "PagoReversado"

    motivo: str
    fecha_reversion: datetime

    def data(self) -> dict[str, Any]:
        return {
            "pagoId": str(self.stream_id),
            "motivo": self.motivo,
            "estado": "Reversado",
            "fechaReversion": format_instant(self.fecha_reversion),
        }

    @classmethod
    def from_data(cls, data: dict[str, Any], **envelope: Any) -> PagoReversado:
        return cls(
            motivo=data["motivo"],
            fecha_reversion=datetime.fromisoformat(data["fechaReversion"]),
            **envelope,
        )


EVENT_TYPES: dict[str, type[PagoCreado] | type[PagoReversado]] = {
    PagoCreado.type_name: PagoCreado,
    PagoReversado.type_name: PagoReversado,
}


def event_from_data(type_name: str, data: dict[str, Any], **envelope: Any) -> DomainEvent:
    """Rebuild an event of ``type_name`` from its stored data and envelope fields.

    Raises KeyError for an unknown type name.
    """
    return EVENT_TYPES[type_name].from_data(data, **envelope)
