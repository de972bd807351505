"""Opening the queue database: SQLite with WAL + synchronous=FULL, Alembic migrations at open."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# The newest migration; a test checks it matches the scripts, so open() can skip Alembic
# (and its script loading) when the database is already current.
HEAD_REVISION = "0005"


def make_engine(path: Path, synchronous: str = "FULL") -> Engine:
    """``FULL`` for what must survive a power cut the instant it returns (an enqueue);
    ``NORMAL`` (still crash-safe, durable at the next FULL commit) for delivery bookkeeping that
    the platform's idempotency makes safe to repeat."""
    # isolation_level=None + an explicit BEGIN: the sqlite3 driver otherwise commits DDL on its
    # own, so a crash mid-migration left half a schema (found by the SIGKILL crash test).
    engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False,
                                                              "timeout": 30,
                                                              "isolation_level": None})

    @event.listens_for(engine, "begin")
    def _begin(conn):  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN")

    @event.listens_for(engine, "connect")
    def _pragmas(conn, _record):  # type: ignore[no-untyped-def]
        cur = conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    return engine


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (from empty, or from any older version)."""
    if revision == "head" and current_revision(engine) == HEAD_REVISION:
        return
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
        return str(row[0]) if row else None


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head
