"""The application factory. Nothing is built at import time: ``create_app(settings, store)``
makes the engine, the services and the routes, so tests and the CLI can build as many apps as
they like."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from starlette.responses import Response

from warroom import __version__
from warroom.api.errors import error_response, install_error_handlers
from warroom.services.exchange import ExchangeService
from warroom.settings import Settings
from warroom.storage.store import Store


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    settings = settings or Settings()
    store = store or Store.open(settings.database_url)
    app = FastAPI(
        title=f"{settings.instance_name} — warroom API",
        version=__version__,
        description="REST API of the warroom election threat exchange. "
        "The TAXII 2.1 server lives under /taxii2/.",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.exchange = ExchangeService(store, settings)
    install_error_handlers(app)

    @app.middleware("http")
    async def limit_body(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        length = request.headers.get("content-length")
        limit = settings.max_content_length
        if length is not None:
            if not length.isdigit():
                return error_response(request, 400, "Bad request", "invalid Content-Length")
            if int(length) > limit:
                return error_response(
                    request,
                    413,
                    "Request too large",
                    f"the body is {length} bytes; this server accepts at most {limit}",
                )
        elif request.method in ("POST", "PUT", "PATCH"):
            body = b""
            async for chunk in request.stream():
                body += chunk
                if len(body) > limit:
                    return error_response(
                        request,
                        413,
                        "Request too large",
                        f"this server accepts at most {limit} bytes",
                    )
            request._body = body  # the stream is consumed; hand the body on
        return await call_next(request)

    from warroom.api.routes import router as rest_router
    from warroom.api.taxii import router as taxii_router

    app.include_router(taxii_router)
    app.include_router(rest_router, prefix="/api/v1")
    return app
