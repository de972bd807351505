import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from kiosk.devdock.dock import DevDock, discover_panels
from kiosk.qt import Qt, QtGui, QtWidgets

pytest_plugins = ("tests.shell_helpers",)  # the make_app fixture

AppFactory = Callable[..., Any]


@pytest.fixture
def panel_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    pkg = tmp_path / "fakepanels"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "b_good.py").write_text(
        "from kiosk.qt import QtWidgets\nTITLE_KEY = 'devdock.session.tab'\n"
        "def build_panel(app):\n    return QtWidgets.QLabel('good panel')\n")
    (pkg / "a_broken.py").write_text("TITLE_KEY = 'x'\ndef build_panel(app):\n    raise RuntimeError('no sim')\n")
    (pkg / "c_unimportable.py").write_text("raise ImportError('missing dependency')\n")
    (pkg / "d_helper.py").write_text("VALUE = 1\n")  # no build_panel: not a panel
    monkeypatch.syspath_prepend(str(tmp_path))
    import fakepanels  # type: ignore[import-not-found]

    yield fakepanels
    for name in [m for m in sys.modules if m.startswith("fakepanels")]:
        del sys.modules[name]


def test_discovers_panel_modules_in_name_order(panel_package: types.ModuleType) -> None:
    found = discover_panels(panel_package)
    assert [p.name for p in found] == ["a_broken", "b_good", "c_unimportable"]
    assert found[2].module is None and "missing dependency" in found[2].error


def test_dock_has_builtin_tabs_and_survives_broken_panels(
        make_app: AppFactory, qtbot: QtBot, panel_package: types.ModuleType,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import kiosk.devdock.dock as dock_module

    monkeypatch.setattr(dock_module, "panels_pkg", panel_package)
    monkeypatch.setattr(dock_module, "discover_panels",
                        lambda package=panel_package: discover_panels(package))
    app = make_app()
    dock = DevDock(app)
    qtbot.addWidget(dock)
    titles = dock.tab_titles()
    assert titles[:2] == ["会话", "平台"]
    assert titles[2:] == ["x", "会话", "c_unimportable"]
    broken = dock.tabs.widget(2)
    assert isinstance(broken, QtWidgets.QLabel) and "no sim" in broken.text()
    good = dock.tabs.widget(3)
    assert isinstance(good, QtWidgets.QLabel) and good.text() == "good panel"


def test_session_tab_ends_the_session(make_app: AppFactory, qtbot: QtBot) -> None:
    app = make_app()
    dock = app.build_devdock()
    panel = dock.session_panel
    app.session.set_identity({"name": "周八"})
    app.nav.push("search")
    old = app.session.id
    panel.refresh()
    assert old in panel.id_label.text()
    assert panel.state_label.text() == "已保存个人信息"
    qtbot.mouseClick(panel.end_button, Qt.MouseButton.LeftButton)
    assert app.session.id != old and app.session.is_empty
    assert app.session.id in panel.id_label.text()
    assert app.nav.current_route == "home"


def test_platform_offline_switch_calls_the_hook_when_wired(make_app: AppFactory, qtbot: QtBot) -> None:
    app = make_app()
    dock = app.build_devdock()
    panel = dock.platform_panel
    assert "尚未接入" in panel.note.text()
    panel.offline.setChecked(True)  # nothing wired: must not fail
    calls: list[bool] = []
    app.platform_offline_hook = calls.append
    panel.offline.setChecked(False)
    panel.offline.setChecked(True)
    assert calls == [False, True]
    assert "尚未接入" not in panel.note.text()


def test_ctrl_shift_d_toggles_the_dock_in_demo(make_app: AppFactory, qtbot: QtBot) -> None:
    app: Any = make_app()
    app.show()  # the shortcut and the dock come once the home screen is up
    qtbot.waitUntil(lambda: app._devdock_shortcut is not None, timeout=3000)
    qtbot.waitUntil(lambda: app.devdock is not None or not app._show_devdock, timeout=3000)
    qtbot.keyClick(app.window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    assert app.devdock is not None and app.devdock.isVisible()
    qtbot.keyClick(app.window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    assert not app.devdock.isVisible()
    assert isinstance(app._devdock_shortcut, QtGui.QShortcut)
