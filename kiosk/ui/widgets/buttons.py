"""Big touch buttons. Styling comes from the theme's QSS via the ``variant`` property."""

from __future__ import annotations

from kiosk.qt import Qt, QtCore, QtGui, QtWidgets
from kiosk.ui.widgets.icons import draw_search_glyph


def repolish(widget: QtWidgets.QWidget) -> None:
    """Re-apply the style sheet after a dynamic property used in a selector changed.

    Skipped before the widget's first polish (it is polished with the new value anyway) — this
    keeps ``QWidget.style()``, whose Python wrapper is costly to create, off the start-up path."""
    if widget.testAttribute(Qt.WidgetAttribute.WA_WState_Polished):
        style = widget.style()
        style.unpolish(widget)
        style.polish(widget)


def set_variant(widget: QtWidgets.QWidget, variant: str) -> None:
    widget.setProperty("variant", variant)
    repolish(widget)


class BigButton(QtWidgets.QPushButton):
    """A large button; ``variant`` is "primary" (filled), "secondary" (outlined), "quiet" or "link"."""

    def __init__(self, text: str = "", variant: str = "secondary",
                 parent: QtWidgets.QWidget | None = None) -> None:
        # Not QPushButton(text, parent): telling that overload from (icon, text, parent) makes
        # PySide build QIcon's enums (~3 ms of start-up) on the first button.
        super().__init__(parent)
        if text:
            self.setText(text)
        self.setProperty("variant", variant)  # (QPushButton's focus policy is StrongFocus)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred,
                           QtWidgets.QSizePolicy.Policy.Fixed)


class ToggleButton(BigButton):
    """A one-tap on/off switch whose text says the state (colour is never the only cue)."""

    def __init__(self, parent: QtWidgets.QWidget | None = None, variant: str = "toggle") -> None:
        super().__init__("", variant, parent)
        self.setCheckable(True)


class SearchEntryButton(BigButton):
    """Looks like a search field (the magnifier, then the prompt); a tap opens the search screen.

    The magnifier is painted here, in the space the style sheet's ``padding-left`` leaves for it:
    a QIcon would cost ~5 ms of the kiosk's start-up (PySide builds QIcon's enums on first use)."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("", "search", parent)
        self.glyph_size = 0
        self.glyph_inset = 0
        self._glyph_colour = QtGui.QColor()

    def set_glyph(self, size: int, inset: int, colour: str) -> None:
        self.glyph_size, self.glyph_inset = size, inset
        self._glyph_colour = QtGui.QColor(colour)
        self.update()

    def glyph_rect(self) -> QtCore.QRect:
        top = (self.height() - self.glyph_size) // 2
        return QtCore.QRect(self.glyph_inset, top, self.glyph_size, self.glyph_size)

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        super().paintEvent(event)
        if self.glyph_size <= 0:
            return
        painter = QtGui.QPainter(self)
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        draw_search_glyph(painter, QtCore.QPointF(self.glyph_rect().topLeft()), self.glyph_size,
                          self._glyph_colour)
        painter.end()
