"""The dev dock window (demo profile): built-in tabs plus one tab per module in ``panels/``.

Each panel module defines ``TITLE_KEY`` (an i18n key) and ``build_panel(app) -> QWidget | None``.
A panel that fails to build becomes a tab showing the error — one broken panel never stops the
kiosk. Toggled with Ctrl+Shift+D from the kiosk window.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

from kiosk.devdock import panels as panels_pkg
from kiosk.devdock.builtin import PlatformPanel, SessionPanel
from kiosk.i18n import tr
from kiosk.qt import Qt, QtGui, QtWidgets
from kiosk.ui.theme import dev_qss

if TYPE_CHECKING:
    from kiosk.app import KioskApp

log = logging.getLogger(__name__)

TOGGLE_SHORTCUT = "Ctrl+Shift+D"


@dataclass
class PanelModule:
    name: str
    module: ModuleType | None
    error: str = ""


def discover_panels(package: ModuleType = panels_pkg) -> list[PanelModule]:
    """Every module of the panels package that has ``build_panel``, sorted by module name."""
    found: list[PanelModule] = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        try:
            module = importlib.import_module(f"{package.__name__}.{info.name}")
        except Exception as e:
            log.exception("dev dock panel import failed", extra={"fields": {"panel": info.name}})
            found.append(PanelModule(info.name, None, f"{type(e).__name__}: {e}"))
            continue
        if callable(getattr(module, "build_panel", None)):
            found.append(PanelModule(info.name, module))
    return found


class DevDock(QtWidgets.QWidget):
    def __init__(self, app: KioskApp) -> None:
        super().__init__(None, Qt.WindowType.Window | Qt.WindowType.WindowStaysOnTopHint)
        self.app = app
        self.setObjectName("DevDock")
        self.setStyleSheet(dev_qss())
        self.resize(460, 560)
        layout = QtWidgets.QVBoxLayout(self)
        self.hint = QtWidgets.QLabel()
        self.tabs = QtWidgets.QTabWidget()
        layout.addWidget(self.hint)
        layout.addWidget(self.tabs, 1)
        self.session_panel = SessionPanel(app)
        self.platform_panel = PlatformPanel(app)
        self._tab_keys: list[str] = []
        self._add(self.session_panel, "devdock.session.tab")
        self._add(self.platform_panel, "devdock.platform.tab")
        self.panel_modules = discover_panels()
        for pm in self.panel_modules:
            self._add(self._build(pm), getattr(pm.module, "TITLE_KEY", "") or pm.name)
        self.retranslate()

    def _build(self, pm: PanelModule) -> QtWidgets.QWidget:
        if pm.module is not None:
            try:
                widget = pm.module.build_panel(self.app)
                if widget is not None:
                    return widget
                pm.error = "build_panel returned None"
            except Exception as e:
                log.exception("dev dock panel failed", extra={"fields": {"panel": pm.name}})
                pm.error = f"{type(e).__name__}: {e}"
        label = QtWidgets.QLabel(tr("devdock.panel_failed", error=pm.error))
        label.setWordWrap(True)
        return label

    def _add(self, widget: QtWidgets.QWidget, title_key: str) -> None:
        self.tabs.addTab(widget, "")
        self._tab_keys.append(title_key)

    def tab_titles(self) -> list[str]:
        return [self.tabs.tabText(i) for i in range(self.tabs.count())]

    def retranslate(self) -> None:
        self.setWindowTitle(tr("devdock.title"))
        self.hint.setText(tr("devdock.hint"))
        for i, key in enumerate(self._tab_keys):
            self.tabs.setTabText(i, tr(key) if "." in key else key)
        self.session_panel.refresh()
        self.platform_panel.refresh()

    def toggle(self) -> None:
        if self.isVisible():
            self.hide()
        else:
            self.show()
            # Raising a top-level window is a window-system request offscreen cannot honour.
            if QtGui.QGuiApplication.platformName() not in ("offscreen", "minimal"):
                self.raise_()
