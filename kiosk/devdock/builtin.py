"""The dev dock's own tabs: the session, and the platform-offline switch."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk.i18n import tr
from kiosk.qt import Qt, QTimer, QtWidgets

if TYPE_CHECKING:
    from kiosk.app import KioskApp


class SessionPanel(QtWidgets.QWidget):
    def __init__(self, app: KioskApp) -> None:
        super().__init__()
        self.app = app
        layout = QtWidgets.QVBoxLayout(self)
        self.id_label = QtWidgets.QLabel()
        self.id_label.setObjectName("SessionId")
        self.id_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.state_label = QtWidgets.QLabel()
        self.route_label = QtWidgets.QLabel()
        self.end_button = QtWidgets.QPushButton()
        self.end_button.setObjectName("EndSession")
        self.end_button.clicked.connect(lambda: app.end_session("devdock"))
        self.gesture_button = QtWidgets.QPushButton()
        self.gesture_button.clicked.connect(app.window.technicianGestureDetected)
        for w in (self.id_label, self.state_label, self.route_label, self.end_button,
                  self.gesture_button):
            layout.addWidget(w)
        layout.addStretch(1)
        app.session.on_end(lambda _id, _reason: self.refresh())
        app.nav.currentChanged.connect(lambda _route: self.refresh())
        # Session content changes without a signal (screens write to it): poll while visible.
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(1000)
        self.refresh()

    def refresh(self) -> None:
        s = self.app.session
        self.id_label.setText(tr("devdock.session.id", id=s.id))
        self.state_label.setText(tr("devdock.session.state_empty" if s.is_empty
                                    else "devdock.session.state_held"))
        self.route_label.setText(tr("devdock.session.route", route=self.app.nav.current_route or "-"))
        self.end_button.setText(tr("devdock.session.end"))
        self.gesture_button.setText(tr("devdock.session.technician"))


class PlatformPanel(QtWidgets.QWidget):
    """Calls ``app.set_platform_offline(bool)``; says honestly when nothing is wired to it."""

    def __init__(self, app: KioskApp) -> None:
        super().__init__()
        self.app = app
        layout = QtWidgets.QVBoxLayout(self)
        self.offline = QtWidgets.QCheckBox()
        self.offline.setObjectName("PlatformOffline")
        self.offline.toggled.connect(self._toggled)
        self.note = QtWidgets.QLabel()
        self.note.setWordWrap(True)
        layout.addWidget(self.offline)
        layout.addWidget(self.note)
        layout.addStretch(1)
        self.refresh()

    def _toggled(self, on: bool) -> None:
        self.app.set_platform_offline(on)
        self.refresh()

    def refresh(self) -> None:
        self.offline.setText(tr("devdock.platform.offline"))
        wired = self.app.platform_offline_hook is not None
        self.note.setText(tr("devdock.platform.wired" if wired else "devdock.platform.not_wired"))
