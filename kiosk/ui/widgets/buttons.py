"""Big touch buttons. Styling comes from the theme's QSS via the ``variant`` property."""

from __future__ import annotations

from kiosk.qt import Qt, QtWidgets


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
        super().__init__(text, parent)
        self.setProperty("variant", variant)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred,
                           QtWidgets.QSizePolicy.Policy.Fixed)


class ToggleButton(BigButton):
    """A one-tap on/off switch whose text says the state (colour is never the only cue)."""

    def __init__(self, parent: QtWidgets.QWidget | None = None, variant: str = "toggle") -> None:
        super().__init__("", variant, parent)
        self.setCheckable(True)
