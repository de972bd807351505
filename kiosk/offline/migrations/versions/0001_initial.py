"""initial queue schema

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "queue_items",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("item_id", sa.String(128), nullable=False),
        sa.Column("catalogue_version", sa.String(64), nullable=False),
        sa.Column("display", sa.JSON(), nullable=False),
        sa.Column("manifest_sha256", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.Column("next_attempt_at", sa.Float(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_expires_at", sa.Float(), nullable=True),
        sa.Column("last_error_code", sa.String(32), nullable=True),
        sa.Column("last_error", sa.String(300), nullable=True),
        sa.Column("case_number", sa.String(32), nullable=True),
        sa.Column("receipt_json", sa.Text(), nullable=True),
        sa.Column("receipt_signature", sa.String(128), nullable=True),
        sa.Column("delivered_at", sa.Float(), nullable=True),
        sa.Column("purged_at", sa.Float(), nullable=True),
        sa.Column("dead_at", sa.Float(), nullable=True),
    )
    op.create_index("ix_queue_items_state", "queue_items", ["state"])
    op.create_index("ix_queue_due", "queue_items", ["state", "next_attempt_at"])
    op.create_table(
        "queue_files",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("item_key", sa.String(36),
                  sa.ForeignKey("queue_items.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
    )
    op.create_index("ix_queue_files_item_key", "queue_files", ["item_key"])
    op.create_index("ix_queue_files_sha256", "queue_files", ["sha256"])
    op.create_table(
        "queue_attempts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("item_key", sa.String(36), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.Float(), nullable=False),
        sa.Column("finished_at", sa.Float(), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("error_code", sa.String(32), nullable=True),
        sa.Column("detail", sa.String(300), nullable=True),
        sa.Column("delay_s", sa.Float(), nullable=True),
        sa.Column("retry_after_s", sa.Float(), nullable=True),
    )
    op.create_index("ix_queue_attempts_item_key", "queue_attempts", ["item_key"])
    op.create_table(
        "queue_meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("queue_meta")
    op.drop_table("queue_attempts")
    op.drop_table("queue_files")
    op.drop_table("queue_items")
