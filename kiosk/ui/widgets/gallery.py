"""A sample form built from the reusable widgets (screenshot tour and widget tests only).

Shows the GOV.UK error pattern (summary on top, message in the field's own words, answer kept),
a text field, a numeric field with the on-screen keypad, and the button variants.
"""

from __future__ import annotations

from kiosk.i18n import tr
from kiosk.qt import Qt, QtWidgets
from kiosk.ui.theme import Theme
from kiosk.ui.widgets.buttons import BigButton
from kiosk.ui.widgets.keypad import NumericKeypad
from kiosk.ui.widgets.textfield import ErrorSummary, TextField


class WidgetGallery(QtWidgets.QWidget):
    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("WidgetGallery")
        root = QtWidgets.QHBoxLayout(self)
        self._root = root
        form = QtWidgets.QVBoxLayout()
        self._form = form
        self.heading = QtWidgets.QLabel()
        self.heading.setProperty("role", "title")
        self.summary = ErrorSummary()
        self.name = TextField()
        self.phone = TextField(numeric=True, max_length=11)
        self.phone.set_text("1380013")
        buttons = QtWidgets.QHBoxLayout()
        self.primary = BigButton("", "primary")
        self.secondary = BigButton("", "secondary")
        buttons.addWidget(self.primary)
        buttons.addWidget(self.secondary)
        buttons.addStretch(1)
        for w in (self.heading, self.summary, self.name, self.phone):
            form.addWidget(w)
        form.addLayout(buttons)
        form.addStretch(1)
        self.keypad = NumericKeypad(self.phone.edit)
        root.addLayout(form, 3)
        root.addWidget(self.keypad, 2, Qt.AlignmentFlag.AlignTop)

    def retranslate(self) -> None:
        self.heading.setText(tr("shell.gallery.heading"))
        self.summary.set_title(tr("shell.form.error_summary"))
        self.name.set_label(tr("shell.gallery.name_label"), tr("shell.gallery.name_hint"))
        self.phone.set_label(tr("shell.gallery.phone_label"), tr("shell.gallery.phone_hint"))
        self.phone.set_error(tr("shell.gallery.phone_error"))
        self.summary.show_errors([self.phone])
        self.primary.setText(tr("common.next"))
        self.secondary.setText(tr("common.back"))
        self.keypad.retranslate()

    def apply_theme(self, theme: Theme) -> None:
        m = theme.margin
        self._root.setContentsMargins(m, m // 2, m, m // 2)
        self._root.setSpacing(theme.margin * 2)
        self._form.setSpacing(theme.spacing)
        self.name.setVisible(not theme.elderly)  # elderly mode: fewer questions per screen
        self.keypad.setFixedWidth(self.keypad.width_for(theme.keypad_key))
