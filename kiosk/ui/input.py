"""On-screen input: Qt Virtual Keyboard for text fields, the numeric keypad for numbers.

Qt Widgets only asks for the software keyboard on some clicks; a kiosk wants it whenever a text
field takes focus, and hidden again when focus leaves. Numeric fields turn the input method off
(:class:`~kiosk.ui.widgets.textfield.TextField` with ``numeric=True``) and show the keypad instead.
The input-method module itself must be chosen before QApplication exists (see kiosk.app).
"""

from __future__ import annotations

from kiosk.qt import QEvent, QObject, Qt, QtGui, QtWidgets

_TEXT_WIDGETS = (QtWidgets.QLineEdit, QtWidgets.QTextEdit, QtWidgets.QPlainTextEdit)


def wants_virtual_keyboard(widget: QObject | None) -> bool:
    return (isinstance(widget, _TEXT_WIDGETS)
            and widget.testAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled)
            and not (isinstance(widget, QtWidgets.QLineEdit) and widget.isReadOnly()))


class VirtualKeyboardFocus(QObject):
    """Application event filter: text field focused → keyboard up; focus elsewhere → down."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.FocusIn and wants_virtual_keyboard(watched):
            QtGui.QGuiApplication.inputMethod().show()
        elif kind == QEvent.Type.FocusOut and wants_virtual_keyboard(watched):
            focus = QtWidgets.QApplication.focusWidget()
            if not wants_virtual_keyboard(focus):
                QtGui.QGuiApplication.inputMethod().hide()
        return False
