"""Small line icons drawn with QPainter (no image files, no emoji font needed)."""

from __future__ import annotations

from kiosk.qt import Qt, QtCore, QtGui


def _canvas(size: int) -> tuple[QtGui.QPixmap, QtGui.QPainter]:
    pix = QtGui.QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    painter = QtGui.QPainter(pix)
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    return pix, painter


def search_icon(size: int, colour: str) -> QtGui.QIcon:
    pix, p = _canvas(size)
    pen = QtGui.QPen(QtGui.QColor(colour), max(2.0, size / 10))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setPen(pen)
    r = size * 0.30
    c = QtCore.QPointF(size * 0.42, size * 0.42)
    p.drawEllipse(c, r, r)
    p.drawLine(QtCore.QPointF(size * 0.64, size * 0.64), QtCore.QPointF(size * 0.88, size * 0.88))
    p.end()
    return QtGui.QIcon(pix)


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
