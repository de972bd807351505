"""Fixtures shared by the queue and platform tests (``pytest_plugins = ("tests.platform_fixtures",)``):
one real reference platform per test module, a fault-injecting proxy in front of it, a client,
an open queue for that platform."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.offline.store import OfflineQueue
from kiosk.platform.client import PlatformClient
from platform_server.faultproxy import FaultProxy
from platform_server.runner import PlatformHandle, start_local_platform
from tests.queue_support import make_client, make_queue


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlatformHandle]:
    h = start_local_platform(tmp_path_factory.mktemp("platform"))
    yield h
    h.stop()


@pytest.fixture
def proxy(platform: PlatformHandle) -> Iterator[FaultProxy]:
    p = FaultProxy(platform.port).start()
    yield p
    p.stop()


@pytest.fixture
def client(platform: PlatformHandle) -> Iterator[PlatformClient]:
    c, _ = make_client(platform, terminal_id="T-" + uuid.uuid4().hex[:6])
    yield c
    c.close()


@pytest.fixture
def queue(tmp_path: Path, platform: PlatformHandle) -> Iterator[OfflineQueue]:
    """An open queue whose terminal the module's platform knows."""
    q = make_queue(tmp_path, platform)
    q.open()
    yield q
    q.close()
