"""What the form-typing step found in a request: ``requests.typed``.

``Request.typed`` (schema 1.7) lists the canary values typed into the page's fields
that a request carried, as JSON text. Rows saved before have NULL there and read as
an empty list.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add the nullable text column."""
    op.add_column("requests", sa.Column("typed", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop it again (what it held is lost)."""
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("typed")
