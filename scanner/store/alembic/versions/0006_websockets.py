"""What a page sent over a WebSocket: ``Request.websocket`` as ``websocket_*`` columns.

Three nullable columns on ``requests``: frames sent, bytes sent and the SHA-256 of the
first bytes. Requests saved before (and every request that is not a WebSocket) have
NULL there: no WebSocket record.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

Int = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
"""As in the baseline: BIGINT on PostgreSQL, INTEGER on SQLite."""


def upgrade() -> None:
    """Add the three nullable columns."""
    op.add_column("requests", sa.Column("websocket_frames_sent", Int, nullable=True))
    op.add_column("requests", sa.Column("websocket_bytes_sent", Int, nullable=True))
    op.add_column("requests", sa.Column("websocket_first_bytes_sha256", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop them again (what was recorded there is lost)."""
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("websocket_first_bytes_sha256")
        batch.drop_column("websocket_bytes_sent")
        batch.drop_column("websocket_frames_sent")
