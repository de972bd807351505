"""End to end through the real app: simulated devices on real links, the reference platform on
loopback, the real offline queue — a citizen inserts an ID card and taps through a journey."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import pytest
from pytestqt.qtbot import QtBot

from kiosk.devices.base import DeviceState
from kiosk.journeys.engine import StepKind
from kiosk.qt import Qt, QtWidgets
from kiosk.screens.journey_support import ItemRow, services

if TYPE_CHECKING:
    from tests.shell_helpers import AppFactory

pytest_plugins = ("tests.shell_helpers",)

SHANGHAI_PERSON = "shanghai_female"  # 李样例, known to the reference platform's demo data


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


@pytest.fixture
def live_app(make_app: AppFactory, qtbot: QtBot) -> Any:
    app = make_app()
    with qtbot.waitSignal(app.servicesReady, timeout=60_000):
        app.start_services()
    wanted = {"idcard", "printer"} | ({"a4"} if os.geteuid() == 0 else set())
    app.start_devices(only=wanted)
    qtbot.waitUntil(lambda: wanted <= set(app.devices), timeout=30_000)
    for name in wanted:
        qtbot.waitUntil(lambda n=name: app.devices[n].runner.device.status.state is DeviceState.ONLINE,
                        timeout=60_000)
    return app


def test_certificate_journey_from_card_to_printed_receipt(live_app: Any, qtbot: QtBot) -> None:
    app = live_app
    printer_sim = app.simulators["printer"]
    receipts_before = len(printer_sim.receipts)
    app.simulators["idcard"].insert_card(SHANGHAI_PERSON)
    qtbot.waitUntil(lambda: services(app).identity is not None, timeout=10_000)
    assert services(app).identity.id_number == "310104199211030029"
    app.nav.push("category", category="social_security")
    _row(app, qtbot, "社保缴费证明打印")
    _click(app, qtbot, "StartJourney")
    # the certificate data comes from the reference platform through the fault proxy
    qtbot.waitUntil(lambda: _step(app) is StepKind.PREVIEW, timeout=20_000)
    _click(app, qtbot, "JourneyPrint")
    qtbot.waitUntil(lambda: _step(app) is StepKind.CONFIRMATION, timeout=120_000)
    assert printer_sim.wait_for_receipts(receipts_before + 1, timeout_s=10)
    text = "\n".join(printer_sim.receipts[-1].lines)
    assert "310104199211030029" not in text  # the slip shows the ID number masked
    _click(app, qtbot, "JourneyFinish")
    app.simulators["idcard"].remove_card()
    assert app.nav.current_route == "home"
