"""An on-screen numeric keypad for numeric fields (phone number, PIN, reference number).

Big keys in the usual 1-2-3 / 4-5-6 / 7-8-9 / 清空-0-删除 layout; it types into the bound
QLineEdit through the line edit's own methods, so validators and max length apply.
"""

from __future__ import annotations

from kiosk.i18n import tr
from kiosk.qt import Qt, QtWidgets, Signal

_ROWS = (("1", "2", "3"), ("4", "5", "6"), ("7", "8", "9"), ("clear", "0", "delete"))


class NumericKeypad(QtWidgets.QWidget):
    keyPressed = Signal(str)  # "0"-"9", "delete", "clear"

    def __init__(self, target: QtWidgets.QLineEdit | None = None,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.target = target
        grid = QtWidgets.QGridLayout(self)
        self._grid = grid
        grid.setSpacing(12)
        grid.setContentsMargins(0, 0, 0, 0)
        self.keys: dict[str, QtWidgets.QPushButton] = {}
        for r, row in enumerate(_ROWS):
            for c, key in enumerate(row):
                button = QtWidgets.QPushButton()
                button.setProperty("variant", "key")
                button.setProperty("word", not key.isdigit())
                button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keep focus in the field
                button.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding,
                                     QtWidgets.QSizePolicy.Policy.Expanding)
                button.clicked.connect(lambda _=False, k=key: self.press(k))
                grid.addWidget(button, r, c)
                self.keys[key] = button
        self.retranslate()

    def width_for(self, key_edge: int) -> int:
        """Width that fits three keys of ``key_edge`` px (plus their borders) and the gaps."""
        return 3 * (key_edge + 6) + 2 * self._grid.spacing()

    def retranslate(self) -> None:
        for key, button in self.keys.items():
            button.setText(tr(f"shell.keypad.{key}") if not key.isdigit() else key)

    def bind(self, target: QtWidgets.QLineEdit | None) -> None:
        self.target = target

    def press(self, key: str) -> None:
        t = self.target
        if t is not None:
            if key == "delete":
                t.backspace()
            elif key == "clear":
                t.clear()
            else:
                t.insert(key)
        self.keyPressed.emit(key)
