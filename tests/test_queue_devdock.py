"""The dev-dock platform tab arms faults on the real proxy; rendered to PNG for a look."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from kiosk.devdock.panels import platform as panel
from platform_server.faultproxy import FaultProxy


def test_platform_panel_arms_faults(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    proxy = FaultProxy(9).start()  # upstream never contacted: only rules are armed here
    try:
        assert panel.build_panel(SimpleNamespace(simulators={})) is None
        w = panel.build_panel(SimpleNamespace(simulators={"platform": proxy}))
        assert w is not None
        qtbot.addWidget(w)
        from kiosk.qt import QtWidgets

        buttons = w.findChildren(QtWidgets.QPushButton)
        assert len(buttons) == len(panel.FAULTS) + 1
        buttons[0].click()
        assert proxy.rules and proxy.rules[0].status == 503
        buttons[-1].click()
        assert not proxy.rules
        w.findChildren(QtWidgets.QCheckBox)[0].setChecked(True)
        assert proxy._listener is None  # refusing
        w.findChildren(QtWidgets.QCheckBox)[0].setChecked(False)
        assert proxy._listener is not None
        w.resize(520, 360)
        w.grab().save(str(tmp_path / "platform_panel.png"))
        assert (tmp_path / "platform_panel.png").stat().st_size > 1000
    finally:
        proxy.stop()
