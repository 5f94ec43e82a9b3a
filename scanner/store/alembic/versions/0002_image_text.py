"""Screenshot text that is not an image gets a column of its own.

``screenshots.data`` and ``banners.screenshot`` hold the decoded image. A text that
is not canonical base64 used to be kept in that same column as TEXT, which only
SQLite allows; PostgreSQL's ``bytea`` holds bytes only. Such a text now goes to
``screenshots.data_text`` (``data`` then empty) and ``banners.screenshot_text``
(``screenshot`` then NULL), on both back ends. Rows saved before keep what they
have; privacyscan reads both.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add the two nullable text columns."""
    op.add_column("screenshots", sa.Column("data_text", sa.Text(), nullable=True))
    op.add_column("banners", sa.Column("screenshot_text", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop them again (texts kept there are lost)."""
    with op.batch_alter_table("banners") as batch:
        batch.drop_column("screenshot_text")
    with op.batch_alter_table("screenshots") as batch:
        batch.drop_column("data_text")
