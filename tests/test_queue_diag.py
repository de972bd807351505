"""``kiosk-diag queue …`` against a real queue and the reference platform."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.config import load_config
from kiosk.diag.cli import main
from kiosk.offline import create_offline_queue
from kiosk.offline.store import Failure
from platform_server.runner import PlatformHandle, start_local_platform
from tests.queue_support import PERSON_ID, PERSON_NAME, application


@pytest.fixture
def platform(tmp_data_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PlatformHandle]:
    data = tmp_data_env / "data"
    h = start_local_platform(data / "platform")  # writes data/platform/platform_public.json
    monkeypatch.setenv("KIOSK__PLATFORM__BASE_URL", f'"{h.base_url}"')
    monkeypatch.setenv("KIOSK__PLATFORM__OFFER_TERMINAL_KEY", "true")
    monkeypatch.setenv("KIOSK__QUEUE__BACKOFF_BASE_S", "0.05")
    yield h
    h.stop()


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, object]:
    code = main(["--profile", "demo", *argv])
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_status_list_sync_redrive_export(platform: PlatformHandle, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    config = load_config("demo")
    q = create_offline_queue(config)
    ids = [str(q.enqueue(application(i)).application_id) for i in range(3)]
    claim = q.claim_next()
    assert claim is not None
    q.record_failure(claim, Failure("VALIDATION_FAILED", "test", transient=False))
    # While the kiosk (this queue) runs, inspection works read-only …
    code, status = run_json(capsys, "queue", "status", "--json")
    assert code == 0 and status["depth"] == 2 and status["dead"] == 1  # type: ignore[index]
    assert status["kiosk_running"] is True  # type: ignore[index]
    code, items = run_json(capsys, "queue", "list", "--json")
    text = json.dumps(items, ensure_ascii=False)
    assert PERSON_ID not in text and PERSON_NAME not in text and "**********" in text
    # … and sync becomes a request to the running kiosk.
    code, sync = run_json(capsys, "queue", "sync", "--json")
    assert sync == {"requested": True}
    q.close()
    code, sync = run_json(capsys, "queue", "sync", "--json")
    assert code == 0 and sync["delivered"] == 2 and sync["after"] == 0  # type: ignore[index]
    code, red = run_json(capsys, "queue", "redrive", ids[0], "--json")
    assert code == 0 and red["redriven"] is True  # type: ignore[index]
    code, sync = run_json(capsys, "queue", "sync", "--json")
    assert sync["delivered"] == 1 and sync["dead"] == 0  # type: ignore[index]
    out = tmp_path / "export.json"
    code, _exp = run_json(capsys, "queue", "export", "--output", str(out), "--json")
    data = json.loads(out.read_text())
    assert len(data["items"]) == 3 and all(i["state"] == "purged" for i in data["items"])
    assert PERSON_ID not in out.read_text()
    assert main(["--profile", "demo", "queue", "status"]) == 0
    assert "pending 0" in capsys.readouterr().out


def test_no_queue_yet(tmp_data_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--profile", "demo", "queue", "status"]) == 1
    assert "no queue database" in capsys.readouterr().out
