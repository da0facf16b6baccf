"""Alembic environment: the connection is handed in by seatledger.db.migrate."""

from alembic import context

from seatledger.db.tables import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - `alembic` CLI use during development
    from seatledger.config import load_settings
    from seatledger.db.engine import engine_from_settings

    with engine_from_settings(load_settings()).begin() as connection:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
