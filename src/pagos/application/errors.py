"""Errors raised by the application layer and by adapters through its ports."""

from __future__ import annotations

from uuid import UUID

from pagos.domain.errors import DomainError


class PagoNoEncontrado(DomainError):
    """No payment with this id exists for this client."""

    code = "pago_no_encontrado"

    def __init__(self, pago_id: UUID | str) -> None:
        super().__init__(f"payment {pago_id} not found", pago_id=str(pago_id))


class ConcurrencyConflict(DomainError):
    """Another writer appended to the stream first; the expected version is stale."""

    code = "conflicto_de_concurrencia"

    def __init__(self, stream_id: UUID, expected_version: int) -> None:
        super().__init__(
            f"stream {stream_id} changed after version {expected_version} was read",
            pago_id=str(stream_id),
            version=expected_version,
        )
        self.stream_id = stream_id
        self.expected_version = expected_version


class ProjectionGap(Exception):
    """An event arrived before an earlier event of its stream was projected.

    The projector raises it so that the delivery is retried later instead of
    skipping the missing version.
    """

    def __init__(self, stream_id: UUID, stored_version: int, event_version: int) -> None:
        super().__init__(
            f"payment {stream_id}: read model is at version {stored_version}, "
            f"cannot apply event version {event_version} before the ones in between"
        )
        self.stream_id = stream_id


class IdempotencyKeyTaken(Exception):
    """Another request already stored a result under this client and key; raised by the event store."""


class IdempotencyKeyReused(DomainError):
    """An Idempotency-Key sent again with a different request."""

    code = "idempotency_key_reutilizada"

    def __init__(self, key: str) -> None:
        super().__init__(f"Idempotency-Key {key!r} was already used for a different request", field="Idempotency-Key")
