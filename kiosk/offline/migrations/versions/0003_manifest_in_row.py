"""keep the sealed manifest in the row (one durable commit instead of an extra file)

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("queue_items") as batch:
        batch.add_column(sa.Column("manifest", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    # Not a batch (copy-and-rename) operation: dropping the old queue_items with foreign keys
    # on would cascade into queue_files and delete every file row.
    op.execute("ALTER TABLE queue_items DROP COLUMN manifest")  # SQLite ≥ 3.35
