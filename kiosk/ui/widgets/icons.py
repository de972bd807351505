"""Small line icons drawn with QPainter (no image files, no emoji font needed)."""

from __future__ import annotations

from kiosk.qt import Qt, QtCore, QtGui


def _canvas(size: int) -> tuple[QtGui.QPixmap, QtGui.QPainter]:
    pix = QtGui.QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    painter = QtGui.QPainter(pix)
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    return pix, painter


def draw_search_glyph(painter: QtGui.QPainter, origin: QtCore.QPointF, size: float,
                      colour: QtGui.QColor) -> None:
    """A magnifying glass in the square ``size`` wide at ``origin`` (top left)."""
    pen = QtGui.QPen(colour, max(2.0, size / 10))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    x, y = origin.x(), origin.y()
    r = size * 0.30
    painter.drawEllipse(QtCore.QPointF(x + size * 0.42, y + size * 0.42), r, r)
    painter.drawLine(QtCore.QPointF(x + size * 0.64, y + size * 0.64),
                     QtCore.QPointF(x + size * 0.88, y + size * 0.88))


def id_card_pixmap(size: int, colour: str, background: str) -> QtGui.QPixmap:
    """A resident-ID-card outline: portrait on the left, text lines on the right."""
    pix, p = _canvas(size)
    col = QtGui.QColor(colour)
    p.setPen(QtGui.QPen(col, max(2.0, size / 22)))
    p.setBrush(QtGui.QColor(background))
    card = QtCore.QRectF(size * 0.06, size * 0.2, size * 0.88, size * 0.6)
    p.drawRoundedRect(card, size * 0.07, size * 0.07)
    p.setBrush(col)
    p.setPen(Qt.PenStyle.NoPen)
    p.drawEllipse(QtCore.QPointF(size * 0.3, size * 0.43), size * 0.08, size * 0.08)
    p.drawRoundedRect(QtCore.QRectF(size * 0.18, size * 0.55, size * 0.24, size * 0.12), 4, 4)
    for i, w in enumerate((0.34, 0.28, 0.34)):
        p.drawRoundedRect(QtCore.QRectF(size * 0.5, size * (0.36 + i * 0.12), size * w,
                                        size * 0.06), 3, 3)
    p.end()
    return pix
