"""Exact JSON parsing of request bodies: numbers become Decimal, never a binary float."""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a valid JSON number")


REPEATED_KEY_PREFIX = "repeated key: "


def _object_without_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # With repeated keys the last one would silently win, so that
    # {"monto": 10, "monto": 500} could mean either amount to different readers.
    result = dict(pairs)
    if len(result) != len(pairs):
        keys = [key for key, _ in pairs]
        repeated = next(key for key in keys if keys.count(key) > 1)
        raise ValueError(f"{REPEATED_KEY_PREFIX}{repeated}")
    return result


def loads_exact(body: bytes) -> Any:
    """Parse JSON with every number as Decimal. Raises json.JSONDecodeError for anything invalid.

    ``NaN`` and ``Infinity`` are rejected (they are not JSON), and so are
    repeated keys in one object and nesting deep enough to exhaust the parser's
    recursion.
    """
    text = body.decode("utf-8", errors="strict") if isinstance(body, bytes) else body
    try:
        return json.loads(
            text,
            parse_float=Decimal,
            parse_int=Decimal,
            parse_constant=_reject_constant,
            object_pairs_hook=_object_without_repeated_keys,
        )
    except ValueError as error:
        if isinstance(error, json.JSONDecodeError):
            raise
        raise json.JSONDecodeError(str(error), text, 0) from None
    except RecursionError:
        raise json.JSONDecodeError("nesting too deep", text, 0) from None


class ExactJsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = loads_exact(body)
            except UnicodeDecodeError:
                raise json.JSONDecodeError("the body is not UTF-8", "", 0) from None
        return self._json


class ExactJsonRoute(APIRoute):
    """Route whose JSON body is parsed by ``loads_exact``."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def exact_json_handler(request: Request) -> Response:
            return await handler(ExactJsonRequest(request.scope, request.receive))

        return exact_json_handler
