"""Exact money values: currencies, amounts and the rules that bind them.

Amounts are ``Decimal`` from end to end. A value that does not fit the currency's
minor unit is rejected, never rounded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from pagos.domain.errors import ValidationError

# Upper bound on any amount, in the currency's major unit. It is a guard against
# typing mistakes and absurd input, not a business limit, and applies to every
# currency alike.
MONTO_MAXIMO = Decimal("1000000000")

# Plain decimal notation only for amounts sent as strings: an optional sign,
# digits and an optional fraction. Exponents, spaces, "NaN" and "Infinity" are
# rejected so that a string amount reads the same to every client.
_DECIMAL_STRING = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_MAX_DIGITS = 40

_CURRENCY_CODE = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True, slots=True)
class Moneda:
    """An ISO 4217 currency and the number of decimals of its minor unit."""

    codigo: str
    decimales: int

    def __post_init__(self) -> None:
        if not _CURRENCY_CODE.fullmatch(self.codigo):
            raise ValueError(f"invalid ISO 4217 code: {self.codigo!r}")
        if not 0 <= self.decimales <= 4:
            raise ValueError(f"invalid minor unit for {self.codigo}: {self.decimales}")


def normalizar_codigo_moneda(value: object) -> str:
    """Return the upper-case currency code, or raise ValidationError for a malformed one."""
    if not isinstance(value, str):
        raise ValidationError(
            "moneda_invalida", "moneda must be a three-letter ISO 4217 code", field="moneda", valor=value
        )
    codigo = value.strip().upper()
    if not _CURRENCY_CODE.fullmatch(codigo):
        raise ValidationError(
            "moneda_invalida", f"moneda {value!r} is not a three-letter ISO 4217 code", field="moneda", valor=value
        )
    return codigo


def parse_monto(value: object, moneda: Moneda) -> Decimal:
    """Parse an amount exactly and check it against ``moneda``.

    ``value`` is a ``Decimal`` (a JSON number parsed without a binary float), an
    ``int`` or a string in plain decimal notation. The result is quantized to the
    currency's decimals, which only adds trailing zeros because more decimals than
    the currency allows are rejected. Raises ValidationError naming ``monto``.
    """
    monto = _to_decimal(value)
    if not monto.is_finite():
        raise ValidationError("monto_invalido", "monto must be a finite number", field="monto", valor=str(value))
    if monto <= 0:
        raise ValidationError("monto_no_positivo", "monto must be greater than 0", field="monto", valor=_plain(monto))
    if monto > MONTO_MAXIMO:
        raise ValidationError(
            "monto_demasiado_grande",
            f"monto must not exceed {MONTO_MAXIMO}",
            field="monto",
            maximo=_plain(MONTO_MAXIMO),
        )

    exponent = int(monto.as_tuple().exponent)  # an int for every finite value
    if -exponent > moneda.decimales:
        raise ValidationError(
            "monto_sin_decimales" if moneda.decimales == 0 else "monto_demasiados_decimales",
            f"monto {_plain(monto)} has more than {moneda.decimales} decimals, the maximum for {moneda.codigo}",
            field="monto",
            valor=_plain(monto),
            escritos=-exponent,
            moneda=moneda.codigo,
            decimales=moneda.decimales,
        )
    return monto.quantize(Decimal(1).scaleb(-moneda.decimales))


def formatear_monto(monto: Decimal) -> str:
    """Format an amount in plain notation, never with an exponent."""
    return _plain(monto)


def _to_decimal(value: object) -> Decimal:
    if isinstance(value, bool):
        raise ValidationError("monto_invalido", "monto must be a number or a decimal string", field="monto", valor=value)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        text = value.strip()
        if len(text) > _MAX_DIGITS or not _DECIMAL_STRING.fullmatch(text):
            raise ValidationError(
                "monto_invalido",
                "monto must be a number or a string in plain decimal notation such as \"100.10\"",
                field="monto",
                valor=value[:_MAX_DIGITS],
            )
        try:
            return Decimal(text)
        except InvalidOperation as error:  # unreachable after the pattern check, kept as a guard
            raise ValidationError("monto_invalido", "monto is not a decimal number", field="monto", valor=value) from error
    raise ValidationError("monto_invalido", "monto must be a number or a decimal string", field="monto", valor=None)


def _plain(monto: Decimal) -> str:
    return format(monto, "f")
