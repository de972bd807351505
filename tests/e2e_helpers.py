"""Shared pieces of the end-to-end journey tests: the live app fixture and tap helpers."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from pytestqt.qtbot import QtBot

from kiosk.devices.base import DeviceState
from kiosk.journeys.engine import StepKind
from kiosk.qt import Qt, QtWidgets
from kiosk.screens.journey_support import ItemRow, services

if TYPE_CHECKING:
    from tests.shell_helpers import AppFactory


def _click(app: Any, qtbot: QtBot, name: str) -> None:
    """Tap the one visible, enabled button called ``name`` once the screen has drawn it."""
    def buttons() -> list[Any]:
        return [b for b in app.nav.current_screen.findChildren(QtWidgets.QPushButton, name)
                if b.isVisible() and b.isEnabled()]

    qtbot.waitUntil(lambda: len(buttons()) == 1, timeout=10_000)
    qtbot.mouseClick(buttons()[0], Qt.MouseButton.LeftButton)


def _row(app: Any, qtbot: QtBot, text: str) -> None:
    QtWidgets.QApplication.processEvents()
    rows = [r for r in app.nav.current_screen.findChildren(ItemRow) if r.isVisible()
            and r.name.text().replace("<u>", "").replace("</u>", "") == text]
    assert rows, text
    qtbot.mouseClick(rows[0], Qt.MouseButton.LeftButton)


def _step(app: Any) -> StepKind | None:
    state = services(app).controller.state
    return None if state is None else state.step.kind


def _start_devices(app: Any, qtbot: QtBot, wanted: set[str]) -> None:
    app.start_devices(only=wanted)
    qtbot.waitUntil(lambda: wanted <= set(app.devices), timeout=30_000)
    for name in wanted:
        qtbot.waitUntil(lambda n=name: app.devices[n].runner.device.status.state is DeviceState.ONLINE,
                        timeout=60_000)


def start_live_app(make_app: AppFactory, qtbot: QtBot) -> Any:
    """The real app with its services (platform, queue) and the ID-card reader and printers up."""
    app = make_app()
    with qtbot.waitSignal(app.servicesReady, timeout=60_000):
        app.start_services()
    _start_devices(app, qtbot, {"idcard", "printer"} | ({"a4"} if os.geteuid() == 0 else set()))
    return app
