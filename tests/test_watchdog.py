"""The UI-thread stall watchdog notices a blocked UI thread and stays quiet on an idle one."""

from __future__ import annotations

import logging
import time

import pytest
from pytestqt.qtbot import QtBot

from kiosk.diag.watchdog import UiWatchdog
from kiosk.qt import QTimer

pytest_plugins = ("tests.shell_helpers",)


def test_blocking_the_ui_thread_is_recorded(qtbot: QtBot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="kiosk.watchdog")
    with UiWatchdog(stall_ms=50, heartbeat_ms=10, log_stalls=True) as wd:
        qtbot.wait(50)
        QTimer.singleShot(0, lambda: time.sleep(0.2))  # a blocking call on the UI thread
        qtbot.waitUntil(lambda: bool(wd.stalls), timeout=3000)
    assert wd.stalls[0].gap_ms >= 150
    assert wd.over(50) and not wd.over(1000)
    assert abs(wd.stalls[0].started_at - time.time()) < 5
    assert any(r.getMessage() == "ui stall" for r in caplog.records)


def test_a_hang_is_seen_while_it_lasts(qtbot: QtBot) -> None:
    with UiWatchdog(stall_ms=50, heartbeat_ms=10) as wd:
        qtbot.wait(30)
        time.sleep(0.3)  # the test itself is on the UI thread: no beat can arrive meanwhile
        assert wd.ongoing_ms() >= 250
        assert wd.worst_ms() >= 250


def test_an_idle_event_loop_beats_regularly(qtbot: QtBot) -> None:
    with UiWatchdog(stall_ms=50, heartbeat_ms=10) as wd:
        qtbot.wait(300)
    assert wd.beats >= 10


def test_the_app_runs_one_when_configured(make_app, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("KIOSK__WATCHDOG__ENABLED", "true")
    app = make_app()
    assert app.watchdog is not None and app.watchdog.log_stalls
    app.close()
    assert not app.watchdog._timer.isActive()
