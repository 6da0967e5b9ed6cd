"""A read model that can be replaced in one step: readers follow a pointer to the active one."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Collection, Sequence
from typing import Protocol
from uuid import UUID

from pagos.application.ports import ReadModel
from pagos.application.views import ListCursor, PagoView


class ReadModelPointer(Protocol):
    """Stored name of the active read model (a table or collection)."""

    async def get(self) -> str | None: ...

    async def set(self, name: str) -> None: ...


class SwitchingReadModel:
    """Delegates every call to the read model the pointer names, re-reading the pointer every ``ttl`` seconds.

    A rebuild fills a new table or collection and then sets the pointer, so
    queries and projectors move to it within ``ttl`` seconds, without a restart.
    """

    def __init__(
        self,
        pointer: ReadModelPointer,
        open_model: Callable[[str], Awaitable[ReadModel]],
        default_name: str,
        ttl: float = 2.0,
    ) -> None:
        self._pointer = pointer
        self._open_model = open_model
        self._default_name = default_name
        self.ttl = ttl
        self._models: dict[str, ReadModel] = {}
        self._name = default_name
        self._checked_at = float("-inf")

    async def active_name(self) -> str:
        """Return the name of the active read model, re-reading the pointer when ``ttl`` has passed."""
        if time.monotonic() - self._checked_at >= self.ttl:
            self._name = await self._pointer.get() or self._default_name
            self._checked_at = time.monotonic()
        return self._name

    async def _active(self) -> ReadModel:
        name = await self.active_name()
        if name not in self._models:
            self._models[name] = await self._open_model(name)
        return self._models[name]

    async def get(self, pago_id: UUID) -> PagoView | None:
        return await (await self._active()).get(pago_id)

    async def save(self, view: PagoView) -> bool:
        return await (await self._active()).save(view)

    async def save_many(self, views: Sequence[PagoView], probably_new: Collection[UUID] = ()) -> int:
        return await (await self._active()).save_many(views, probably_new)

    async def list_by_cliente(
        self, cliente_id: str, limit: int, after: ListCursor | None, estado: str | None
    ) -> list[PagoView]:
        return await (await self._active()).list_by_cliente(cliente_id, limit, after, estado)

    async def get_many(self, pago_ids: Sequence[UUID]) -> dict[UUID, PagoView]:
        return await (await self._active()).get_many(pago_ids)

    async def count(self) -> int:
        return await (await self._active()).count()

    async def ping(self) -> None:
        await (await self._active()).ping()
