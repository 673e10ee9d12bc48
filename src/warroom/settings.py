"""One typed configuration for the whole instance, read from ``WARROOM_*`` environment variables.

Why: the app factory, the CLI and the tests all build the same ``Settings``; nothing reads the
environment anywhere else. There are no default passwords: users authenticate with API keys that
the CLI creates and shows once. Every field is documented (``docs/configuration.md`` is checked
against this class by a test).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("warroom-data")
DEFAULT_DATABASE_URL = f"sqlite:///{DEFAULT_DATA_DIR}/warroom.db"


class Settings(BaseSettings):
    """warroom settings; each can be set as ``WARROOM_<NAME>`` (e.g. ``WARROOM_DATABASE_URL``)."""

    model_config = SettingsConfigDict(env_prefix="WARROOM_", extra="ignore")

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL of the exchange store: sqlite:///path (default) or "
        "postgresql+psycopg://user@host/db.",
    )
    host: str = Field(default="127.0.0.1", description="Address the server listens on.")
    port: int = Field(default=6464, description="Port the server listens on.")
    instance_name: str = Field(
        default="warroom", description="Title shown in TAXII discovery and the dashboard."
    )
    contact: str = Field(default="", description="Contact shown in TAXII discovery.")
    max_content_length: int = Field(
        default=20 * 1024 * 1024,
        description="Largest request body accepted, in bytes (TAXII api-root max_content_length).",
    )
    max_page_size: int = Field(
        default=1000, description="Largest number of objects a TAXII or REST page returns."
    )
    audit_reads: bool = Field(
        default=True,
        description="Record every read of AMBER, AMBER+STRICT and RED objects in the audit log "
        "(writes are always recorded).",
    )
    log_level: str = Field(default="info", description="Log level of the server.")
    auth_failure_limit: int = Field(
        default=20,
        description="Failed authentications an address may make within auth_failure_window "
        "before it gets 429 Too Many Requests (0: no limit).",
    )
    auth_failure_window: float = Field(
        default=60.0, description="Seconds over which failed authentications are counted."
    )
    rate_limit: float = Field(
        default=100.0,
        description="Requests a second one API key may make on average, per server process, "
        "before it gets 429 Too Many Requests (0: no limit).",
    )
    rate_burst: int = Field(
        default=200, description="Requests one API key may make at once above its rate."
    )
    request_timeout: float = Field(
        default=30.0,
        description="Seconds a request may take before the server answers 503 (0: no limit).",
    )
    workers: int = Field(
        default=0,
        description="Server processes for `warroom serve` (0: one per CPU core).",
    )
