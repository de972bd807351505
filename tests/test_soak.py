"""Short soak (the long one: ``python -m kiosk.soak --sessions 1000``): the real app with its
simulated devices, the local reference platform behind the fault proxy and the real offline
queue runs citizen sessions in accelerated time — every demo journey tapped through the UI, device
faults, a network drop at submit, a citizen walking away. Memory, threads, open files, database
connections and Qt objects after the warm-up and at the end stay within the budgets of
:mod:`kiosk.soak.report`; every queued application reaches the platform exactly once; every
receipt prints (also the one right after a technician cleared paper out); afterwards no file the
kiosk wrote holds a test person's name, ID number, address, phone or card number."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from kiosk.logs import setup_logging
from kiosk.soak import ACCELERATED_ENV, Soak, bring_up, privacy_scan
from kiosk.soak.citizen import JOURNEYS

pytest_plugins = ("tests.shell_helpers",)

SESSIONS = 24
# Resident memory in a run this short: the first hundred sessions carry one-off steps (each worker
# thread's first A4 PDF, capture, burst of enqueues raising its malloc arena once; ~10 MB in the
# long run, flat afterwards), so this catches gross leaks (a megabyte a citizen); quality.md's
# 10 MB after 1,000 sessions is the long soak's (python -m kiosk.soak).
SHORT_RSS_ALLOWANCE_MB = 25.0
DEVICES = {"idcard", "printer", "doc_camera", "face_camera"} | ({"a4"} if os.geteuid() == 0 else set())


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_short_soak(make_app: Any, qtbot: QtBot, tmp_data_env: Path, monkeypatch: pytest.MonkeyPatch,
                    capsys: pytest.CaptureFixture[str]) -> None:
    for key, value in ACCELERATED_ENV.items():
        monkeypatch.setenv(key, value)
    setup_logging(tmp_data_env / "logs", "INFO", also_stderr=False)
    # pytest keeps every captured log record in memory for its report: that is pytest's memory,
    # not the kiosk's, so its capture handlers sit out the soak (the JSON log file still gets all).
    for h in logging.getLogger().handlers:
        if type(h).__name__ == "LogCaptureHandler":
            monkeypatch.setattr(h, "level", logging.CRITICAL + 1)
    try:
        app = make_app()
        problem = bring_up(app, DEVICES)
        assert problem is None, problem
        soak = Soak(app, seed=7)
        report = soak.run(SESSIONS, sample_every=SESSIONS // 2)
        report.rss_allowance_mb = SHORT_RSS_ALLOWANCE_MB
        privacy_scan(app, report)
        with capsys.disabled():
            print("\n" + report.text())
        assert report.sessions == SESSIONS
        ran = {j.kind for j in JOURNEYS if j.available(set(app.devices))}
        assert set(report.journeys) == ran, report.journeys
        assert report.endings.get("finished", 0) >= SESSIONS // 2
        assert any(e.startswith("idle") for e in report.endings), report.endings  # walked away
        assert report.network_drops >= 1
        assert {"printer_paper_out", "printer_cover_open"} <= set(report.faults)
        assert report.receipts >= SESSIONS // 3
        assert len(report.applications) >= 3  # personal data went into the queue …
        assert report.delivered == len(report.applications)  # … and out to the platform, once each
        # the scan recognises the typed phone and card numbers where they are stored in the clear
        assert {"phone", "bank_account", "id_number", "name"} <= set(report.privacy_control)
        assert not report.failures(), report.text()
    finally:
        root = logging.getLogger()
        for h in list(root.handlers):
            if getattr(h, "_kiosk_handler", False):
                root.removeHandler(h)
                h.close()
