"""Alembic environment of the queue database; run programmatically by kiosk.offline.db."""

from alembic import context

from kiosk.offline.models import Base

config = context.config
connection = config.attributes.get("connection")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
