"""Read-side shapes returned by queries and stored by read models."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from pagos.domain.errors import ValidationError
from pagos.domain.events import DomainEvent, PagoCreado, PagoReversado
from pagos.domain.pago import EstadoPago, Pago


@dataclass(frozen=True, slots=True)
class PagoView:
    """One payment as clients see it, with the version of the last event applied."""

    pago_id: UUID
    cliente_id: str
    monto: Decimal
    moneda: str
    metodo_pago: str
    estado: str
    fecha_pago: datetime
    version: int
    motivo_reversion: str | None = None
    fecha_reversion: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the view as JSON-ready values, for storage next to an idempotency key."""
        return {
            "pagoId": str(self.pago_id),
            "clienteId": self.cliente_id,
            "monto": format(self.monto, "f"),
            "moneda": self.moneda,
            "metodoPago": self.metodo_pago,
            "estado": self.estado,
            "fechaPago": self.fecha_pago.isoformat(),
            "version": self.version,
            "motivoReversion": self.motivo_reversion,
            "fechaReversion": self.fecha_reversion.isoformat() if self.fecha_reversion else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PagoView:
        """Rebuild a view written by ``to_dict``."""
        return cls(
            pago_id=UUID(data["pagoId"]),
            cliente_id=data["clienteId"],
            monto=Decimal(data["monto"]),
            moneda=data["moneda"],
            metodo_pago=data["metodoPago"],
            estado=data["estado"],
            fecha_pago=datetime.fromisoformat(data["fechaPago"]),
            version=data["version"],
            motivo_reversion=data["motivoReversion"],
            fecha_reversion=datetime.fromisoformat(data["fechaReversion"]) if data["fechaReversion"] else None,
        )

    @classmethod
    def from_pago(cls, pago: Pago) -> PagoView:
        if pago.cliente_id is None or pago.monto is None or pago.fecha_pago is None or pago.estado is None:
            raise ValueError(f"payment {pago.id} has no PagoCreado event")
        return cls(
            pago_id=pago.id,
            cliente_id=pago.cliente_id,
            monto=pago.monto,
            moneda=pago.moneda or "",
            metodo_pago=pago.metodo_pago or "",
            estado=pago.estado.value,
            fecha_pago=pago.fecha_pago,
            version=pago.version,
            motivo_reversion=pago.motivo_reversion,
            fecha_reversion=pago.fecha_reversion,
        )


def evolve_view(current: PagoView | None, event: DomainEvent) -> PagoView:
    """Return the view after ``event``; the caller has checked that the version follows."""
    match event:
        case PagoCreado():
            return PagoView(
                pago_id=event.stream_id,
                cliente_id=event.cliente_id,
                monto=event.monto,
                moneda=event.moneda,
                metodo_pago=event.metodo_pago,
                estado=event.estado,
                fecha_pago=event.fecha_pago,
                version=event.version,
            )
        case PagoReversado() if current is not None:
            return replace(
                current,
                estado=EstadoPago.REVERSADO.value,
                motivo_reversion=event.motivo,
                fecha_reversion=event.fecha_reversion,
                version=event.version,
            )
    raise ValueError(f"cannot apply {type(event).__name__} version {event.version} to payment {event.stream_id}")


@dataclass(frozen=True, slots=True)
class ListCursor:
    """Position after the last item of a page: the list is ordered by date, then id, both descending."""

    fecha_pago: datetime
    pago_id: UUID

    def encode(self) -> str:
        raw = json.dumps([self.fecha_pago.isoformat(), str(self.pago_id)]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> ListCursor:
        """Parse a token from ``encode``. Raises ValidationError naming ``cursor``."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            fecha, pago_id = json.loads(raw)
            cursor = cls(fecha_pago=datetime.fromisoformat(fecha), pago_id=UUID(pago_id))
        except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
            raise ValidationError(
                "cursor_invalido", "cursor is not a value returned by a previous page", field="cursor"
            ) from None
        if cursor.fecha_pago.utcoffset() is None:
            raise ValidationError("cursor_invalido", "cursor is not a value returned by a previous page", field="cursor")
        return cursor


@dataclass(frozen=True, slots=True)
class PagoPage:
    """One page of a client's payments, newest first, and the cursor of the next page if any."""

    items: list[PagoView]
    next_cursor: str | None
