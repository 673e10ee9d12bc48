"""The application factory. Nothing is built at import time: ``create_app(settings, store)``
makes the engine, the services and the routes, so tests and the CLI can build as many apps as
they like."""

from __future__ import annotations

from fastapi import FastAPI

from warroom import __version__
from warroom.api.body_limit import BodyLimitMiddleware
from warroom.api.errors import install_error_handlers
from warroom.api.throttle import FailureLimiter, KeyRateLimiter
from warroom.api.timeout import TimeoutMiddleware
from warroom.services.audit import AuditService
from warroom.services.directory import DirectoryService
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
    app.state.directory = DirectoryService(store)
    app.state.audit = AuditService(store)
    app.state.auth_limiter = FailureLimiter(
        settings.auth_failure_limit, settings.auth_failure_window
    )
    app.state.key_limiter = KeyRateLimiter(settings.rate_limit, settings.rate_burst)
    install_error_handlers(app)

    app.add_middleware(BodyLimitMiddleware, limit=settings.max_content_length)
    app.add_middleware(TimeoutMiddleware, seconds=settings.request_timeout)

    from warroom.api import routes, taxii

    # each resource's router straight on the app: one level of route matching per request
    for module in taxii.MODULES:
        app.include_router(module.router)
    for module in routes.MODULES:
        app.include_router(module.router, prefix="/api/v1")
    return app


def worker_app() -> FastAPI:
    """The app of one ``warroom serve --workers N`` process: settings from the environment (the
    command exports them), the store opened without migrating (the command migrated it once,
    before starting the workers)."""
    settings = Settings()
    return create_app(settings, Store.open(settings.database_url, migrate=False))
