"""a row may be committed while its blobs are still being written: flag it until they are known durable

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not a batch (copy-and-rename) operation: dropping the old queue_items
# with foreign keys on would cascade into queue_files and delete every file row.


def upgrade() -> None:
    # Rows written before were committed after their blobs: 0.
    op.add_column("queue_items", sa.Column("blobs_pending", sa.Boolean(), nullable=False,
                                           server_default=sa.false()))
    # Partial: recovery looks up the few flagged rows without reading every tombstone.
    op.create_index("ix_queue_blobs_pending", "queue_items", ["blobs_pending"],
                    sqlite_where=sa.text("blobs_pending = 1"))


def downgrade() -> None:
    op.drop_index("ix_queue_blobs_pending", "queue_items")
    op.execute("ALTER TABLE queue_items DROP COLUMN blobs_pending")  # SQLite ≥ 3.35
