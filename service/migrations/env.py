"""Alembic environment: the URL comes from the caller (service.adapters.migrate), never from a file."""

from alembic import context
from sqlalchemy import text

from service.adapters.orm import Base, make_engine

config = context.config
engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":  # processes starting at once migrate one after the other
            connection.execute(text("SELECT pg_advisory_xact_lock(7470326)"))
        context.run_migrations()
engine.dispose()
