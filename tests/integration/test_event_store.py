"""Contract of the SQL event store and outbox, run on every SQL backend."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from pagos.application.errors import ConcurrencyConflict, IdempotencyKeyTaken
from pagos.application.ports import IdempotencyRecord
from pagos.domain.money import Moneda
from pagos.domain.pago import EstadoPago, Pago
from pagos.infrastructure.sql.event_store import (
    SqlEventStore,
    SqlOutbox,
    _event_row,
    append_events_statement,
)
from pagos.infrastructure.sql.schema import events, outbox

USD = Moneda("USD", 2)


def new_pago(monto: str = "80.25", metodo: str = "efectivo") -> Pago:
    return Pago.crear(
        pago_id=uuid4(), cliente_id="cliente-1", monto=monto, moneda=USD, metodo_pago=metodo, ahora=datetime.now(UTC)
    )


async def count_rows(engine: AsyncEngine, table) -> int:  # type: ignore[no-untyped-def]
    async with engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(table))).scalar_one())


async def test_append_then_load(engine: AsyncEngine) -> None:
    store = SqlEventStore(engine)
    pago = new_pago()
    pago.reversar("duplicado", datetime.now(UTC))
    written = pago.collect_events({"correlationId": "corr-1"})

    await store.append(pago.id, 0, written)
    loaded = await store.load(pago.id)

    assert loaded == written
    assert Pago.from_events(pago.id, loaded).estado is EstadoPago.REVERSADO


async def test_load_unknown_stream_empty(engine: AsyncEngine) -> None:
    assert await SqlEventStore(engine).load(uuid4()) == []


async def test_append_writes_outbox_in_same_transaction(engine: AsyncEngine) -> None:
    store = SqlEventStore(engine)
    pago = new_pago()

    await store.append(pago.id, 0, pago.collect_events())
    entries = await SqlOutbox(engine).claim(10)

    assert await count_rows(engine, events) == 1
    assert await count_rows(engine, outbox) == 1
    assert [entry.event.stream_id for entry in entries] == [pago.id]


async def test_stale_expected_version_conflicts(engine: AsyncEngine) -> None:
    store = SqlEventStore(engine)
    pago = new_pago()
    await store.append(pago.id, 0, pago.collect_events())

    first = Pago.from_events(pago.id, await store.load(pago.id))
    second = Pago.from_events(pago.id, await store.load(pago.id))
    first.reversar("primero", datetime.now(UTC))
    second.reversar("segundo", datetime.now(UTC))
    await store.append(pago.id, 1, first.collect_events())

    with pytest.raises(ConcurrencyConflict) as raised:
        await store.append(pago.id, 1, second.collect_events())

    assert raised.value.stream_id == pago.id
    assert [event.version for event in await store.load(pago.id)] == [1, 2]
    assert await count_rows(engine, outbox) == 2


async def test_concurrent_appends_one_wins(engine: AsyncEngine) -> None:
    store = SqlEventStore(engine)
    pago = new_pago()
    await store.append(pago.id, 0, pago.collect_events())
    writers = []
    for index in range(8):
        writer = Pago.from_events(pago.id, await store.load(pago.id))
        writer.reversar(f"writer {index}", datetime.now(UTC))
        writers.append(writer)

    results = await asyncio.gather(
        *(store.append(pago.id, 1, writer.collect_events()) for writer in writers), return_exceptions=True
    )

    conflicts = [result for result in results if isinstance(result, ConcurrencyConflict)]
    assert results.count(None) == 1
    assert len(conflicts) == 7
    assert len(await store.load(pago.id)) == 2
    assert await count_rows(engine, outbox) == 2


async def test_duplicate_creation_conflicts(engine: AsyncEngine) -> None:
    store = SqlEventStore(engine)
    pago = new_pago()
    events_written = pago.collect_events()
    await store.append(pago.id, 0, events_written)

    again = Pago.crear(
        pago_id=pago.id, cliente_id="otro", monto="5", moneda=USD, metodo_pago="efectivo", ahora=datetime.now(UTC)
    )
    with pytest.raises(ConcurrencyConflict):
        await store.append(pago.id, 0, again.collect_events())

    assert await store.load(pago.id) == events_written


async def test_outbox_claims_in_order_until_delivered(engine: AsyncEngine) -> None:
    store = SqlEventStore(engine)
    relay_side = SqlOutbox(engine)
    pagos = [new_pago() for _ in range(5)]
    for pago in pagos:
        await store.append(pago.id, 0, pago.collect_events())

    first = await relay_side.claim(3)
    await relay_side.mark_delivered([entry.id for entry in first])
    rest = await relay_side.claim(10)

    assert [entry.event.stream_id for entry in first + rest] == [pago.id for pago in pagos]
    assert await relay_side.count_pending() == 2


async def test_outbox_failure_keeps_entry_pending(engine: AsyncEngine) -> None:
    store = SqlEventStore(engine)
    relay_side = SqlOutbox(engine)
    pago = new_pago()
    await store.append(pago.id, 0, pago.collect_events())

    (entry,) = await relay_side.claim(10)
    await relay_side.record_failure([entry.id], "broker timed out")

    assert [again.id for again in await relay_side.claim(10)] == [entry.id]
    async with engine.connect() as connection:
        row = (await connection.execute(select(outbox.c.attempts, outbox.c.last_error))).one()
    assert row.attempts == 1
    assert row.last_error == "broker timed out"


async def test_read_all_in_commit_order(engine: AsyncEngine) -> None:
    store = SqlEventStore(engine)
    pagos = [new_pago() for _ in range(3)]
    for pago in pagos:
        await store.append(pago.id, 0, pago.collect_events())

    page = await store.read_all(0, 2)
    rest = await store.read_all(page[-1][0], 10)

    assert [event.stream_id for _, event in page + rest] == [pago.id for pago in pagos]
    assert await store.read_all(rest[-1][0], 10) == []


async def test_amounts_stay_exact(engine: AsyncEngine) -> None:
    store = SqlEventStore(engine)
    pago = Pago.crear(
        pago_id=uuid4(),
        cliente_id="cliente-1",
        monto="999999999.99",
        moneda=USD,
        metodo_pago="tarjeta",
        ahora=datetime.now(UTC),
    )
    await store.append(pago.id, 0, pago.collect_events())

    (loaded,) = await store.load(pago.id)

    assert loaded.data()["monto"] == "999999999.99"


async def test_one_relay_holds_the_lease(engine: AsyncEngine) -> None:
    store = SqlEventStore(engine)
    pago = new_pago()
    await store.append(pago.id, 0, pago.collect_events())
    first, second = SqlOutbox(engine, owner="relay-a"), SqlOutbox(engine, owner="relay-b")

    claimed_by_first = await first.claim(10)
    claimed_by_second = await second.claim(10)
    await first.release()
    after_release = await second.claim(10)

    assert len(claimed_by_first) == 1
    assert claimed_by_second == []
    assert [entry.id for entry in after_release] == [entry.id for entry in claimed_by_first]
    assert await first.claim(10) == []


async def test_expired_lease_taken_over(engine: AsyncEngine) -> None:
    store = SqlEventStore(engine)
    pago = new_pago()
    await store.append(pago.id, 0, pago.collect_events())
    late = datetime.now(UTC) + timedelta(seconds=60)
    stuck = SqlOutbox(engine, owner="relay-stuck", lease_seconds=15)
    standby = SqlOutbox(engine, owner="relay-standby", clock=lambda: late)

    assert len(await stuck.claim(10)) == 1
    assert len(await standby.claim(10)) == 1
    assert await stuck.claim(10) == []


# SQLite allows one writer at a time, so there no transaction can commit while another is open.
@pytest.mark.parametrize("sql_url", ["postgresql"], indirect=True)
async def test_late_commit_with_lower_id_not_skipped(engine: AsyncEngine) -> None:
    # A transaction that took its outbox id first but commits last must still be
    # published: the relay keeps no high-water mark that could pass over it.
    store = SqlEventStore(engine)
    relay_side = SqlOutbox(engine)
    slow, fast = new_pago(), new_pago()

    async with engine.connect() as slow_connection:
        transaction = await slow_connection.begin()
        rows = [_event_row(event) for event in slow.collect_events()]
        positions = (await slow_connection.execute(append_events_statement(), rows)).scalars().all()
        await slow_connection.execute(
            insert(outbox), [{"position": position, "created_at": datetime.now(UTC)} for position in positions]
        )
        await store.append(fast.id, 0, fast.collect_events())
        before_slow_commit = await relay_side.claim(10)
        await relay_side.mark_delivered([entry.id for entry in before_slow_commit])
        await transaction.commit()

    after_slow_commit = await relay_side.claim(10)

    assert [entry.event.stream_id for entry in before_slow_commit] == [fast.id]
    assert [entry.event.stream_id for entry in after_slow_commit] == [slow.id]
    assert after_slow_commit[0].id < before_slow_commit[0].id


def idempotency_record(key: str, created_at: datetime | None = None) -> IdempotencyRecord:
    now = created_at or datetime.now(UTC)
    return IdempotencyRecord(
        cliente_id="cliente-1", key=key, fingerprint="f" * 64, status=201, result={"pagoId": "x"},
        created_at=now, expires_at=now + timedelta(hours=24),
    )


async def test_idempotency_record_written_with_events(engine: AsyncEngine) -> None:
    store = SqlEventStore(engine)
    pago = new_pago()

    await store.append(pago.id, 0, pago.collect_events(), idempotency=idempotency_record("k-1"))
    stored = await store.get_idempotency_record("cliente-1", "k-1", datetime.now(UTC))

    assert stored is not None
    assert stored.result == {"pagoId": "x"}
    assert await store.get_idempotency_record("otro", "k-1", datetime.now(UTC)) is None


async def test_taken_key_writes_nothing(engine: AsyncEngine) -> None:
    store = SqlEventStore(engine)
    first, second = new_pago(), new_pago()
    await store.append(first.id, 0, first.collect_events(), idempotency=idempotency_record("k-2"))

    with pytest.raises(IdempotencyKeyTaken):
        await store.append(second.id, 0, second.collect_events(), idempotency=idempotency_record("k-2"))

    assert await store.load(second.id) == []
    assert await count_rows(engine, outbox) == 1


async def test_concurrent_appends_one_key_one_wins(engine: AsyncEngine) -> None:
    store = SqlEventStore(engine)
    pagos = [new_pago() for _ in range(10)]

    results = await asyncio.gather(
        *(store.append(p.id, 0, p.collect_events(), idempotency=idempotency_record("k-3")) for p in pagos),
        return_exceptions=True,
    )

    assert results.count(None) == 1
    assert all(isinstance(result, IdempotencyKeyTaken) for result in results if result is not None)
    assert await count_rows(engine, events) == 1


async def test_expired_records_purged(engine: AsyncEngine) -> None:
    store = SqlEventStore(engine)
    old = datetime.now(UTC) - timedelta(days=2)
    pago = new_pago()
    await store.append(pago.id, 0, pago.collect_events(), idempotency=idempotency_record("k-4", created_at=old))

    assert await store.get_idempotency_record("cliente-1", "k-4", datetime.now(UTC)) is None
    assert await store.purge_idempotency_records(datetime.now(UTC)) == 1
    assert await store.load(pago.id) != []
