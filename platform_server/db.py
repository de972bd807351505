"""The reference platform's database (SQLAlchemy 2; SQLite by default, PostgreSQL by URL)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker


class Base(DeclarativeBase):
    pass


class Application(Base):
    """One received application; ``application_id`` is the client's idempotency key."""

    __tablename__ = "applications"
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[str] = mapped_column(String(36), unique=True)
    request_sha256: Mapped[str] = mapped_column(String(64))
    terminal_id: Mapped[str] = mapped_column(String(64))
    item_id: Mapped[str] = mapped_column(String(128))
    case_number: Mapped[str] = mapped_column(String(32), unique=True)
    receipt_json: Mapped[str] = mapped_column(Text)
    receipt_signature: Mapped[str] = mapped_column(String(128))
    id_number: Mapped[str] = mapped_column(String(18), index=True)
    payload_json: Mapped[str] = mapped_column(Text)  # opened with the platform's private key
    received_at: Mapped[datetime] = mapped_column(DateTime)


class Attachment(Base):
    """An encrypted attachment blob, addressed by its SHA-256, uploaded in resumable parts."""

    __tablename__ = "attachments"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    total: Mapped[int] = mapped_column(Integer)
    received: Mapped[int] = mapped_column(Integer, default=0)
    data: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    complete: Mapped[bool] = mapped_column(default=False)


class Case(Base):
    __tablename__ = "cases"
    case_number: Mapped[str] = mapped_column(String(32), primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18), index=True)
    item_id: Mapped[str] = mapped_column(String(128))
    item_title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(32))
    department: Mapped[str] = mapped_column(String(200))
    submitted_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    history: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)


class CertificateRow(Base):
    __tablename__ = "certificate_rows"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), index=True)
    id_number: Mapped[str] = mapped_column(String(18), index=True)
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    fields: Mapped[dict[str, object]] = mapped_column(JSON)


class Licence(Base):
    __tablename__ = "licences"
    id: Mapped[int] = mapped_column(primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18), index=True)
    licence_type: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    number: Mapped[str] = mapped_column(String(64))
    issuer: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[str] = mapped_column(String(10))
    valid_to: Mapped[str] = mapped_column(String(10))
    fields: Mapped[dict[str, object]] = mapped_column(JSON)


class Person(Base):
    """The police photo register, reduced to what the demo's face rule needs."""

    __tablename__ = "people"
    id_number: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))


class Hall(Base):
    __tablename__ = "halls"
    hall_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    region_code: Mapped[str] = mapped_column(String(6))


class Slot(Base):
    __tablename__ = "slots"
    slot_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("halls.hall_id"), index=True)
    date: Mapped[str] = mapped_column(String(10), index=True)
    start: Mapped[str] = mapped_column(String(5))
    end: Mapped[str] = mapped_column(String(5))
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)


class Booking(Base):
    __tablename__ = "bookings"
    __table_args__ = (UniqueConstraint("idempotency_key"),)
    booking_number: Mapped[str] = mapped_column(String(32), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(36))
    request_sha256: Mapped[str] = mapped_column(String(64))
    slot_id: Mapped[str] = mapped_column(ForeignKey("slots.slot_id"))
    id_number: Mapped[str] = mapped_column(String(18))
    item_id: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Terminal(Base):
    __tablename__ = "terminals"
    terminal_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    public_key: Mapped[str] = mapped_column(String(64))
    last_heartbeat: Mapped[dict[str, object] | None] = mapped_column(JSON, nullable=True)
    last_seen: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Nonce(Base):
    """Seen request nonces (replay protection), pruned once outside the time window."""

    __tablename__ = "nonces"
    terminal_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[float] = mapped_column(index=True)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(conn, _record):  # type: ignore[no-untyped-def]
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
    else:
        engine = create_engine(url, pool_pre_ping=True)
    Base.metadata.create_all(engine)
    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker:  # type: ignore[type-arg]
    return sessionmaker(engine, expire_on_commit=False)


class Raw:
    """A Core statement compiled once for one dialect and run on a DBAPI cursor directly.

    The hot path (every signed request's authentication, attachment uploads, manifests) costs
    less without the Core execution context around each statement; the SQL is still the one
    SQLAlchemy renders for the engine's dialect (SQLite or PostgreSQL), and values go through
    the same bind processors (dates, JSON, booleans) as through the ORM."""

    def __init__(self, stmt: Any, dialect: Dialect) -> None:
        compiled = stmt.compile(dialect=dialect)
        self.sql = compiled.string
        names = list(compiled.positiontup) if compiled.positional else list(compiled.binds)
        self.positional = bool(compiled.positional)
        self.names = names
        self.processors = {
            name: proc for name in set(names)
            if (proc := compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
            is not None}

    def params(self, values: dict[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        procs = self.processors
        if procs:
            values = {k: (procs[k](v) if k in procs else v) for k, v in values.items()}
        if self.positional:
            return tuple(values[n] for n in self.names)
        return {n: values[n] for n in self.names}


class RawConnection:
    """A pooled DBAPI connection used through :class:`Raw` statements (one per request)."""

    def __init__(self, engine: Engine) -> None:
        self._conn: Any = engine.raw_connection()
        self.integrity_error: type[Exception] = engine.dialect.dbapi.IntegrityError  # type: ignore[union-attr]

    def execute(self, stmt: Raw, **values: Any) -> Any:
        cur = self._conn.cursor()
        cur.execute(stmt.sql, stmt.params(values))
        return cur

    def first(self, stmt: Raw, **values: Any) -> Any:
        cur = self.execute(stmt, **values)
        try:
            return cur.fetchone()
        finally:
            cur.close()

    def run(self, stmt: Raw, **values: Any) -> int:
        cur = self.execute(stmt, **values)
        count: int = cur.rowcount
        cur.close()
        return count

    def commit(self) -> None:
        self._conn.commit()

    def rollback(self) -> None:
        self._conn.rollback()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()  # back to the pool (which rolls back anything left open)
            self._conn = None
