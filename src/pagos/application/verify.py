"""Consistency check: the read model and the outbox against the event store, the source of truth."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from uuid import UUID

from pagos.application.ports import EventStore, Outbox, ReadModel
from pagos.application.views import PagoView, evolve_view

logger = logging.getLogger(__name__)

BATCH = 1000


@dataclass
class VerifyReport:
    """Counts of what agreed and what did not, with a few example payment ids per problem."""

    checked: int = 0
    events: int = 0
    outbox_pending: int = 0
    in_flight: int = 0
    missing: list[UUID] = field(default_factory=list)
    stale: list[UUID] = field(default_factory=list)
    mismatched: list[UUID] = field(default_factory=list)
    extra: int = 0

    @property
    def consistent(self) -> bool:
        return not (self.missing or self.stale or self.mismatched or self.extra)

    def summary(self) -> str:
        return (
            f"payments checked: {self.checked}, events: {self.events}, "
            f"missing: {len(self.missing)}, stale: {len(self.stale)}, mismatched: {len(self.mismatched)}, "
            f"extra: {self.extra}, in flight: {self.in_flight}, outbox pending: {self.outbox_pending}"
        )


class ConsistencyChecker:
    """Rebuilds every payment from the event store and compares it with its read-model document.

    A payment whose newest events still wait in the outbox is in flight, not a
    difference. Differences left after ``wait_seconds`` of rechecking are
    reported; events only ever move forward, so waiting cannot hide a lost one.
    """

    def __init__(self, event_store: EventStore, outbox: Outbox, read_model: ReadModel) -> None:
        self._events = event_store
        self._outbox = outbox
        self._read_model = read_model

    async def check(self, wait_seconds: float = 0.0) -> VerifyReport:
        deadline = time.monotonic() + wait_seconds
        while True:
            report = await self._check_once()
            if (report.consistent and not report.in_flight) or time.monotonic() >= deadline:
                return report
            logger.info("verify: %s; checking again", report.summary())
            await asyncio.sleep(min(1.0, max(0.0, deadline - time.monotonic())))

    async def _check_once(self) -> VerifyReport:
        report = VerifyReport()
        expected = await self._rebuild_all(report)
        pending = await self._outbox.pending_streams()
        report.outbox_pending = len(pending)
        ids = list(expected)
        stored = await self._read_model.get_many(ids)

        for pago_id in ids:
            view, want = stored.get(pago_id), expected[pago_id]
            if view == want:
                continue
            if pago_id in pending:
                report.in_flight += 1
            elif view is None:
                report.missing.append(pago_id)
            elif view.version < want.version:
                report.stale.append(pago_id)
            else:
                report.mismatched.append(pago_id)
        report.checked = len(ids)
        report.extra = max(0, await self._read_model.count() - len(stored))
        return report

    async def _rebuild_all(self, report: VerifyReport) -> dict[UUID, PagoView]:
        views: dict[UUID, PagoView] = {}
        position = 0
        while batch := await self._events.read_all(position, BATCH):
            for _, event in batch:
                views[event.stream_id] = evolve_view(views.get(event.stream_id), event)
            report.events += len(batch)
            position = batch[-1][0]
        return views
