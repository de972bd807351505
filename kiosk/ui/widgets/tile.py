"""A category tile: a coloured badge with one character, and the name beside or under it."""

from __future__ import annotations

from kiosk.qt import Qt, QtWidgets


class Tile(QtWidgets.QPushButton):
    def __init__(self, key: str, glyph: str, accent: int,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.setObjectName("Tile")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding,
                           QtWidgets.QSizePolicy.Policy.Expanding)
        self._layout = QtWidgets.QBoxLayout(QtWidgets.QBoxLayout.Direction.TopToBottom, self)
        self._layout.setSpacing(12)
        self.badge = QtWidgets.QLabel(glyph)
        self.badge.setObjectName("TileBadge")
        self.badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.badge.setProperty("accent", str(accent))  # index into the theme's accents (QSS)
        self.badge.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.label = QtWidgets.QLabel()
        self.label.setObjectName("TileLabel")
        self.label.setWordWrap(True)
        self.label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.set_horizontal(False)

    def set_horizontal(self, horizontal: bool) -> None:
        """Badge left of the name (elderly mode: wide, short tiles) or above it."""
        lay = self._layout
        while lay.count():
            lay.takeAt(0)
        if horizontal:
            lay.setDirection(QtWidgets.QBoxLayout.Direction.LeftToRight)
            lay.setContentsMargins(20, 8, 12, 8)
            lay.setSpacing(24)
            lay.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignVCenter)
            lay.addWidget(self.label, 1)
            self.label.setAlignment(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft)
        else:
            lay.setDirection(QtWidgets.QBoxLayout.Direction.TopToBottom)
            lay.setContentsMargins(8, 12, 8, 12)
            lay.setSpacing(12)
            lay.addStretch(1)
            lay.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignHCenter)
            lay.addWidget(self.label)
            lay.addStretch(1)
            self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)

    def set_text(self, text: str) -> None:
        self.label.setText(text)
        self.setAccessibleName(text)

    def text_shown(self) -> str:
        return self.label.text()

    def set_badge_size(self, edge: int) -> None:
        self.badge.setFixedSize(edge, edge)
