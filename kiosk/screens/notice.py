"""A shared layout for honest "not available here yet" screens (used by the fallback screens)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk.qt import Qt, QtWidgets
from kiosk.screens.base import Screen
from kiosk.ui.theme import Theme
from kiosk.ui.widgets.buttons import BigButton

if TYPE_CHECKING:
    from kiosk.app import KioskApp


class NoticeScreen(Screen):
    """A card in the middle: a badge, a heading, an explanation and a 返回首页 button."""

    def __init__(self, app: KioskApp, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(app, parent)
        outer = QtWidgets.QVBoxLayout(self)
        outer.setContentsMargins(80, 48, 80, 48)
        self.card = QtWidgets.QFrame()
        self.card.setProperty("role", "card")
        body = QtWidgets.QVBoxLayout(self.card)
        body.setContentsMargins(64, 56, 64, 56)
        body.setSpacing(28)
        self.badge = QtWidgets.QLabel()
        self.badge.setObjectName("TileBadge")
        self.badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.heading = QtWidgets.QLabel()
        self.heading.setProperty("role", "title")
        self.heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.heading.setWordWrap(True)
        self.message = QtWidgets.QLabel()
        self.message.setProperty("role", "body")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.home_button = BigButton("", "primary")
        self.home_button.setObjectName("NoticeHomeButton")
        self.home_button.clicked.connect(lambda: self.app.nav.home())
        body.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignHCenter)
        body.addWidget(self.heading)
        body.addWidget(self.message)
        body.addSpacing(12)
        body.addWidget(self.home_button, 0, Qt.AlignmentFlag.AlignHCenter)
        # Centred with stretches, not an alignment flag: an aligned item is sized from its
        # sizeHint and the word-wrapped message would lose its height-for-width (clipped text).
        row = QtWidgets.QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.card)
        row.addStretch(1)
        outer.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

    def set_badge(self, glyph: str, accent: str) -> None:
        self.badge.setText(glyph)
        self.badge.setStyleSheet(f"background: {accent};")

    def apply_theme(self, theme: Theme) -> None:
        edge = theme.font_glyph + 48
        self.badge.setFixedSize(edge, edge)
        # A fixed width lets the word-wrapped message compute its real height (no clipping).
        self.card.setFixedWidth(1200 if theme.elderly else 1000)
        self.home_button.setMinimumWidth(theme.target * 6 if not theme.elderly else theme.target * 5)
