"""Small line icons drawn with QPainter (no image files, no emoji font needed).

Lines are filled outlines (a ring, a capsule), not pen strokes: the home screen draws these
before its first frame, and pens and brushes set on a painter build PySide's ``Qt`` enums
(see :mod:`kiosk.ui.qtvalues`).
"""

from __future__ import annotations

from kiosk.qt import QtCore, QtGui
from kiosk.ui.qtvalues import solid_brush


def _canvas(size: int) -> tuple[QtGui.QPixmap, QtGui.QPainter]:
    pix = QtGui.QPixmap(size, size)
    pix.fill(QtGui.QColor(0, 0, 0, 0))
    painter = QtGui.QPainter(pix)
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    return pix, painter


def ring(centre: QtCore.QPointF, radius: float, width: float) -> QtGui.QPainterPath:
    """The outline a pen ``width`` wide draws around a circle of ``radius``."""
    path = QtGui.QPainterPath()  # odd-even fill: the inner circle is a hole
    path.addEllipse(centre, radius + width / 2, radius + width / 2)
    path.addEllipse(centre, radius - width / 2, radius - width / 2)
    return path


def rounded_outline(rect: QtCore.QRectF, radius: float, width: float) -> QtGui.QPainterPath:
    """The outline a pen ``width`` wide draws along a rounded rectangle."""
    half = width / 2
    path = QtGui.QPainterPath()
    path.addRoundedRect(rect.adjusted(-half, -half, half, half), radius + half, radius + half)
    path.addRoundedRect(rect.adjusted(half, half, -half, -half), max(radius - half, 0.0),
                        max(radius - half, 0.0))
    return path


def capsule(start: QtCore.QPointF, end: QtCore.QPointF, width: float) -> QtGui.QPainterPath:
    """A line from ``start`` to ``end`` drawn ``width`` wide with round caps."""
    line = QtCore.QLineF(start, end)
    path = QtGui.QPainterPath()
    path.addRoundedRect(QtCore.QRectF(-width / 2, -width / 2, line.length() + width, width),
                        width / 2, width / 2)
    to_line = QtGui.QTransform()
    to_line.translate(start.x(), start.y())
    to_line.rotate(-line.angle())  # QLineF angles run counter-clockwise, y points down
    return to_line.map(path)


def draw_search_glyph(painter: QtGui.QPainter, origin: QtCore.QPointF, size: float,
                      colour: QtGui.QColor) -> None:
    """A magnifying glass in the square ``size`` wide at ``origin`` (top left)."""
    width = max(2.0, size / 10)
    x, y = origin.x(), origin.y()
    glass = ring(QtCore.QPointF(x + size * 0.42, y + size * 0.42), size * 0.30, width)
    handle = capsule(QtCore.QPointF(x + size * 0.64, y + size * 0.64),
                     QtCore.QPointF(x + size * 0.88, y + size * 0.88), width)
    brush = solid_brush(colour)
    painter.fillPath(glass, brush)
    painter.fillPath(handle, brush)


def id_card_pixmap(size: int, colour: str, background: str) -> QtGui.QPixmap:
    """A resident-ID-card outline: portrait on the left, text lines on the right."""
    pix, p = _canvas(size)
    ink = solid_brush(QtGui.QColor(colour))
    card = QtCore.QRectF(size * 0.06, size * 0.2, size * 0.88, size * 0.6)
    radius = size * 0.07
    face = QtGui.QPainterPath()
    face.addRoundedRect(card, radius, radius)
    p.fillPath(face, solid_brush(QtGui.QColor(background)))
    p.fillPath(rounded_outline(card, radius, max(2.0, size / 22)), ink)
    marks = QtGui.QPainterPath()
    marks.addEllipse(QtCore.QPointF(size * 0.3, size * 0.43), size * 0.08, size * 0.08)
    marks.addRoundedRect(QtCore.QRectF(size * 0.18, size * 0.55, size * 0.24, size * 0.12), 4, 4)
    for i, w in enumerate((0.34, 0.28, 0.34)):
        marks.addRoundedRect(QtCore.QRectF(size * 0.5, size * (0.36 + i * 0.12), size * w,
                                           size * 0.06), 3, 3)
    p.fillPath(marks, ink)
    p.end()
    return pix
