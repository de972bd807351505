"""An in-window modal dialog: a dimmed backdrop over the whole window and a centred card.

A kiosk has no window manager to place dialogs; drawing it inside the main window keeps it
full-screen, un-closable by keys and visible in offscreen screenshots.
"""

from __future__ import annotations

from kiosk.qt import QEvent, QObject, Qt, QtWidgets, Signal


class OverlayDialog(QtWidgets.QWidget):
    closed = Signal()

    def __init__(self, host: QtWidgets.QWidget) -> None:
        super().__init__(host)
        self.host = host
        self.setObjectName("OverlayBackdrop")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        outer = QtWidgets.QVBoxLayout(self)
        outer.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.card = QtWidgets.QFrame()
        self.card.setObjectName("OverlayCard")
        self.card.setMinimumWidth(760)
        self.body = QtWidgets.QVBoxLayout(self.card)
        self.body.setContentsMargins(56, 48, 56, 48)
        self.body.setSpacing(24)
        outer.addWidget(self.card, 0, Qt.AlignmentFlag.AlignCenter)
        host.installEventFilter(self)
        self.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.host and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.host.rect())
        return False

    def open(self) -> None:
        self.setGeometry(self.host.rect())
        self.raise_()
        self.show()

    def close_dialog(self) -> None:
        if self.isVisible():
            self.hide()
            self.closed.emit()
