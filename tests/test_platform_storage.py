"""The reference platform's SQLite storage: new databases use 16 KiB pages (attachments are
stored in a quarter of the pages), an existing database keeps its page size and its data."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import select

from platform_server.db import SQLITE_PAGE_SIZE, Attachment, make_engine, make_sessionmaker


def _page_size(path: Path) -> int:
    with sqlite3.connect(path) as c:
        return int(c.execute("PRAGMA page_size").fetchone()[0])


def test_a_new_database_uses_large_pages_and_wal(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'p.sqlite3'}")
    with make_sessionmaker(engine)() as s:
        s.add(Attachment(sha256="a" * 64, total=3, received=3, data=b"abc", complete=True))
        s.commit()
    engine.dispose()
    assert _page_size(tmp_path / "p.sqlite3") == SQLITE_PAGE_SIZE == 16384
    with sqlite3.connect(tmp_path / "p.sqlite3") as c:
        assert c.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_an_existing_database_keeps_its_page_size_and_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as c:
        c.execute("PRAGMA page_size=4096")
        c.execute("PRAGMA journal_mode=WAL")
    engine = make_engine(f"sqlite:///{path}")
    with make_sessionmaker(engine)() as s:
        s.add(Attachment(sha256="b" * 64, total=2, received=2, data=b"xy", complete=True))
        s.commit()
    engine.dispose()
    engine = make_engine(f"sqlite:///{path}")
    with make_sessionmaker(engine)() as s:
        assert s.scalars(select(Attachment.data)).all() == [b"xy"]
    engine.dispose()
    assert _page_size(path) == 4096
