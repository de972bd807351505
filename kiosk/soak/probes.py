"""What the soak measures in its own process: resident memory, threads, open files, the offline
queue's database connections (SQLAlchemy pool and the descriptors open on its SQLite files) and
Qt objects alive."""

from __future__ import annotations

import ctypes
import gc
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiosk.app import KioskApp

MB = 1024 * 1024
SQLITE_SUFFIXES = ("-wal", "-shm", "-journal")


@dataclass
class Sample:
    sessions: int
    seconds: float
    rss_mb: float
    threads: int
    fds: int
    db_connections: int  # the queue's pooled SQLite connections (idle + in use)
    db_checked_out: int  # of which in use right now
    db_fds: int  # descriptors open on the queue database, its WAL and shared-memory files
    qt_objects: int
    db_pool_capacity: int = 0  # idle connections the pools may keep (their pool_size)

    @property
    def db_fds_unpooled(self) -> int:
        """Descriptors on the queue's files beyond the pooled connections' own (database + WAL
        each, the shared-memory file once): a connection opened and never closed."""
        return self.db_fds - (2 * self.db_connections + 1 if self.db_connections else 0)


def qt_object_count(app: KioskApp) -> int:
    from kiosk.qt import QObject, QtWidgets

    roots: list[Any] = [app, *QtWidgets.QApplication.topLevelWidgets()]
    return sum(1 + len(r.findChildren(QObject)) for r in roots)


def fd_targets() -> list[str]:
    """Where each open descriptor of this process points (files, sockets, pipes)."""
    out: list[str] = []
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        return out
    for name in names:
        try:
            out.append(os.readlink(f"/proc/self/fd/{name}"))
        except OSError:
            continue  # closed meanwhile (the listing's own descriptor, a racing thread)
    return out


def open_fds() -> int:
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        import psutil

        return int(psutil.Process().num_fds())


def database_fds(database: Path, targets: list[str] | None = None) -> int:
    """Descriptors open on ``database`` and its -wal / -shm / -journal files."""
    base = str(database.resolve())
    names = {base, *(base + s for s in SQLITE_SUFFIXES)}
    return sum(1 for t in (fd_targets() if targets is None else targets) if t in names)


def pool_connections(engines: list[Any]) -> tuple[int, int, int]:
    """(open, checked out, idle capacity) over the SQLAlchemy engines' pools."""
    opened = used = capacity = 0
    for engine in engines:
        pool = getattr(engine, "pool", None)
        if pool is None or not hasattr(pool, "checkedout"):
            continue
        used += int(pool.checkedout())
        opened += int(pool.checkedout()) + int(pool.checkedin())
        capacity += int(pool.size())
    return opened, used, capacity


def queue_of(app: KioskApp) -> Any:
    services = getattr(app, "services", None)
    return getattr(services, "queue", None)


def queue_engines(queue: Any) -> list[Any]:
    if queue is None:
        return []
    engines = [queue.engine, getattr(queue, "_relaxed", None)]
    unique: list[Any] = []
    for e in engines:
        if e is not None and all(e is not u for u in unique):
            unique.append(e)
    return unique


def release_free_memory() -> None:
    """Hand free heap pages back to the system (glibc ``malloc_trim``), so the RSS sample counts
    memory in use, not what the allocator keeps cached from the last camera frame (which moved it
    by ±40 MB between samples)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc: the figure is noisier, not wrong


def measure(app: KioskApp, sessions: int, seconds: float) -> Sample:
    import psutil

    gc.collect()
    release_free_memory()
    queue = queue_of(app)
    engines = queue_engines(queue)
    # The sync worker may be mid-delivery: a connection in use for a moment is not a leak, one
    # still checked out after a second is.
    from kiosk.soak import ui

    ui.wait_for(lambda: pool_connections(engines)[1] == 0, 1.0)
    opened, used, capacity = pool_connections(engines)
    db_fds = database_fds(Path(queue.db_path)) if queue is not None else 0
    return Sample(sessions, round(seconds, 1), round(psutil.Process().memory_info().rss / MB, 2),
                  threading.active_count(), open_fds(), opened, used, db_fds, qt_object_count(app),
                  capacity)
