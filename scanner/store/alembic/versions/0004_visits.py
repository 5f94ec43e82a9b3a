"""Repeat visits (``--visits N``): each finding says in how many visits it was seen.

Two integer columns on ``findings``: ``seen_in`` and ``visits`` (schema 1.6). Rows
saved before get 1 and 1: a scan made with one visit saw each of its findings once.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

_INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Add ``seen_in`` and ``visits`` (1 for every finding saved before)."""
    op.add_column("findings", sa.Column("seen_in", _INT, nullable=False, server_default="1"))
    op.add_column("findings", sa.Column("visits", _INT, nullable=False, server_default="1"))


def downgrade() -> None:
    """Drop them again (the counts are lost)."""
    with op.batch_alter_table("findings") as batch:
        batch.drop_column("visits")
        batch.drop_column("seen_in")
