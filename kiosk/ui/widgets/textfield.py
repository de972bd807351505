"""A labelled text field whose error is worded in the field's own terms, and an error summary.

GOV.UK pattern: the summary at the top lists every error (tapping one focuses its field); each
field shows its own message above the input; the typed answer is never cleared by an error.
Numeric fields (phone, PIN) get ``numeric=True``: no virtual keyboard, the caller shows a
:class:`~kiosk.ui.widgets.keypad.NumericKeypad` bound to :attr:`TextField.edit`.
"""

from __future__ import annotations

from kiosk.qt import Qt, QtCore, QtGui, QtWidgets, Signal
from kiosk.ui.widgets.buttons import repolish


class TextField(QtWidgets.QWidget):
    def __init__(self, label: str = "", hint: str = "", numeric: bool = False,
                 max_length: int | None = None, secret: bool = False,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.label = QtWidgets.QLabel(label)
        self.label.setObjectName("FieldLabel")
        self.hint = QtWidgets.QLabel(hint)
        self.hint.setObjectName("FieldHint")
        self.hint.setWordWrap(True)
        self.hint.setVisible(bool(hint))
        self.error = QtWidgets.QLabel()
        self.error.setObjectName("FieldError")
        self.error.setWordWrap(True)
        self.error.hide()
        self.edit = QtWidgets.QLineEdit()
        self.label.setBuddy(self.edit)
        if max_length:
            self.edit.setMaxLength(max_length)
        if secret:
            self.edit.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
        if numeric:
            # Digits only; ImhDigitsOnly also tells an input method not to pop the full keyboard.
            self.edit.setValidator(QtGui.QRegularExpressionValidator(
                QtCore.QRegularExpression(r"\d*"), self.edit))
            self.edit.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly
                                          | Qt.InputMethodHint.ImhNoPredictiveText)
            # No pinyin keyboard for numbers: the screen shows a NumericKeypad instead.
            self.edit.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
        self.numeric = numeric
        for w in (self.label, self.hint, self.error, self.edit):
            layout.addWidget(w)

    def text(self) -> str:
        return self.edit.text()

    def set_text(self, text: str) -> None:
        self.edit.setText(text)

    def set_label(self, label: str, hint: str = "") -> None:
        self.label.setText(label)
        self.hint.setText(hint)
        self.hint.setVisible(bool(hint))

    def set_error(self, message: str | None) -> None:
        """Show ``message`` (e.g. "请输入11位手机号码") or clear it; the typed text stays."""
        self.error.setText(message or "")
        self.error.setVisible(bool(message))
        self.edit.setProperty("invalid", bool(message))
        repolish(self.edit)

    @property
    def error_text(self) -> str:
        return self.error.text() if self.error.isVisible() or self.error.text() else ""

    def clear(self) -> None:
        self.edit.clear()
        self.set_error(None)


class ErrorSummary(QtWidgets.QFrame):
    """The box at the top of a form listing what to fix; each line focuses its field."""

    fieldChosen = Signal(object)  # the TextField

    def __init__(self, title: str = "", parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ErrorSummary")
        self._layout = QtWidgets.QVBoxLayout(self)
        self._layout.setContentsMargins(24, 16, 24, 16)
        self.title = QtWidgets.QLabel(title)
        self.title.setObjectName("ErrorSummaryTitle")
        self._layout.addWidget(self.title)
        self._links: list[QtWidgets.QPushButton] = []
        self.hide()

    def set_title(self, title: str) -> None:
        self.title.setText(title)

    def show_errors(self, fields: list[TextField]) -> None:
        for link in self._links:
            self._layout.removeWidget(link)
            link.hide()
            link.deleteLater()
        self._links = []
        for field in fields:
            if not field.error.text():
                continue
            link = QtWidgets.QPushButton(field.error.text())
            link.setProperty("variant", "link")
            link.clicked.connect(lambda _=False, f=field: self._choose(f))
            self._layout.addWidget(link)
            self._links.append(link)
        self.setVisible(bool(self._links))

    def _choose(self, field: TextField) -> None:
        field.edit.setFocus()
        self.fieldChosen.emit(field)

    def messages(self) -> list[str]:
        return [link.text() for link in self._links]
