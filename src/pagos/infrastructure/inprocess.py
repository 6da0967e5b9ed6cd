"""In-process delivery for the embedded mode: the publisher hands events straight to the projector."""

from __future__ import annotations

from collections.abc import Sequence

from pagos.application.projection import Projector
from pagos.domain.events import DomainEvent


class InProcessPublisher:
    """Publisher that projects each event before returning, which is its acknowledgement."""

    def __init__(self, projector: Projector) -> None:
        self._projector = projector

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        await self._projector.handle_all(events)
