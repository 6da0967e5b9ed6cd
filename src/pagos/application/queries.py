"""Queries and their handlers: the read side."""

from __future__ import annotations

from uuid import UUID

from pagos.application.errors import PagoNoEncontrado
from pagos.application.ports import EventStore, ReadModel
from pagos.application.views import ListCursor, PagoPage, PagoView
from pagos.domain.cliente import normalizar_cliente_id
from pagos.domain.events import DomainEvent
from pagos.domain.pago import Pago

PAGE_LIMIT_MAX = 100


class PagoQueryHandler:
    """Runs queries: lists from the read model, single payments from the event store."""

    def __init__(self, event_store: EventStore, read_model: ReadModel) -> None:
        self._events = event_store
        self._read_model = read_model

    async def listar_pagos(
        self, cliente_id: str, limit: int, cursor: str | None = None, estado: str | None = None
    ) -> PagoPage:
        """Return one page of a client's payments, newest first."""
        cliente = normalizar_cliente_id(cliente_id)
        after = ListCursor.decode(cursor) if cursor else None
        limit = max(1, min(limit, PAGE_LIMIT_MAX))

        # One extra row shows whether a next page exists, without a count query.
        views = await self._read_model.list_by_cliente(cliente, limit + 1, after, estado)
        page, rest = views[:limit], views[limit:]
        next_cursor = ListCursor(page[-1].fecha_pago, page[-1].pago_id).encode() if rest else None
        return PagoPage(items=page, next_cursor=next_cursor)

    async def obtener_pago(self, cliente_id: str, pago_id: UUID) -> PagoView:
        """Return a payment's current state, rebuilt from the event store."""
        events = await self._history(cliente_id, pago_id)
        return PagoView.from_pago(Pago.from_events(pago_id, events))

    async def historial(self, cliente_id: str, pago_id: UUID) -> list[DomainEvent]:
        """Return a payment's events in version order: its audit trail."""
        return await self._history(cliente_id, pago_id)

    async def _history(self, cliente_id: str, pago_id: UUID) -> list[DomainEvent]:
        cliente = normalizar_cliente_id(cliente_id)
        events = await self._events.load(pago_id)
        if not events or Pago.from_events(pago_id, events[:1]).cliente_id != cliente:
            raise PagoNoEncontrado(pago_id)
        return events
