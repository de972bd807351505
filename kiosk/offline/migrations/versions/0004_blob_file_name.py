"""blob files get their own names (written into spare files made ahead), apart from the content hash

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: rows written before keep NULL, their file is named by the content hash.
    with op.batch_alter_table("queue_files") as batch:
        batch.add_column(sa.Column("blob", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("queue_files") as batch:
        batch.drop_column("blob")
