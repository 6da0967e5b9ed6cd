"""Commands and their handlers: the write side."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from pagos.application.errors import (
    ConcurrencyConflict,
    IdempotencyKeyReused,
    IdempotencyKeyTaken,
    PagoNoEncontrado,
)
from pagos.application.ports import (
    CurrencyCatalog,
    EventStore,
    IdempotencyRecord,
    IdempotencyStore,
)
from pagos.application.views import PagoView
from pagos.domain.cliente import normalizar_cliente_id
from pagos.domain.errors import ValidationError
from pagos.domain.events import DomainEvent
from pagos.domain.money import Moneda, normalizar_codigo_moneda
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
    idempotency_key: str | None = None

    def fingerprint(self) -> str:
        return _fingerprint("crear", self.cliente_id, self.monto, self.metodo_pago, self.moneda)


@dataclass(frozen=True, slots=True)
class ReversarPago:
    """Reverse a processed payment of one client."""

    pago_id: UUID
    cliente_id: str
    motivo: object
    correlation_id: str | None = None
    idempotency_key: str | None = None

    def fingerprint(self) -> str:
        return _fingerprint("reversar", str(self.pago_id), self.motivo)


@dataclass(frozen=True, slots=True)
class CommandResult:
    """The payment after a command, and whether it is the stored result of an earlier request."""

    view: PagoView
    status: int
    replayed: bool = False


class PagoCommandHandler:
    """Runs payment commands: load the aggregate from its events, decide, append."""

    def __init__(
        self,
        event_store: EventStore,
        idempotency: IdempotencyStore,
        currencies: CurrencyCatalog,
        default_currency: str,
        clock: Callable[[], datetime],
        idempotency_ttl: timedelta = timedelta(hours=24),
    ) -> None:
        self._events = event_store
        self._idempotency = idempotency
        self._currencies = currencies
        self._default_currency = default_currency
        self._clock = clock
        self._idempotency_ttl = idempotency_ttl

    async def crear_pago(self, command: CrearPago) -> CommandResult:
        """Validate and store a new payment, or return the stored result of the same request."""
        cliente = normalizar_cliente_id(command.cliente_id)
        if replay := await self._replay(cliente, command.idempotency_key, command.fingerprint()):
            return replay

        pago_id = uuid4()
        pago = Pago.crear(
            pago_id=pago_id,
            cliente_id=cliente,
            monto=command.monto,
            moneda=self._resolve_currency(command.moneda),
            metodo_pago=command.metodo_pago,
            ahora=self._clock(),
        )
        events = pago.collect_events(_metadata(command.correlation_id))
        result = CommandResult(PagoView.from_pago(pago), status=201)
        stored = await self._append(pago_id, 0, events, cliente, command.idempotency_key, command.fingerprint(), result)
        if stored is result:
            logger.info("payment %s created for client %r", pago_id, cliente)
        return stored

    async def reversar_pago(self, command: ReversarPago) -> CommandResult:
        """Reverse a payment; raise PagoYaReversado if it already was, unless this is a retry of that reversal."""
        cliente = normalizar_cliente_id(command.cliente_id)
        if replay := await self._replay(cliente, command.idempotency_key, command.fingerprint()):
            return replay

        for attempt in range(1, REVERSAL_ATTEMPTS + 1):
            pago = await self._load(command.pago_id, cliente)
            pago.reversar(command.motivo, self._clock())
            events = pago.collect_events(_metadata(command.correlation_id))
            result = CommandResult(PagoView.from_pago(pago), status=200)
            try:
                stored = await self._append(
                    pago.id, pago.version_inicial, events, cliente, command.idempotency_key,
                    command.fingerprint(), result,
                )
            except ConcurrencyConflict:
                if attempt == REVERSAL_ATTEMPTS:
                    raise
                logger.info("reversal of payment %s lost a concurrency race, attempt %d, retrying", pago.id, attempt)
                continue
            if stored is result:
                logger.info("payment %s reversed", pago.id)
            return stored
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _append(
        self,
        pago_id: UUID,
        expected_version: int,
        events: list[DomainEvent],
        cliente: str,
        key: str | None,
        fingerprint: str,
        result: CommandResult,
    ) -> CommandResult:
        """Append the events with the idempotency record; return ``result``, or the earlier result if the key was taken."""
        record = None
        if key is not None:
            now = self._clock()
            record = IdempotencyRecord(
                cliente_id=cliente, key=key, fingerprint=fingerprint, status=result.status,
                result=result.view.to_dict(), created_at=now, expires_at=now + self._idempotency_ttl,
            )
        try:
            await self._events.append(pago_id, expected_version, events, idempotency=record)
        except IdempotencyKeyTaken:
            # A concurrent request with the same key committed first. Nothing of
            # this one was written, and it returns the winner's result.
            replay = await self._replay(cliente, key, fingerprint)
            if replay is None:
                raise
            return replay
        return result

    async def _replay(self, cliente: str, key: str | None, fingerprint: str) -> CommandResult | None:
        if key is None:
            return None
        record = await self._idempotency.get_idempotency_record(cliente, key, self._clock())
        if record is None:
            return None
        if record.fingerprint != fingerprint:
            raise IdempotencyKeyReused(key)
        logger.info("replaying the stored result of Idempotency-Key %r for client %r", key, cliente)
        return CommandResult(PagoView.from_dict(record.result), status=record.status, replayed=True)

    async def _load(self, pago_id: UUID, cliente_id: str) -> Pago:
        events = await self._events.load(pago_id)
        pago = Pago.from_events(pago_id, events)
        if pago.version == 0 or pago.cliente_id != cliente_id:
            raise PagoNoEncontrado(pago_id)
        return pago

    def _resolve_currency(self, value: object | None) -> Moneda:
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


def _metadata(correlation_id: str | None) -> dict[str, str]:
    return {"correlationId": correlation_id or str(uuid4())}


def _fingerprint(operation: str, *values: object) -> str:
    """Hash a command's values as sent, with their JSON types: 10 and "10" are different requests."""
    typed = [[type(value).__name__, str(value)] for value in values]
    return hashlib.sha256(json.dumps([operation, typed]).encode()).hexdigest()
