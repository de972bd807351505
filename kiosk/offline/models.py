"""The queue's tables (SQLAlchemy 2). Schema changes go through Alembic (./migrations).

Nothing here holds plaintext personal data: payloads and attachments live encrypted in the blob
store; ``display`` holds only masked values for "waiting" lists.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class State(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    RETRY = "retry"  # failed-retryable, waiting for next_attempt_at
    DELIVERED = "delivered"  # receipt verified and stored; payload about to be purged
    PURGED = "purged"  # tombstone: receipt + masked routing data, no payload
    DEAD = "dead"  # rejected / dead-letter; staff can re-drive


# The state machine: every allowed transition. Anything else is a bug.
TRANSITIONS: dict[State, frozenset[State]] = {
    State.QUEUED: frozenset({State.SENDING, State.DEAD}),
    State.SENDING: frozenset({State.DELIVERED, State.RETRY, State.DEAD}),
    State.RETRY: frozenset({State.SENDING, State.DEAD}),
    State.DELIVERED: frozenset({State.PURGED}),
    State.PURGED: frozenset(),
    State.DEAD: frozenset({State.QUEUED}),
}
PENDING_STATES = (State.QUEUED, State.SENDING, State.RETRY)


class Item(Base):
    __tablename__ = "queue_items"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the application id (UUID)
    kind: Mapped[str] = mapped_column(String(32), default="application")
    state: Mapped[str] = mapped_column(String(16), index=True)
    item_id: Mapped[str] = mapped_column(String(128))
    catalogue_version: Mapped[str] = mapped_column(String(64))
    display: Mapped[dict[str, str]] = mapped_column(JSON)  # masked values only
    # While queued: the BLAKE3 of the manifest draft (its attachment refs name blobs by content
    # hash; the contract's SHA-256 refs are filled in at sending, deterministically, so every
    # attempt sends the same bytes). Legacy rows: the SHA-256 of a final manifest. Once
    # delivered: the receipt's payload hash (SHA-256 of the bytes the platform received).
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    # The sealed manifest (envelope + masked routing), a few KB: kept in the row so one commit
    # makes it durable; cleared on purge. Attachments are files.
    manifest: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    size_bytes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)
    next_attempt_at: Mapped[float] = mapped_column(Float, default=0.0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_expires_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    last_error_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(300), nullable=True)
    case_number: Mapped[str | None] = mapped_column(String(32), nullable=True)
    receipt_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    receipt_signature: Mapped[str | None] = mapped_column(String(128), nullable=True)
    delivered_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    purged_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    dead_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    redrives: Mapped[int] = mapped_column(Integer, default=0)
    # Committed while its blobs were still being written (side by side, see
    # OfflineQueue.enqueue): until cleared, a crash may have left them incomplete, and recovery
    # checks them (0005).
    blobs_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    files: Mapped[list[ItemFile]] = relationship(back_populates="item", cascade="all, delete-orphan",
                                                 order_by="ItemFile.position")

    __table_args__ = (Index("ix_queue_due", "state", "next_attempt_at"),
                      Index("ix_queue_blobs_pending", "blobs_pending",
                            sqlite_where=text("blobs_pending = 1")))


class ItemFile(Base):
    """An encrypted attachment blob of an item: its file and its content hash (BLAKE3-256; queues
    written before 2026-11 used SHA-256, which reads still accept)."""

    __tablename__ = "queue_files"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    item_key: Mapped[str] = mapped_column(ForeignKey("queue_items.id", ondelete="CASCADE"),
                                          index=True)
    position: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))  # "attachment"
    name: Mapped[str] = mapped_column(String(128))
    # The column keeps its 0001 name; it holds the blob's local content address (see blobs.py).
    # The platform contract's SHA-256 is computed from the bytes when the item is sent.
    content_hash: Mapped[str] = mapped_column("sha256", String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    # The blob's file name in the store (0004: random, written into a spare file); NULL for
    # blobs written before, whose file is named by the content hash.
    blob: Mapped[str | None] = mapped_column(String(64), nullable=True)
    item: Mapped[Item] = relationship(back_populates="files")

    @property
    def file_name(self) -> str:
        return self.blob or self.content_hash


class Attempt(Base):
    """One delivery attempt (kept for diagnostics and to prove the backoff policy)."""

    __tablename__ = "queue_attempts"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    item_key: Mapped[str] = mapped_column(String(36), index=True)
    number: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[float] = mapped_column(Float)
    finished_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    detail: Mapped[str | None] = mapped_column(String(300), nullable=True)
    # The delay chosen after this attempt, and its bounds (for the policy check).
    delay_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    retry_after_s: Mapped[float | None] = mapped_column(Float, nullable=True)


class Meta(Base):
    """Small key/value state of the sync worker (catalogue ETag, last heartbeat …)."""

    __tablename__ = "queue_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
