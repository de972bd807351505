"""Test-wide settings: offscreen Qt, Qt warnings fail the test, an isolated data directory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("QT_IM_MODULE", None)


@pytest.fixture
def tmp_data_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the kiosk's data, log and temp directories at a fresh folder."""
    monkeypatch.setenv("KIOSK__PATHS__DATA_DIR", f'"{tmp_path / "data"}"')
    monkeypatch.setenv("KIOSK__PATHS__LOG_DIR", f'"{tmp_path / "logs"}"')
    monkeypatch.setenv("KIOSK__PATHS__TEMP_DIR", f'"{tmp_path / "tmp"}"')
    return tmp_path


@pytest.fixture(autouse=True)
def _collect_garbage_on_the_main_thread() -> Iterator[None]:
    """As in the app (kiosk.app.take_over_garbage_collection): no automatic cyclic GC, which could
    run on a worker thread and destroy a Qt object there; collect between tests, on this thread."""
    import gc

    gc.disable()
    yield
    gc.collect()


@pytest.fixture(autouse=True)
def _isolated_audit_log(tmp_path: Path) -> Iterator[Path]:
    """Every test gets its own audit file (the audit module keeps its path globally)."""
    from kiosk import audit

    path = tmp_path / "audit-default.jsonl"
    audit.configure(path)
    yield path
    audit._path = None


@pytest.fixture(autouse=True)
def _clear_redactions() -> Iterator[None]:
    from kiosk.privacy import REDACTIONS

    yield
    REDACTIONS.clear()
