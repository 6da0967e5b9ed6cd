"""The projector: turns events into read-model documents."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from pagos.application.errors import ProjectionGap
from pagos.application.ports import ReadModel
from pagos.application.views import evolve_view
from pagos.domain.events import DomainEvent

logger = logging.getLogger(__name__)


class Projector:
    """Applies events to the read model, at least once and in any repetition.

    An event whose version is not newer than the stored document's is a duplicate
    or a stale redelivery and changes nothing. An event that skips a version
    raises ProjectionGap so that delivery is retried instead of losing the gap.
    """

    def __init__(self, read_model: ReadModel) -> None:
        self._read_model = read_model

    async def handle(self, event: DomainEvent) -> bool:
        """Apply one event; return whether the read model changed."""
        current = await self._read_model.get(event.stream_id)
        stored_version = current.version if current else 0
        if event.version <= stored_version:
            logger.debug(
                "skipping event %s of payment %s: version %d already projected (stored %d)",
                event.event_id, event.stream_id, event.version, stored_version,
            )
            return False
        if event.version != stored_version + 1:
            raise ProjectionGap(event.stream_id, stored_version, event.version)
        return await self._read_model.save(evolve_view(current, event))

    async def handle_all(self, events: Sequence[DomainEvent]) -> int:
        """Apply events in order; return how many changed the read model."""
        changed = 0
        for event in events:
            changed += await self.handle(event)
        return changed
