"""The ``Pago`` aggregate: a payment whose state is rebuilt only from its events."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID, uuid4

from pagos.domain.cliente import normalizar_cliente_id
from pagos.domain.errors import DomainError, PagoYaReversado, ValidationError
from pagos.domain.events import DomainEvent, PagoCreado, PagoReversado
from pagos.domain.money import Moneda, formatear_monto, parse_monto

# Amounts above this value (in the payment's currency) can only be paid by card;
# amounts up to it only in cash or by transfer. The original system applied the
# same threshold to every currency, and so does this one.
UMBRAL_TARJETA = Decimal(100)

MOTIVO_MAX = 500


class EstadoPago(StrEnum):
    PROCESADO = "Procesado"
    REVERSADO = "Reversado"


class MetodoPago(StrEnum):
    TARJETA = "tarjeta"
    EFECTIVO = "efectivo"
    TRANSFERENCIA = "transferencia"


def parse_metodo_pago(value: object) -> MetodoPago:
    """Return the payment method named by ``value``, ignoring case and surrounding spaces."""
    text = value.strip().lower() if isinstance(value, str) else None
    try:
        return MetodoPago(text)
    except ValueError:
        raise ValidationError(
            "metodo_pago_invalido",
            "metodoPago must be one of: tarjeta, efectivo, transferencia",
            field="metodoPago",
            permitidos="tarjeta, efectivo, transferencia",
        ) from None


def check_metodo_para_monto(monto: Decimal, metodo: MetodoPago) -> None:
    """Raise ValidationError unless ``metodo`` may pay ``monto``."""
    if monto > UMBRAL_TARJETA and metodo is not MetodoPago.TARJETA:
        raise ValidationError(
            "metodo_pago_no_permitido_mayor_100",
            f"an amount above {UMBRAL_TARJETA} can only be paid by tarjeta",
            field="metodoPago",
            monto=formatear_monto(monto),
            metodo=metodo.value,
        )
    if monto <= UMBRAL_TARJETA and metodo is MetodoPago.TARJETA:
        raise ValidationError(
            "metodo_pago_no_permitido_hasta_100",
            f"an amount of {UMBRAL_TARJETA} or less can only be paid by efectivo or transferencia",
            field="metodoPago",
            monto=formatear_monto(monto),
            metodo=metodo.value,
        )


def parse_motivo(value: object) -> str:
    """Return the reversal reason trimmed and NFC-normalized, or raise ValidationError."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("motivo_vacio", "motivo must be a non-empty string", field="motivo")
    motivo = unicodedata.normalize("NFC", value).strip()
    if len(motivo) > MOTIVO_MAX:
        raise ValidationError(
            "motivo_demasiado_largo", f"motivo must have at most {MOTIVO_MAX} characters", field="motivo", maximo=MOTIVO_MAX
        )
    if any(unicodedata.category(c) in {"Cc", "Cf", "Cs", "Co", "Cn"} for c in motivo):
        raise ValidationError(
            "motivo_caracter_invalido", "motivo contains control or invisible characters", field="motivo"
        )
    return motivo


class Pago:
    """A payment. Commands record new events; ``_apply`` is the only place that changes state."""

    def __init__(self, pago_id: UUID) -> None:
        self.id = pago_id
        self.version = 0
        self.cliente_id: str | None = None
        self.monto: Decimal | None = None
        self.moneda: str | None = None
        self.metodo_pago: str | None = None
        self.estado: EstadoPago | None = None
        self.fecha_pago: datetime | None = None
        self.motivo_reversion: str | None = None
        self.fecha_reversion: datetime | None = None
        self._pending: list[DomainEvent] = []

    @classmethod
    def crear(
        cls,
        *,
        pago_id: UUID,
        cliente_id: object,
        monto: object,
        moneda: Moneda,
        metodo_pago: object,
        ahora: datetime,
    ) -> Pago:
        """Validate a new payment against the domain rules and record ``PagoCreado``.

        Raises ValidationError naming the first field at fault.
        """
        cliente = normalizar_cliente_id(cliente_id)
        cantidad = parse_monto(monto, moneda)
        metodo = parse_metodo_pago(metodo_pago)
        check_metodo_para_monto(cantidad, metodo)
        _require_utc(ahora)

        pago = cls(pago_id)
        pago._record(
            PagoCreado(
                event_id=uuid4(),
                stream_id=pago_id,
                version=1,
                occurred_at=ahora,
                cliente_id=cliente,
                monto=cantidad,
                moneda=moneda.codigo,
                metodo_pago=metodo.value,
                estado=EstadoPago.PROCESADO.value,
                fecha_pago=ahora,
            )
        )
        return pago

    def reversar(self, motivo: object, ahora: datetime) -> None:
        """Record ``PagoReversado``. Raises PagoYaReversado on a second reversal."""
        if self.estado is EstadoPago.REVERSADO:
            raise PagoYaReversado(str(self.id))
        if self.estado is not EstadoPago.PROCESADO:
            raise DomainError(f"payment {self.id} cannot be reversed from state {self.estado}")
        texto = parse_motivo(motivo)
        _require_utc(ahora)
        self._record(
            PagoReversado(
                event_id=uuid4(),
                stream_id=self.id,
                version=self.version + 1,
                occurred_at=ahora,
                motivo=texto,
                fecha_reversion=ahora,
            )
        )

    @classmethod
    def from_events(cls, pago_id: UUID, events: Iterable[DomainEvent]) -> Pago:
        """Rebuild a payment by applying its stored events in order."""
        pago = cls(pago_id)
        for event in events:
            pago._apply(event)
        return pago

    def collect_events(self, metadata: dict[str, str] | None = None) -> list[DomainEvent]:
        """Return the events recorded since the last call, with ``metadata`` attached, and clear them."""
        events = [replace(event, metadata={**event.metadata, **(metadata or {})}) for event in self._pending]
        self._pending.clear()
        return events

    @property
    def version_inicial(self) -> int:
        """Version the stream had before the pending events: the expected version for an append."""
        return self.version - len(self._pending)

    def _record(self, event: DomainEvent) -> None:
        self._apply(event)
        self._pending.append(event)

    def _apply(self, event: DomainEvent) -> None:
        if event.version != self.version + 1:
            raise DomainError(f"event version {event.version} does not follow version {self.version} of payment {self.id}")
        match event:
            case PagoCreado():
                self.cliente_id = event.cliente_id
                self.monto = event.monto
                self.moneda = event.moneda
                self.metodo_pago = event.metodo_pago
                self.estado = EstadoPago(event.estado)
                self.fecha_pago = event.fecha_pago
            case PagoReversado():
                self.estado = EstadoPago.REVERSADO
                self.motivo_reversion = event.motivo
                self.fecha_reversion = event.fecha_reversion
            case _:
                raise DomainError(f"unknown event type {type(event).__name__} for payment {self.id}")
        self.version = event.version


def _require_utc(moment: datetime) -> None:
    if moment.utcoffset() is None or moment.utcoffset().total_seconds() != 0:
        raise ValueError(f"expected an aware UTC datetime, got {moment!r}")
