"""Read-model rebuild: replays the event store, the source of truth, into an empty read model."""

from __future__ import annotations

from collections.abc import Callable

from pagos.application.ports import EventStore, ReadModel
from pagos.application.projection import Projector

BATCH = 1000


async def replay(
    event_store: EventStore,
    target: ReadModel,
    after_position: int = 0,
    on_progress: Callable[[int], None] = lambda events: None,
) -> int:
    """Project every event after ``after_position`` into ``target``, in commit order; return the last position.

    Replaying again, or over a partly built target, gives the same documents,
    because the projector skips every event it already applied.
    """
    projector = Projector(target)
    position = after_position
    while batch := await event_store.read_all(position, BATCH):
        for _, event in batch:
            await projector.handle(event)
        position = batch[-1][0]
        on_progress(len(batch))
    return position
