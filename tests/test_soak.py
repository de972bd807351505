"""Short soak (the long one: ``python -m kiosk.soak --sessions 5000``): the app with every
simulated device runs 200 citizen sessions in accelerated time with random device faults and
receipts; memory, threads, open files and Qt objects after the first 10 sessions and at the end
must stay within the budgets of :mod:`kiosk.soak`; afterwards no personal data on disk."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from kiosk.diag.privacy_scan import scan, sensitive_values
from kiosk.logs import setup_logging
from kiosk.soak import ACCELERATED_ENV, Soak

pytest_plugins = ("tests.shell_helpers",)

SESSIONS = 200
DEVICES = {"idcard", "printer", "doc_camera", "face_camera"}


@pytest.mark.slow
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
        app.idle.stop()
        app.start_devices(only=DEVICES)
        qtbot.waitUntil(lambda: set(app.devices) >= DEVICES, timeout=30000)
        soak = Soak(app, seed=7)
        qtbot.waitUntil(lambda: all(soak._online(d) for d in DEVICES), timeout=30000)
        report = soak.run(SESSIONS, sample_every=SESSIONS // 4)
        with capsys.disabled():
            print("\n" + report.text())
        assert report.sessions == SESSIONS
        assert report.reads >= SESSIONS * 0.9 and sum(report.faults.values()) >= SESSIONS // 10 - 1
        assert report.receipts >= 10
        # The long soak saw 4 of 199 receipts fail right after a printer fault was cleared (under
        # heavy machine load); one is tolerated here and printed, every other problem fails.
        receipt_problems = [p for p in report.problems if p.startswith("receipt")]
        assert len(receipt_problems) <= 1, receipt_problems
        assert not [p for p in report.over_budget() if not p.startswith("receipt")], report.text()
        hits = scan([tmp_data_env], sensitive_values())
        assert not hits, "\n".join(map(str, hits))
    finally:
        root = logging.getLogger()
        for h in list(root.handlers):
            if getattr(h, "_kiosk_handler", False):
                root.removeHandler(h)
                h.close()
