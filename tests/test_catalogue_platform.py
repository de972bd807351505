"""Catalogue refresh from the reference platform over loopback (real HTTP, real signatures)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.catalogue.loader import SignatureVerifier
from kiosk.catalogue.platform_source import PlatformCatalogueSource
from kiosk.catalogue.store import CatalogueCache, CatalogueStore, RefreshStatus
from kiosk.config import PROJECT_ROOT
from platform_server.runner import PlatformHandle, start_local_platform
from tests.queue_support import make_client

DEMO = PROJECT_ROOT / "assets" / "catalogue" / "demo_catalogue.json"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[PlatformHandle, Path]]:
    doc = json.loads(DEMO.read_text("utf-8"))
    doc["version"] = "2026.12.01-platform"
    path = tmp_path / "served.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    handle = start_local_platform(tmp_path / "platform", catalogue_path=path)
    yield handle, path
    handle.stop()


def test_refresh_from_the_reference_platform(tmp_path: Path,
                                             served: tuple[PlatformHandle, Path]) -> None:
    handle, path = served
    client, _key = make_client(handle)
    verifier = SignatureVerifier(handle.signing_public_key)
    store = CatalogueStore(CatalogueCache(tmp_path / "cache.json"), DEMO, verifier)
    store.load()
    source = PlatformCatalogueSource(client)
    r = store.refresh(source)
    assert r.status is RefreshStatus.UPDATED and store.current.version == "2026.12.01-platform"
    assert store.refresh(source).status is RefreshStatus.NOT_MODIFIED
    # The cached copy verifies against the platform's key at the next start.
    again = CatalogueStore(CatalogueCache(tmp_path / "cache.json"), DEMO, verifier)
    assert again.load().version == "2026.12.01-platform" and again.origin == "cache"
    # The platform serves an invalid catalogue: refused, the kiosk keeps the one it has.
    bad = json.loads(path.read_text("utf-8"))
    bad["version"] = "2026.12.02-broken"
    bad["items"][0]["kind"] = "teleport"
    path.write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    r = store.refresh(source)
    assert r.status is RefreshStatus.REJECTED and "kind" in r.detail
    assert store.current.version == "2026.12.01-platform"
    # The platform is down: unreachable, nothing changes.
    handle.stop()
    assert store.refresh(source).status is RefreshStatus.UNREACHABLE
    assert store.current.version == "2026.12.01-platform"
    client.close()
