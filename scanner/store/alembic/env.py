"""Alembic's entry point for privacyscan's scan history (run by :mod:`scanner.store.migrate`).

It migrates over the connection it is handed, inside the transaction that connection
has open: a SQLite file brought from a legacy version, stamped and upgraded changes
all at once or not at all, and on PostgreSQL the advisory lock taken in that
transaction keeps two processes from migrating at the same time.
"""

from __future__ import annotations

from alembic import context

from scanner.store.schema import metadata

context.configure(
    connection=context.config.attributes["connection"],
    target_metadata=metadata,
    transaction_per_migration=False,
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
