"""What the soak measures in its own process: resident memory, threads, open files, the offline
queue's database connections (SQLAlchemy pool and the descriptors open on its SQLite files) and
Qt objects alive.

The demo runs the test rig in the kiosk's process: the reference platform (uvicorn, whose worker
threads come and go with its load), the fault proxy in front of it (a thread and two sockets per
open connection) and the device simulators. Threads and descriptors are counted for the kiosk and
for the rig apart (by thread name; sockets by their ports); the budgets apply to the kiosk's.
Resident memory cannot be told apart: it includes the rig's.
"""

from __future__ import annotations

import ctypes
import gc
import os
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiosk.app import KioskApp

MB = 1024 * 1024
SQLITE_SUFFIXES = ("-wal", "-shm", "-journal")
RIG_THREADS = ("AnyIO worker thread", "reference-platform", "fault-proxy", "printer-sim-", "idcard-sim-",
               "vcard-")


@dataclass
class Sample:
    sessions: int
    seconds: float
    rss_mb: float  # the whole process, test rig included
    threads: int  # the kiosk's
    fds: int  # the kiosk's
    db_connections: int  # the queue's pooled SQLite connections (idle + in use)
    db_checked_out: int  # of which in use right now
    db_fds: int  # descriptors open on the queue database, its WAL and shared-memory files
    qt_objects: int
    db_pool_capacity: int = 0  # idle connections the pools may keep (their pool_size)
    rig_threads: int = 0  # reference platform, fault proxy, simulators (not budgeted)
    rig_fds: int = 0
    fd_kinds: dict[str, int] = field(default_factory=dict)  # what the kiosk's descriptors are
    thread_names: dict[str, int] = field(default_factory=dict)  # the kiosk's threads by name

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


def _tcp_ports() -> dict[str, tuple[int, int]]:
    """Socket inode → (local port, remote port) for this process's TCP sockets."""
    out: dict[str, tuple[int, int]] = {}
    for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if len(parts) > 9:
                out[parts[9]] = (int(parts[1].rsplit(":", 1)[1], 16), int(parts[2].rsplit(":", 1)[1], 16))
    return out


def split_fds(targets: list[str], listen_ports: set[int], upstream_ports: set[int],
              rig_dirs: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """(the kiosk's, the rig's) descriptors. The rig's: files in its data directories and the
    sockets on its ports (the proxy's and the platform's listeners and accepted connections, the
    proxy's connections to the platform)."""
    ports = _tcp_ports()
    kiosk: list[str] = []
    rig: list[str] = []
    for t in targets:
        if t.startswith("socket:["):
            local, remote = ports.get(t[8:-1], (0, 0))
            (rig if local in listen_ports or remote in upstream_ports else kiosk).append(t)
        else:
            (rig if rig_dirs and t.startswith(rig_dirs) else kiosk).append(t)
    return kiosk, rig


def fd_kind(target: str) -> str:
    """socket / pipe / anon_inode:[eventfd] … or the file's directory and suffix."""
    if target.startswith(("socket:", "pipe:")):
        return target.split(":", 1)[0]
    if target.startswith("anon_inode:"):
        return target
    path = Path(target)
    return f"{path.parent}/*{path.suffix}" if path.suffix else str(path)


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
    targets = fd_targets()
    db_fds = database_fds(Path(queue.db_path), targets) if queue is not None else 0
    platform = getattr(app, "platform_server", None)  # in this process (demo), or None
    proxy = app.simulators.get("platform")
    listen = {p for p in (getattr(proxy, "port", None), getattr(platform, "port", None)) if p}
    upstream = {p for p in (getattr(proxy, "upstream_port", None),) if p}
    rig_dirs = (str(Path(platform.data_dir).resolve()),) if platform is not None else ()
    kiosk_fds, rig_fds = split_fds(targets, listen, upstream, rig_dirs)
    kiosk_threads = [re.sub(r"[-_ ]?\d+$", "", t.name) for t in threading.enumerate()
                     if not t.name.startswith(RIG_THREADS)]
    return Sample(sessions, round(seconds, 1), round(psutil.Process().memory_info().rss / MB, 2),
                  len(kiosk_threads), len(kiosk_fds), opened, used, db_fds, qt_object_count(app),
                  capacity, threading.active_count() - len(kiosk_threads), len(rig_fds),
                  dict(Counter(fd_kind(t) for t in kiosk_fds)), dict(Counter(kiosk_threads)))
