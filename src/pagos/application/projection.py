"""The projector: turns events into read-model documents."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from pagos.application.errors import ProjectionGap
from pagos.application.ports import ReadModel
from pagos.application.views import PagoView, evolve_view
from pagos.domain.events import DomainEvent

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BatchResult:
    """Documents written by a batch, and the events left out because an earlier version is missing."""

    written: int
    gaps: list[ProjectionGap]


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
        """Apply events in order with one read and one write for the batch; return how many documents changed.

        Raises ProjectionGap for the first event that skips a version, before writing anything.
        """
        result = await self.handle_batch(events)
        if result.gaps:
            raise result.gaps[0]
        return result.written

    async def handle_batch(self, events: Sequence[DomainEvent]) -> BatchResult:
        """Apply events in order with one read and one write for the batch, leaving out those that skip a version.

        Each payment's document is evolved in memory through all its events of the
        batch, so a batch of N events costs two round trips instead of 2 N. A
        payment whose first event in the batch is its creation is not read at all.
        Its document is taken to be absent and inserted, and the store falls back
        to the version check when the guess was wrong, as on a redelivery.
        """
        first_versions: dict[UUID, int] = {}
        for event in events:
            first_versions.setdefault(event.stream_id, event.version)
        created_here = {stream_id for stream_id, version in first_versions.items() if version == 1}
        to_read = [stream_id for stream_id in first_versions if stream_id not in created_here]
        stored = await self._read_model.get_many(to_read) if to_read else {}
        changed: dict[UUID, PagoView] = {}
        gaps: list[ProjectionGap] = []
        for event in events:
            current = changed.get(event.stream_id) or stored.get(event.stream_id)
            current_version = current.version if current else 0
            if event.version <= current_version:
                continue
            if event.version != current_version + 1:
                gaps.append(ProjectionGap(event.stream_id, current_version, event.version))
                continue
            changed[event.stream_id] = evolve_view(current, event)
        if gaps and not changed:
            return BatchResult(0, gaps)
        written = await self._read_model.save_many(list(changed.values()), probably_new=created_here) if changed else 0
        return BatchResult(written, gaps)
