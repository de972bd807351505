"""Shared fixtures for the shell's Qt tests (imported by the test modules that need an app)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from kiosk.app import KioskApp
from kiosk.config import load_config
from kiosk.i18n import CATALOGUE
from kiosk.qt import QtCore

AppFactory = Callable[..., KioskApp]


@pytest.fixture
def make_app(qtbot: QtBot, tmp_data_env: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppFactory]:
    apps: list[KioskApp] = []

    def make(kiosk_mode: bool = True, show: bool = True, **ui: Any) -> KioskApp:
        for key, value in ui.items():
            monkeypatch.setenv(f"KIOSK__UI__{key.upper()}", str(value).lower()
                               if isinstance(value, bool) else str(value))
        app = KioskApp(load_config("demo"), kiosk_mode=kiosk_mode, show_devdock=False)
        app.install_event_filters()  # the running kiosk does this with its background start
        apps.append(app)
        if show:
            app.window.setFixedSize(1920, 1080)
            with qtbot.waitActive(app.window):
                app.window.show()
                app.window.activateWindow()
        return app

    yield make
    for app in apps:
        app.close()
    # Really delete the closed windows (and their shortcuts) before the next test.
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)
    CATALOGUE.set_language("zh_CN")
