"""ISO 4217 currencies and their minor units, from the CLDR data that Babel ships."""

from __future__ import annotations

from datetime import date
from functools import cache

from babel.core import get_global
from babel.numbers import get_currency_precision, get_territory_currencies

from pagos.domain.money import Moneda


class BabelCurrencyCatalog:
    """Currencies that are legal tender in some territory today, per CLDR.

    Historic codes such as DEM and funds or metal codes such as XAU are absent,
    so a payment cannot be made in them.
    """

    def get(self, codigo: str) -> Moneda | None:
        if codigo not in _active_codes():
            return None
        return Moneda(codigo=codigo, decimales=get_currency_precision(codigo))


@cache
def _active_codes() -> frozenset[str]:
    today = date.today()
    return frozenset(
        code
        for territory in get_global("territory_currencies")
        for code in get_territory_currencies(territory, start_date=today, tender=True)
    )
