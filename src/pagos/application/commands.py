"""Commands and their handlers: the write side."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from pagos.application.errors import ConcurrencyConflict, PagoNoEncontrado
from pagos.application.ports import CurrencyCatalog, EventStore
from pagos.application.views import PagoView
from pagos.domain.cliente import normalizar_cliente_id
from pagos.domain.errors import ValidationError
from pagos.domain.money import normalizar_codigo_moneda
from pagos.domain.pago import Pago

logger = logging.getLogger(__name__)

# A reversal that loses an optimistic-concurrency race is retried this many
# times in all. Retrying is safe because each attempt reloads the stream and
# decides again: if the winner already reversed the payment, the retry raises
# PagoYaReversado instead of writing a second event.
REVERSAL_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class CrearPago:
    """Create a payment. Fields hold the client's values as sent; the domain validates them."""

    cliente_id: object
    monto: object
    metodo_pago: object
    moneda: object | None = None
    correlation_id: str | None = None


@dataclass(frozen=True, slots=True)
class ReversarPago:
    """Reverse a processed payment of one client."""

    pago_id: UUID
    cliente_id: str
    motivo: object
    correlation_id: str | None = None


class PagoCommandHandler:
    """Runs payment commands: load the aggregate from its events, decide, append."""

    def __init__(
        self,
        event_store: EventStore,
        currencies: CurrencyCatalog,
        default_currency: str,
        clock: Callable[[], datetime],
    ) -> None:
        self._events = event_store
        self._currencies = currencies
        self._default_currency = default_currency
        self._clock = clock

    async def crear_pago(self, command: CrearPago) -> PagoView:
        """Validate and store a new payment; return it as created."""
        moneda = self._resolve_currency(command.moneda)
        pago_id = uuid4()
        pago = Pago.crear(
            pago_id=pago_id,
            cliente_id=command.cliente_id,
            monto=command.monto,
            moneda=moneda,
            metodo_pago=command.metodo_pago,
            ahora=self._clock(),
        )
        events = pago.collect_events(_metadata(command.correlation_id, causation_id=None))
        await self._events.append(pago_id, 0, events)
        logger.info("payment %s created for client %r", pago_id, pago.cliente_id)
        return PagoView.from_pago(pago)

    async def reversar_pago(self, command: ReversarPago) -> PagoView:
        """Reverse a payment; raise PagoYaReversado if it already was."""
        cliente_id = normalizar_cliente_id(command.cliente_id)
        for attempt in range(1, REVERSAL_ATTEMPTS + 1):
            pago = await self._load(command.pago_id, cliente_id)
            pago.reversar(command.motivo, self._clock())
            events = pago.collect_events(_metadata(command.correlation_id, causation_id=None))
            try:
                await self._events.append(pago.id, pago.version_inicial, events)
            except ConcurrencyConflict:
                if attempt == REVERSAL_ATTEMPTS:
                    raise
                logger.info("reversal of payment %s lost a concurrency race, attempt %d, retrying", pago.id, attempt)
                continue
            logger.info("payment %s reversed", pago.id)
            return PagoView.from_pago(pago)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _load(self, pago_id: UUID, cliente_id: str) -> Pago:
        events = await self._events.load(pago_id)
        pago = Pago.from_events(pago_id, events)
        if pago.version == 0 or pago.cliente_id != cliente_id:
            raise PagoNoEncontrado(pago_id)
        return pago

    def _resolve_currency(self, value: object | None):
        codigo = self._default_currency if value is None else normalizar_codigo_moneda(value)
        moneda = self._currencies.get(codigo)
        if moneda is None:
            raise ValidationError(
                "moneda_desconocida",
                f"moneda {codigo} is not an active ISO 4217 currency",
                field="moneda",
                valor=codigo,
            )
        return moneda


def _metadata(correlation_id: str | None, causation_id: str | None) -> dict[str, str]:
    metadata = {"correlationId": correlation_id or str(uuid4())}
    if causation_id:
        metadata["causationId"] = causation_id
    return metadata
