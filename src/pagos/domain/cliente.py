"""Client identifiers, normalized so that one client is always one client."""

from __future__ import annotations

import unicodedata

from pagos.domain.errors import ValidationError

CLIENTE_ID_MAX = 64

# Unicode categories that never belong in an identifier: control (Cc), format
# such as zero-width spaces and direction marks (Cf), surrogates (Cs), private
# use (Co), unassigned (Cn) and line or paragraph separators (Zl, Zp).
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def normalizar_cliente_id(value: object, *, field: str = "clienteId") -> str:
    """Return ``value`` trimmed and NFC-normalized, or raise ValidationError.

    The same function runs on the request body and on the URL path. A slash is
    rejected because client ids appear as one segment of the URL path.
    """
    if not isinstance(value, str):
        raise ValidationError("cliente_id_invalido", "clienteId must be a string", field=field)
    cliente_id = unicodedata.normalize("NFC", value).strip()
    if not cliente_id:
        raise ValidationError("cliente_id_vacio", "clienteId must not be empty", field=field)
    if len(cliente_id) > CLIENTE_ID_MAX:
        raise ValidationError(
            "cliente_id_demasiado_largo",
            f"clienteId must have at most {CLIENTE_ID_MAX} characters",
            field=field,
            maximo=CLIENTE_ID_MAX,
        )
    for character in cliente_id:
        if unicodedata.category(character) in _FORBIDDEN_CATEGORIES:
            raise ValidationError(
                "cliente_id_caracter_invalido",
                f"clienteId contains the forbidden character U+{ord(character):04X}",
                field=field,
                caracter=f"U+{ord(character):04X}",
            )
        if character == "/":
            raise ValidationError(
                "cliente_id_caracter_invalido",
                "clienteId must not contain '/'",
                field=field,
                caracter="U+002F",
            )
    if cliente_id in {".", ".."}:
        # URL clients resolve these as dot-segments, so the id could never be addressed in a path.
        raise ValidationError(
            "cliente_id_reservado", f"clienteId {cliente_id!r} is reserved in URL paths", field=field, valor=cliente_id
        )
    return cliente_id
