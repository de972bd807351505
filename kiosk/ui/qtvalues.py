"""Qt's enum values that the home screen's first frame needs, as plain ints, and the calls that
take them without PySide's ``Qt`` enums.

PySide builds all 93 enums of ``Qt`` (1,195 members, through Python's ``enum``) the first time any
of them is used, also inside an overload check: ``setPen``, ``setBrush``, ``setAttribute`` and
``setWindowFlags`` all do it. That is 25-45 ms, a sixth of the kiosk's start, so the widgets the
first frame builds and paints stay off ``Qt``: they set enum properties through Qt's meta-object
system (which takes ints), and paint with filled paths and palette brushes (see
:mod:`kiosk.ui.widgets.tile`). tests/test_startup_deferral.py checks that the home screen's first
frame does not build ``Qt``, and tests/test_qtvalues.py that these numbers are Qt's own.
"""

from __future__ import annotations

from kiosk.qt import QtGui, QtWidgets

# Qt::AlignmentFlag
ALIGN_LEFT = 0x0001
ALIGN_RIGHT = 0x0002
ALIGN_HCENTER = 0x0004
ALIGN_TOP = 0x0020
ALIGN_VCENTER = 0x0080
ALIGN_CENTER = ALIGN_HCENTER | ALIGN_VCENTER
# Qt::TextFlag
TEXT_WORD_WRAP = 0x1000
# Qt::FocusPolicy
STRONG_FOCUS = 0x000B
# Qt::WindowType
WINDOW = 0x0001
FRAMELESS_WINDOW_HINT = 0x0800


def set_alignment(label: QtWidgets.QLabel, alignment: int) -> None:
    """``label.setAlignment(alignment)`` through the ``alignment`` property."""
    label.setProperty("alignment", alignment)


def set_focus_policy(widget: QtWidgets.QWidget, policy: int) -> None:
    """``widget.setFocusPolicy(policy)`` through the ``focusPolicy`` property."""
    widget.setProperty("focusPolicy", policy)


def make_frameless(window: QtWidgets.QWidget) -> None:
    """Give a top-level widget's native window no frame, before it is shown.

    ``setWindowFlags`` takes a ``Qt.WindowType``; the native window's ``flags`` property takes an
    int. The widget's own ``windowFlags()`` does not show the hint; the window system gets it,
    and the kiosk's window is never re-parented (which would re-create the native window)."""
    window.create()
    handle = window.windowHandle()
    if handle is None:  # pragma: no cover - create() always makes one for a top-level widget
        raise RuntimeError("no native window after create()")
    handle.setProperty("flags", WINDOW | FRAMELESS_WINDOW_HINT)


def solid_brush(colour: QtGui.QColor) -> QtGui.QBrush:
    """A solid brush of ``colour``. ``QBrush(colour)`` and ``painter.setBrush(colour)`` check
    the ``Qt.GlobalColor`` and ``Qt.BrushStyle`` overloads; a palette's brush is the same solid
    brush, and ``painter.fillPath(path, brush)`` has no such overload."""
    palette = QtGui.QPalette()
    palette.setColor(QtGui.QPalette.ColorRole.Window, colour)
    return palette.brush(QtGui.QPalette.ColorRole.Window)  # a copy (PySide copies value types)


def window_is_frameless(window: QtWidgets.QWidget) -> bool:
    handle = window.windowHandle()
    if handle is None:
        return False
    flags = handle.property("flags")
    return bool(int(getattr(flags, "value", flags)) & FRAMELESS_WINDOW_HINT)


__all__ = [
    "ALIGN_CENTER", "ALIGN_HCENTER", "ALIGN_LEFT", "ALIGN_RIGHT", "ALIGN_TOP", "ALIGN_VCENTER",
    "FRAMELESS_WINDOW_HINT", "STRONG_FOCUS", "TEXT_WORD_WRAP", "WINDOW",
    "make_frameless", "set_alignment", "set_focus_policy", "solid_brush", "window_is_frameless",
]
