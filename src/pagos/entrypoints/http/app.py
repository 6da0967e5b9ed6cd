"""FastAPI application factory."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import uuid4

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pagos import __version__, bootstrap
from pagos.config import Settings
from pagos.entrypoints.http.problems import (
    PROBLEM_JSON,
    install_problem_handlers,
    problem_response,
)
from pagos.entrypoints.http.routes import health_router, router

logger = logging.getLogger(__name__)

CORRELATION_HEADER = "x-correlation-id"
_VALID_CORRELATION_ID = re.compile(r"[A-Za-z0-9._:-]{1,100}")


class CorrelationIdMiddleware:
    """Take the client's X-Correlation-Id (or make one), store it on the request and echo it back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = dict(scope["headers"]).get(CORRELATION_HEADER.encode(), b"").decode("latin-1")
        correlation_id = sent if _VALID_CORRELATION_ID.fullmatch(sent) else str(uuid4())
        scope.setdefault("state", {})["correlation_id"] = correlation_id

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-correlation-id", correlation_id.encode()))
            await send(message)

        await self.app(scope, receive, send_with_header)


class BodyLimitMiddleware:
    """Reject with 413 and a problem body a request body over ``max_body_bytes``.

    The body is read in full before the route runs, which is cheap at the sizes
    this API accepts, so that an oversized body is rejected whether or not it
    announced its length, and before any of it is parsed.
    """

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._reject(scope, receive, send)
            return

        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client disconnected before sending the whole body
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await self._reject(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break

        buffered = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return buffered

        await self.app(scope, replay, send)

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(Request(scope), "cuerpo_demasiado_grande", maximo=self.max_body_bytes)
        await response(scope, receive, send)


def _openapi_with_problem_media_type(app: FastAPI) -> dict[str, Any]:
    """Build the OpenAPI document with error schemas under application/problem+json, where the API sends them.

    FastAPI puts a response ``model`` under ``application/json``; the error
    responses are moved to the media type they really have.
    """
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
    for operation in (op for path in schema["paths"].values() for op in path.values()):
        for status, response in operation.get("responses", {}).items():
            content = response.get("content", {})
            if status[0] in "45" and PROBLEM_JSON in content and "application/json" in content:
                content[PROBLEM_JSON] = content.pop("application/json")
    app.openapi_schema = schema
    return schema


def create_app(settings: Settings | None = None, *, run_relay: bool = True, run_projector: bool = False) -> FastAPI:
    """Build the API; the lifespan wires the container and starts the background tasks asked for.

    ``run_relay`` publishes the outbox from this process. ``run_projector``
    also consumes Kafka into the read model, for a single-process set-up with
    Kafka; without Kafka the relay delivers to the projector in-process anyway.
    """
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        container = await bootstrap.build(settings)
        container.start_idempotency_purge()
        if run_relay:
            container.start_relay()
        if run_projector and settings.kafka_enabled:
            projection = bootstrap.build_kafka_projection(settings, container.projector)
            container.resources.start("kafka-projection", projection.run)
        app.state.container = container
        logger.info(
            "pagos API started: event store %s, read model %s, delivery %s, relay %s",
            "embedded SQLite" if settings.embedded else "external SQL",
            "MongoDB" if settings.connection_strings.mongodb else "SQLite",
            "Kafka" if settings.kafka_enabled else "in-process",
            "in this process" if run_relay else "elsewhere",
        )
        try:
            yield
        finally:
            await container.close()
            logger.info("pagos API stopped")

    app = FastAPI(
        title="pagos",
        version=__version__,
        summary="Event-sourced payments: SQL event store, transactional outbox, read-model projection",
        lifespan=lifespan,
    )
    app.include_router(router)
    app.include_router(health_router)
    install_problem_handlers(app)
    app.openapi = lambda: _openapi_with_problem_media_type(app)  # type: ignore[method-assign]
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=settings.pagos.max_body_bytes)
    app.add_middleware(CorrelationIdMiddleware)
    return app
