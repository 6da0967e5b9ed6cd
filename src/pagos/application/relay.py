"""The outbox relay: moves committed events from the outbox to a publisher."""

from __future__ import annotations

import asyncio
import logging

from pagos.application.ports import Outbox, Publisher

logger = logging.getLogger(__name__)


class OutboxRelay:
    """Publishes outbox entries in order and marks them delivered after the acknowledgement.

    Delivery is at least once: a crash between the acknowledgement and the mark
    publishes the same events again, with the same event ids, and consumers
    ignore the repeats.
    """

    def __init__(
        self,
        outbox: Outbox,
        publisher: Publisher,
        *,
        batch_size: int = 100,
        poll_interval: float = 0.5,
        max_backoff: float = 30.0,
    ) -> None:
        self._outbox = outbox
        self._publisher = publisher
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._max_backoff = max_backoff
        self._wakeup = asyncio.Event()

    def notify(self) -> None:
        """Wake the relay now instead of at the next poll, after a commit that wrote entries."""
        self._wakeup.set()

    async def run_once(self) -> int:
        """Publish one batch; return how many entries were delivered."""
        entries = await self._outbox.claim(self._batch_size)
        if not entries:
            return 0
        ids = [entry.id for entry in entries]
        try:
            await self._publisher.publish([entry.event for entry in entries])
        except Exception as error:
            await self._outbox.record_failure(ids, f"{type(error).__name__}: {error}")
            raise
        await self._outbox.mark_delivered(ids)
        return len(entries)

    async def drain(self) -> int:
        """Publish batches until the outbox is empty; return how many entries were delivered."""
        total = 0
        while delivered := await self.run_once():
            total += delivered
        return total

    async def run(self, stop: asyncio.Event) -> None:
        """Publish until ``stop`` is set, backing off exponentially while publishing fails."""
        logger.info("outbox relay started")
        backoff = self._poll_interval
        while not stop.is_set():
            # Cleared before the batch, so that a commit during the batch wakes the next round.
            self._wakeup.clear()
            try:
                delivered = await self.run_once()
            except Exception:
                logger.exception("outbox relay failed to publish a batch, retrying in %.1f s", backoff)
                await _wait_for(stop, backoff)
                backoff = min(backoff * 2, self._max_backoff)
                continue
            backoff = self._poll_interval
            if delivered:
                logger.debug("outbox relay delivered %d entries", delivered)
            else:
                await _wait_for(stop, self._poll_interval, self._wakeup)
        try:
            await self._outbox.release()
        except Exception:
            logger.exception("outbox relay could not release its lease; another relay takes over when it expires")
        logger.info("outbox relay stopped")


async def _wait_for(stop: asyncio.Event, seconds: float, wakeup: asyncio.Event | None = None) -> None:
    """Sleep up to ``seconds``, returning early when ``stop`` or ``wakeup`` is set."""
    events = [stop] if wakeup is None else [stop, wakeup]
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
