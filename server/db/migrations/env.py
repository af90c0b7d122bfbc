"""Alembic environment: the URL comes from the caller (server.db.migrate), never from a global."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from server.db.models import Base

url = context.config.attributes.get("database_url") or context.config.get_main_option("sqlalchemy.url")
if not url:
    raise RuntimeError("no database URL given to the migrations")

connectable = create_engine(url, poolclass=pool.NullPool)
with connectable.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()
connectable.dispose()
