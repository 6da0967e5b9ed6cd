"""Domain errors.

Each error has a stable machine-readable ``code`` and names the ``field`` at fault.
The English ``str()`` is for logs; the HTTP layer renders localized messages from
``code`` and ``params``.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A business rule rejected a command or a value."""

    code: str = "error_de_dominio"

    def __init__(self, message: str, *, field: str | None = None, **params: Any) -> None:
        super().__init__(message)
        self.field = field
        self.params = params


class ValidationError(DomainError):
    """A value breaks a domain rule; nothing was stored."""

    def __init__(self, code: str, message: str, *, field: str, **params: Any) -> None:
        super().__init__(message, field=field, **params)
        self.code = code


class PagoYaReversado(DomainError):
    """A second reversal of the same payment."""

    code = "pago_ya_reversado"

    def __init__(self, pago_id: str) -> None:
        super().__init__(f"payment {pago_id} is already reversed", pago_id=pago_id)
