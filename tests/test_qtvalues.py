"""kiosk.ui.qtvalues: its numbers are Qt's own, and its enum-free calls do what the enum calls do."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from kiosk.qt import Qt, QtCore, QtGui, QtWidgets
from kiosk.ui import qtvalues
from kiosk.ui.widgets.icons import draw_search_glyph, id_card_pixmap


def test_the_numbers_are_qts() -> None:
    expected = {
        "ALIGN_LEFT": Qt.AlignmentFlag.AlignLeft, "ALIGN_RIGHT": Qt.AlignmentFlag.AlignRight,
        "ALIGN_HCENTER": Qt.AlignmentFlag.AlignHCenter, "ALIGN_TOP": Qt.AlignmentFlag.AlignTop,
        "ALIGN_VCENTER": Qt.AlignmentFlag.AlignVCenter, "ALIGN_CENTER": Qt.AlignmentFlag.AlignCenter,
        "TEXT_WORD_WRAP": Qt.TextFlag.TextWordWrap, "STRONG_FOCUS": Qt.FocusPolicy.StrongFocus,
        "WINDOW": Qt.WindowType.Window, "FRAMELESS_WINDOW_HINT": Qt.WindowType.FramelessWindowHint,
    }
    for name, member in expected.items():
        assert getattr(qtvalues, name) == int(member.value), name


def test_properties_set_what_the_enum_setters_set(qtbot: QtBot) -> None:
    label = QtWidgets.QLabel("x")
    qtbot.addWidget(label)
    qtvalues.set_alignment(label, qtvalues.ALIGN_RIGHT | qtvalues.ALIGN_VCENTER)
    assert label.alignment() == Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    widget = QtWidgets.QWidget()
    qtbot.addWidget(widget)
    assert widget.focusPolicy() == Qt.FocusPolicy.NoFocus
    qtvalues.set_focus_policy(widget, qtvalues.STRONG_FOCUS)
    assert widget.focusPolicy() == Qt.FocusPolicy.StrongFocus


def test_a_frameless_window_keeps_its_hint_when_shown(qtbot: QtBot) -> None:
    window = QtWidgets.QFrame()
    qtbot.addWidget(window)
    qtvalues.make_frameless(window)
    window.show()
    qtbot.waitExposed(window)
    handle = window.windowHandle()
    assert handle is not None and handle.flags() & Qt.WindowType.FramelessWindowHint
    assert qtvalues.window_is_frameless(window)
    plain = QtWidgets.QFrame()
    qtbot.addWidget(plain)
    plain.show()
    assert not qtvalues.window_is_frameless(plain)


def _image(size: int) -> QtGui.QImage:
    image = QtGui.QImage(size, size, QtGui.QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QtGui.QColor(0, 0, 0, 0))
    return image


def test_solid_brush_fills_with_its_colour(qtbot: QtBot) -> None:
    image = _image(8)
    painter = QtGui.QPainter(image)
    path = QtGui.QPainterPath()
    path.addRect(QtCore.QRectF(0, 0, 8, 8))
    painter.fillPath(path, qtvalues.solid_brush(QtGui.QColor("#1A5FB4")))
    painter.end()
    assert image.pixelColor(4, 4).name() == "#1a5fb4"


def test_the_magnifier_is_a_ring_with_a_handle(qtbot: QtBot) -> None:
    size = 100
    image = _image(size)
    painter = QtGui.QPainter(image)
    draw_search_glyph(painter, QtCore.QPointF(0, 0), size, QtGui.QColor("#0A4A96"))
    painter.end()

    def ink(x: int, y: int) -> bool:
        return image.pixelColor(x, y).alpha() > 200

    centre = 42  # the glass: centre (42, 42), radius 30, a 10 px line
    assert ink(centre + 30, centre) and ink(centre, centre - 30)  # on the ring
    assert not ink(centre, centre) and not ink(centre + 15, centre)  # the glass is empty
    assert ink(76, 76) and ink(86, 86)  # the handle, out to the lower right
    assert not ink(95, 60) and not ink(5, 95)


def test_the_id_card_icon_has_a_filled_face_and_an_outline(qtbot: QtBot) -> None:
    pixmap = id_card_pixmap(110, "#0A4A96", "#FFFFFF")
    image = pixmap.toImage()
    assert image.pixelColor(55, 55 - 33).name() == "#0a4a96"  # top edge of the card outline
    assert image.pixelColor(50, 80).name() == "#ffffff"  # the face, between the marks
    assert image.pixelColor(33, 47).name() == "#0a4a96"  # the portrait
    assert image.pixelColor(5, 5).alpha() == 0  # outside the card
