"""At rest: no plaintext personal data in the database or the files; migrations; Qt bridge."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlalchemy import create_engine, inspect

from kiosk.offline import db
from platform_server.runner import PlatformHandle
from tests.queue_support import PERSON_ID, PERSON_NAME, application, drain, make_kiosk, make_queue

pytest_plugins = ("tests.platform_fixtures",)  # platform, proxy, client

ADDRESS = "上海市徐汇区漕溪北路100号"


def raw_bytes_under(directory: Path) -> list[tuple[Path, bytes]]:
    out = []
    for dirpath, _dirs, files in os.walk(directory):
        for name in files:
            p = Path(dirpath) / name
            out.append((p, p.read_bytes()))
    return out


def needles(image: bytes) -> dict[str, list[bytes]]:
    def forms(text: str) -> list[bytes]:
        return [text.encode("utf-8"), text.encode("utf-16-le"), text.encode("gb18030")]
    return {"name": forms(PERSON_NAME), "id_number": forms(PERSON_ID),
            "address": forms(ADDRESS),
            # Any 32-byte window of the image would betray it; check several.
            "image": [image[i:i + 32] for i in range(0, len(image) - 32, len(image) // 8)]}


def test_no_plaintext_personal_data_at_rest(tmp_path: Path, platform: PlatformHandle) -> None:
    image = b"\xff\xd8\xff\xe0" + os.urandom(50_000) + b"\xff\xd9"
    k = make_kiosk(tmp_path, platform)
    try:
        for i in range(3):
            assert k.queue.enqueue(application(i, attachment_bytes=20_000,
                                               image=image if i == 0 else None)).ok
        pending = raw_bytes_under(tmp_path)  # queued: sealed payloads on disk
        assert any(p.name.endswith(".sqlite3") for p, _ in pending)
        assert sum(1 for p, _ in pending if "files" in p.parts) >= 4
        drain(k.worker)
        delivered = raw_bytes_under(tmp_path)  # tombstones only
    finally:
        k.close()
    for label, files in (("pending", pending), ("delivered", delivered)):
        for path, data in files:
            for what, forms in needles(image).items():
                for form in forms:
                    assert form not in data, f"{what} in plaintext in {path.name} ({label})"
    # The masked forms are what the rows hold.
    conn = sqlite3.connect(tmp_path / "queue.sqlite3")
    shown = conn.execute("SELECT display FROM queue_items").fetchall()
    conn.close()
    assert all("1101" not in s[0] or "*" in s[0] for s in shown)


def test_migrations_upgrade_from_empty_and_from_older(tmp_path: Path,
                                                      platform: PlatformHandle) -> None:
    assert db.head_revision() == db.HEAD_REVISION
    engine = db.make_engine(tmp_path / "old.sqlite3")
    db.migrate(engine, "0001")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO queue_items (id, kind, state, item_id, catalogue_version, display, "
            "manifest_sha256, size_bytes, created_at, updated_at, next_attempt_at, attempts) "
            "VALUES ('a', 'application', 'dead', 'x', '1', '{}', 'f', 1, 0, 0, 0, 0)")
    assert db.current_revision(engine) == "0001"
    db.migrate(engine)
    assert db.current_revision(engine) == db.HEAD_REVISION
    cols = {c["name"] for c in inspect(engine).get_columns("queue_items")}
    assert "redrives" in cols
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT redrives FROM queue_items").scalar() == 0
    engine.dispose()
    # From empty, through the queue's own open().
    with make_queue(tmp_path / "fresh", platform) as q:
        assert db.current_revision(q.engine) == db.HEAD_REVISION
        mode = q.engine.connect().exec_driver_sql("PRAGMA journal_mode").scalar()
        assert mode == "wal"
        sync = q.engine.connect().exec_driver_sql("PRAGMA synchronous").scalar()
        assert sync == 2  # FULL
    # The models and the migrations describe the same schema.
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from kiosk.offline.models import Base

    e2 = create_engine(f"sqlite:///{tmp_path / 'fresh' / 'queue.sqlite3'}")
    with e2.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    e2.dispose()
    assert diff == [], diff


def test_qt_bridge_reports_without_blocking_the_ui(qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                   platform: PlatformHandle) -> None:
    from kiosk.offline.qtbridge import QueueBridge

    k = make_kiosk(tmp_path, platform)
    bridge = QueueBridge(k.worker)
    try:
        depths: list[tuple[int, float]] = []
        bridge.queueChanged.connect(lambda d, age: depths.append((d, age)))
        with qtbot.waitSignal(bridge.enqueueFinished, timeout=10_000) as enq:
            bridge.enqueue(application(1))
        assert enq.args[0].ok
        with qtbot.waitSignal(bridge.deliveryCompleted, timeout=15_000) as done:
            k.worker.start()
        assert done.args[0] == enq.args[0].application_id and done.args[1].startswith("ZW")
        qtbot.waitUntil(lambda: bool(depths) and depths[-1][0] == 0, timeout=5_000)
        assert any(d == 1 for d, _ in depths)
    finally:
        bridge.shutdown()
        k.close()
