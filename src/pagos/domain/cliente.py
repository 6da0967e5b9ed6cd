"""Client identifiers, normalized so that one client is always one client."""

from __future__ import annotations

import unicodedata

from pagos.domain.errors import ValidationError

CLIENTE_ID_MAX = 64

# Besides letters, digits and combining marks, the punctuation an id may hold.
# Quotes, semicolons, slashes, brackets and the like are excluded: ids appear in
# URL paths, logs and other systems' queries, where they could change meaning.
_ALLOWED_SYMBOLS = " -_.@:+#"

# Unicode categories that never belong in an identifier: control (Cc), format
# such as zero-width spaces and direction marks (Cf), surrogates (Cs), private
# use (Co), unassigned (Cn) and line or paragraph separators (Zl, Zp).
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def normalizar_cliente_id(value: object, *, field: str = "clienteId") -> str:
    """Return ``value`` trimmed and NFC-normalized, or raise ValidationError.

    The same function runs on the request body and on the URL path. An id contains
    letters, digits, spaces and ``-_.@:+#``, in one of the look-alike alphabets
    (Latin, Cyrillic, Greek) at most, and no compatibility characters.
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
        if not (character.isalnum() or unicodedata.category(character).startswith("M") or character in _ALLOWED_SYMBOLS):
            raise ValidationError(
                "cliente_id_caracter_invalido",
                f"clienteId contains {character!r}; only letters, digits, spaces and {_ALLOWED_SYMBOLS.strip()} are allowed",
                field=field,
                caracter=f"U+{ord(character):04X}",
            )
    if unicodedata.normalize("NFKC", cliente_id) != cliente_id:
        # Fullwidth letters, ligatures and the like look the same as plain
        # characters, so "ａｎａ" and "ana" would be two clients.
        raise ValidationError(
            "cliente_id_no_canonico",
            "clienteId contains compatibility characters such as fullwidth letters",
            field=field,
            sugerido=unicodedata.normalize("NFKC", cliente_id),
        )
    scripts = {_confusable_script(character) for character in cliente_id} - {None}
    if len(scripts) > 1:
        raise ValidationError(
            "cliente_id_alfabetos_mezclados",
            f"clienteId mixes the look-alike alphabets {', '.join(sorted(scripts))}",
            field=field,
            alfabetos_es=", ".join(_SCRIPT_NAMES_ES[script] for script in sorted(scripts)),
            alfabetos_en=", ".join(script.capitalize() for script in sorted(scripts)),
        )
    if cliente_id in {".", ".."}:
        # URL clients resolve these as dot-segments, so the id could never be addressed in a path.
        raise ValidationError(
            "cliente_id_reservado", f"clienteId {cliente_id!r} is reserved in URL paths", field=field, valor=cliente_id
        )
    return cliente_id


# Alphabets whose letters are easily mistaken for one another (Latin "a" and
# Cyrillic "а"). An id may use any one of them, but not a mix.
_CONFUSABLE_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK")
_SCRIPT_NAMES_ES = {"LATIN": "latino", "CYRILLIC": "cirílico", "GREEK": "griego"}


def _confusable_script(character: str) -> str | None:
    if not character.isalpha():
        return None
    name = unicodedata.name(character, "")
    return next((script for script in _CONFUSABLE_SCRIPTS if name.startswith(script)), None)
