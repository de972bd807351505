"""A category tile: a coloured badge with one character, and the name beside or under it.

One widget per tile: the button's frame and the name's colour come from the style sheet
(``QPushButton#Tile``), the badge and the name are painted here. Two child labels per tile made
the home screen 36 widgets instead of 12, and each styled widget costs ~0.3 ms to polish at
start-up (bench_startup.py). The badge and its character are filled paths and the name is drawn
with the painter's own pen (the style sheet's colour): a pen or brush set on the painter would
build PySide's ``Qt`` enums before the first frame (kiosk.ui.qtvalues).
"""

from __future__ import annotations

from kiosk.qt import QtCore, QtGui, QtWidgets
from kiosk.ui.qtvalues import (
    ALIGN_HCENTER,
    ALIGN_LEFT,
    ALIGN_TOP,
    ALIGN_VCENTER,
    TEXT_WORD_WRAP,
    solid_brush,
)
from kiosk.ui.theme import Theme

BADGE_SPACING = 12  # between badge and name, under each other
BADGE_SPACING_WIDE = 24  # beside each other (elderly mode)
MARGINS = (8, 12, 8, 12)  # left, top, right, bottom, under each other
MARGINS_WIDE = (20, 8, 12, 8)


class Tile(QtWidgets.QPushButton):
    def __init__(self, key: str, glyph: str, accent: int,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.glyph = glyph
        self.accent = accent  # index into the theme's accents
        self.setObjectName("Tile")
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding,
                           QtWidgets.QSizePolicy.Policy.Expanding)
        self._name = ""
        self._horizontal = False
        self._badge_edge = 0
        self._badge_brush = QtGui.QBrush()
        self._glyph_brush = QtGui.QBrush()
        self._glyph_path = QtGui.QPainterPath()  # the character, centred on (0, 0)
        self._name_font = QtGui.QFont()
        self._radius = 0

    def apply_theme(self, theme: Theme) -> None:
        """Colours, fonts and the layout (badge beside the name in elderly mode: wide, short
        tiles; above it otherwise)."""
        p = theme.palette
        self._horizontal = theme.elderly
        self._badge_edge = theme.font_glyph + 40
        self._badge_brush = solid_brush(QtGui.QColor(p.accents[self.accent % len(p.accents)]))
        self._glyph_brush = solid_brush(QtGui.QColor(p.on_primary))
        self._radius = theme.radius
        glyph = QtGui.QPainterPath()
        glyph.addText(QtCore.QPointF(0, 0), self._bold_font(theme.font_glyph), self.glyph)
        centre = glyph.boundingRect().center()  # the ink's centre: it sits mid-badge
        self._glyph_path = glyph.translated(-centre.x(), -centre.y())
        self._name_font = self._bold_font(theme.font_tile)
        self.updateGeometry()
        self.update()

    def _bold_font(self, pixel_size: int) -> QtGui.QFont:
        font = QtGui.QFont(self.font())
        font.setPixelSize(pixel_size)
        font.setBold(True)
        return font

    def set_text(self, text: str) -> None:
        self._name = text
        self.setAccessibleName(text)
        self.updateGeometry()
        self.update()

    def text_shown(self) -> str:
        return self._name

    def name_font(self) -> QtGui.QFont:
        """The font the name is painted in."""
        return QtGui.QFont(self._name_font)

    # --- geometry --------------------------------------------------------------------------
    def badge_rect(self) -> QtCore.QRect:
        """Where the badge is painted, in the tile's coordinates."""
        return self._layout()[0]

    def name_rect(self) -> QtCore.QRect:
        return self._layout()[1]

    def _name_flags(self) -> int:
        align = ALIGN_VCENTER | ALIGN_LEFT if self._horizontal else ALIGN_HCENTER | ALIGN_TOP
        return align | TEXT_WORD_WRAP

    def _name_height(self, width: int) -> int:
        metrics = QtGui.QFontMetrics(self._name_font)
        return metrics.boundingRect(QtCore.QRect(0, 0, max(width, 1), 10_000), self._name_flags(),
                                    self._name).height()

    def _layout(self) -> tuple[QtCore.QRect, QtCore.QRect]:
        edge, r = self._badge_edge, self.rect()
        if self._horizontal:
            left, top, right, bottom = MARGINS_WIDE
            inner = r.adjusted(left, top, -right, -bottom)
            badge = QtCore.QRect(inner.left(), inner.center().y() - edge // 2, edge, edge)
            name_left = badge.right() + 1 + BADGE_SPACING_WIDE
            name = QtCore.QRect(name_left, inner.top(), max(inner.right() - name_left + 1, 0),
                                inner.height())
            return badge, name
        left, top, right, bottom = MARGINS
        inner = r.adjusted(left, top, -right, -bottom)
        name_height = self._name_height(inner.width())
        block = edge + BADGE_SPACING + name_height
        badge_top = inner.top() + max((inner.height() - block) // 2, 0)
        badge = QtCore.QRect(inner.center().x() - edge // 2, badge_top, edge, edge)
        name = QtCore.QRect(inner.left(), badge.bottom() + 1 + BADGE_SPACING, inner.width(),
                            name_height)
        return badge, name

    def sizeHint(self) -> QtCore.QSize:
        metrics = QtGui.QFontMetrics(self._name_font)
        edge = self._badge_edge
        if self._horizontal:
            left, top, right, bottom = MARGINS_WIDE
            return QtCore.QSize(left + edge + BADGE_SPACING_WIDE + metrics.horizontalAdvance(self._name)
                                + right, top + max(edge, metrics.height()) + bottom)
        left, top, right, bottom = MARGINS
        width = max(edge, metrics.horizontalAdvance(self._name))
        return QtCore.QSize(left + width + right,
                            top + edge + BADGE_SPACING + metrics.height() + bottom)

    def minimumSizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(0, 0)  # the home screen sets the minimum (a touch target)

    # --- painting --------------------------------------------------------------------------
    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        super().paintEvent(event)  # the styled frame (no text of its own)
        badge, name = self._layout()
        painter = QtGui.QPainter(self)  # its pen: the style sheet's text colour for the tile
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        plate = QtGui.QPainterPath()
        plate.addRoundedRect(QtCore.QRectF(badge), self._radius, self._radius)
        painter.fillPath(plate, self._badge_brush)
        centre = QtCore.QRectF(badge).center()
        painter.fillPath(self._glyph_path.translated(centre.x(), centre.y()), self._glyph_brush)
        painter.setFont(self._name_font)
        painter.drawText(name, self._name_flags(), self._name)
        painter.end()
