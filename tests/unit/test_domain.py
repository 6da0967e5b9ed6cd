"""Domain rules of Pago, money and client ids, without any I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from uuid import uuid4

import pytest

from pagos.domain.cliente import normalizar_cliente_id
from pagos.domain.errors import PagoYaReversado, ValidationError
from pagos.domain.events import PagoCreado, PagoReversado
from pagos.domain.money import Moneda, parse_monto
from pagos.domain.pago import EstadoPago, Pago

USD = Moneda("USD", 2)
JPY = Moneda("JPY", 0)
KWD = Moneda("KWD", 3)
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def crear(monto: object, metodo: object = "tarjeta", moneda: Moneda = USD, cliente: object = "cliente-1") -> Pago:
    return Pago.crear(pago_id=uuid4(), cliente_id=cliente, monto=monto, moneda=moneda, metodo_pago=metodo, ahora=NOW)


@pytest.mark.parametrize(
    ("monto", "metodo", "moneda", "expected"),
    [
        ("100.01", "tarjeta", USD, Decimal("100.01")),
        ("100", "efectivo", USD, Decimal("100.00")),
        ("100.00", "transferencia", USD, Decimal("100.00")),
        ("0.01", "efectivo", USD, Decimal("0.01")),
        (Decimal("250.5"), "TARJETA", USD, Decimal("250.50")),
        (7, " Efectivo ", USD, Decimal("7.00")),
        ("1000000000", "tarjeta", USD, Decimal("1000000000.00")),
        ("101", "tarjeta", JPY, Decimal("101")),
        ("99.999", "efectivo", KWD, Decimal("99.999")),
        (Decimal("1E+2"), "efectivo", USD, Decimal("100.00")),
    ],
)
def test_valid_payment_cases(monto: object, metodo: str, moneda: Moneda, expected: Decimal) -> None:
    pago = crear(monto, metodo, moneda)

    assert pago.monto == expected
    assert str(pago.monto) == format(expected, "f")
    assert pago.metodo_pago == metodo.strip().lower()
    assert pago.estado is EstadoPago.PROCESADO
    assert pago.version == 1


@pytest.mark.parametrize(
    ("monto", "metodo", "moneda", "code", "field"),
    [
        ("100.01", "efectivo", USD, "metodo_pago_no_permitido_mayor_100", "metodoPago"),
        ("100.01", "transferencia", USD, "metodo_pago_no_permitido_mayor_100", "metodoPago"),
        ("100", "tarjeta", USD, "metodo_pago_no_permitido_hasta_100", "metodoPago"),
        ("0.01", "tarjeta", USD, "metodo_pago_no_permitido_hasta_100", "metodoPago"),
        ("0", "efectivo", USD, "monto_no_positivo", "monto"),
        ("0.00", "efectivo", USD, "monto_no_positivo", "monto"),
        ("-0", "efectivo", USD, "monto_no_positivo", "monto"),
        ("-5", "efectivo", USD, "monto_no_positivo", "monto"),
        (Decimal("-250"), "tarjeta", USD, "monto_no_positivo", "monto"),
        ("1.001", "efectivo", USD, "monto_demasiados_decimales", "monto"),
        ("1.000", "efectivo", USD, "monto_demasiados_decimales", "monto"),
        ("150.5", "tarjeta", JPY, "monto_sin_decimales", "monto"),
        ("1." + "0" * 29 + "1", "efectivo", USD, "monto_demasiados_decimales", "monto"),
        ("1000000000.01", "tarjeta", USD, "monto_demasiado_grande", "monto"),
        (Decimal("1E+400"), "tarjeta", USD, "monto_demasiado_grande", "monto"),
        ("1e3", "tarjeta", USD, "monto_invalido", "monto"),
        ("NaN", "efectivo", USD, "monto_invalido", "monto"),
        ("Infinity", "tarjeta", USD, "monto_invalido", "monto"),
        (Decimal("NaN"), "efectivo", USD, "monto_invalido", "monto"),
        ("", "efectivo", USD, "monto_invalido", "monto"),
        ("1" * 41, "tarjeta", USD, "monto_invalido", "monto"),
        (True, "efectivo", USD, "monto_invalido", "monto"),
        (None, "efectivo", USD, "monto_invalido", "monto"),
        (1.5, "efectivo", USD, "monto_invalido", "monto"),
        ("50", "cheque", USD, "metodo_pago_invalido", "metodoPago"),
        ("50", "", USD, "metodo_pago_invalido", "metodoPago"),
        ("50", None, USD, "metodo_pago_invalido", "metodoPago"),
        ("50", "tаrjeta", USD, "metodo_pago_invalido", "metodoPago"),  # Cyrillic "а"
    ],
)
def test_invalid_payment_cases(monto: object, metodo: object, moneda: Moneda, code: str, field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        crear(monto, metodo, moneda)

    assert raised.value.code == code
    assert raised.value.field == field


def test_float_amount_rejected() -> None:
    # A binary float has already lost the client's digits, so it is never accepted.
    with pytest.raises(ValidationError) as raised:
        parse_monto(0.1, USD)

    assert raised.value.code == "monto_invalido"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  ana  ", "ana"),
        ("Jose\u0301", "Jos\u00e9"),  # decomposed accent becomes the composed form
        ("cliente 7", "cliente 7"),
        ("x" * 64, "x" * 64),
        ("Москва-7", "Москва-7"),  # one alphabet, even if not Latin
        ("東京-tokyo", "東京-tokyo"),  # Han with Latin is no look-alike mix
    ],
)
def test_cliente_id_normalized(raw: str, expected: str) -> None:
    assert normalizar_cliente_id(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "cliente_id_vacio"),
        ("   ", "cliente_id_vacio"),
        ("x" * 65, "cliente_id_demasiado_largo"),
        ("ana\x00", "cliente_id_caracter_invalido"),
        ("a\u200bna", "cliente_id_caracter_invalido"),  # zero-width space
        ("a\u202ena", "cliente_id_caracter_invalido"),  # right-to-left override
        ("a\nb", "cliente_id_caracter_invalido"),
        ("a/b", "cliente_id_caracter_invalido"),
        ("ａｎａ", "cliente_id_no_canonico"),  # fullwidth
        ("ﬁnanzas", "cliente_id_no_canonico"),  # ligature
        ("аna", "cliente_id_alfabetos_mezclados"),  # Cyrillic "а" with Latin "na"
        ("Αlpha", "cliente_id_alfabetos_mezclados"),  # Greek capital alpha
        (".", "cliente_id_reservado"),
        (42, "cliente_id_invalido"),
        ({"$ne": None}, "cliente_id_invalido"),
    ],
)
def test_cliente_id_rejected(raw: object, code: str) -> None:
    with pytest.raises(ValidationError) as raised:
        normalizar_cliente_id(raw)

    assert raised.value.code == code
    assert raised.value.field == "clienteId"


def test_new_payment_records_pago_creado() -> None:
    pago = crear("150.00")

    events = pago.collect_events({"correlationId": "c-1"})

    assert len(events) == 1
    event = events[0]
    assert isinstance(event, PagoCreado)
    assert event.stream_id == pago.id
    assert event.version == 1
    assert event.metadata == {"correlationId": "c-1"}
    assert event.data()["monto"] == "150.00"
    assert event.data()["estado"] == "Procesado"
    assert pago.collect_events() == []


def test_replay_rebuilds_state() -> None:
    original = crear("80", "efectivo")
    original.reversar("Cobro duplicado", NOW + timedelta(minutes=5))
    events = original.collect_events()

    replayed = Pago.from_events(original.id, events)

    assert replayed.version == 2
    assert replayed.estado is EstadoPago.REVERSADO
    assert replayed.monto == Decimal("80.00")
    assert replayed.cliente_id == "cliente-1"
    assert replayed.motivo_reversion == "Cobro duplicado"
    assert replayed.version_inicial == 2


def test_replay_from_serialized_data() -> None:
    pago = crear("150.10")
    pago.reversar("Fraude", NOW)
    events = pago.collect_events()

    restored = [
        type(event).from_data(
            event.data(),
            event_id=event.event_id,
            stream_id=event.stream_id,
            version=event.version,
            occurred_at=event.occurred_at,
        )
        for event in events
    ]

    assert restored == events
    assert [type(event) for event in restored] == [PagoCreado, PagoReversado]
    assert Pago.from_events(pago.id, restored).estado is EstadoPago.REVERSADO
    assert restored[0].monto == Decimal("150.10")


def test_second_reversal_rejected() -> None:
    pago = crear("80", "efectivo")
    pago.reversar("primera", NOW)

    with pytest.raises(PagoYaReversado):
        pago.reversar("segunda", NOW)

    assert pago.version == 2


def test_reversal_version_follows_history() -> None:
    pago = crear("80", "efectivo")
    pago.collect_events()

    pago.reversar("motivo", NOW)
    (event,) = pago.collect_events()

    assert isinstance(event, PagoReversado)
    assert event.version == 2
    assert pago.version_inicial == 2


@pytest.mark.parametrize("motivo", ["", "   ", None, "x" * 501, "a\x07b"])
def test_invalid_reversal_reason(motivo: object) -> None:
    pago = crear("80", "efectivo")

    with pytest.raises(ValidationError) as raised:
        pago.reversar(motivo, NOW)

    assert raised.value.field == "motivo"
    assert pago.estado is EstadoPago.PROCESADO


def test_event_out_of_order_rejected() -> None:
    pago = crear("80", "efectivo")
    pago.reversar("motivo", NOW)
    creado, reversado = pago.collect_events()

    with pytest.raises(Exception, match="does not follow"):
        Pago.from_events(pago.id, [reversado, creado])


def test_non_utc_clock_rejected() -> None:
    with pytest.raises(ValueError, match="UTC"):
        Pago.crear(
            pago_id=uuid4(),
            cliente_id="c",
            monto="5",
            moneda=USD,
            metodo_pago="efectivo",
            ahora=datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=-5))),
        )
