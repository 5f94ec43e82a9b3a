"""Each visitor's HTTP Archive (HAR) is kept with the scan: the table ``hars``.

One row per visitor of a site (``phase``), in capture order: the archive's entry
count, size and SHA-256 (of the uncompressed JSON), whether response bodies are
embedded, and the archive itself, gzip-compressed. Scans saved before have none.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

_INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create ``hars``."""
    op.create_table(
        "hars",
        sa.Column("id", _INT, primary_key=True, autoincrement=True),
        sa.Column("site_id", _INT, sa.ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", _INT, nullable=False),
        sa.Column("phase", sa.Text(), nullable=False),
        sa.Column("entries", _INT, nullable=False),
        sa.Column("size", _INT, nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("content", _INT, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.UniqueConstraint("site_id", "position"),
    )


def downgrade() -> None:
    """Drop ``hars`` (the archives are lost)."""
    op.drop_table("hars")
