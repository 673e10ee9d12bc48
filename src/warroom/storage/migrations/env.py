"""Alembic environment: runs on the connection handed over by ``warroom.storage.engine.upgrade``."""

from alembic import context

from warroom.storage.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only via warroom.storage.engine.upgrade
    raise RuntimeError("run migrations with `warroom db upgrade`")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
