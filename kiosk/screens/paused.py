"""暂停服务: shown to citizens while a member of staff has paused the kiosk. No buttons for
citizens; staff get back in through the staff card or the hidden technician gesture."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kiosk.i18n import tr
from kiosk.qt import Qt, QtWidgets
from kiosk.screens.base import Screen, register_screen
from kiosk.ui.theme import Theme

if TYPE_CHECKING:
    from kiosk.app import KioskApp


@register_screen("paused")
class PausedScreen(Screen):
    show_page_bar = False

    def __init__(self, app: KioskApp, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(app, parent)
        outer = QtWidgets.QVBoxLayout(self)
        self.card = QtWidgets.QFrame()
        self.card.setProperty("role", "card")
        body = QtWidgets.QVBoxLayout(self.card)
        body.setContentsMargins(96, 72, 96, 72)
        body.setSpacing(32)
        self.sign = QtWidgets.QLabel()
        self.sign.setObjectName("PausedSign")
        self.sign.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message = QtWidgets.QLabel()
        self.message.setProperty("role", "body")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        body.addWidget(self.sign)
        body.addWidget(self.message)
        outer.addStretch(1)
        outer.addWidget(self.card, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)

    def enter(self, **params: Any) -> None:
        self.retranslate()

    def retranslate(self) -> None:
        self.sign.setText(tr("staff.paused_sign"))
        self.message.setText(tr("staff.paused_message"))

    def apply_theme(self, theme: Theme) -> None:
        self.sign.setStyleSheet(f"font-size: {theme.font_title * 2}px; font-weight: bold;"
                                f" color: {theme.palette.error}; background: transparent;")
        self.card.setMinimumWidth(1200 if theme.elderly else 1000)


