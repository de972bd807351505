"""Asks a member of staff why they override something: preset reasons as big buttons (one tap)
plus a free-text field. The service layer refuses an empty reason anyway; this only helps."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from kiosk.i18n import tr
from kiosk.qt import QtWidgets
from kiosk.ui.widgets.buttons import BigButton
from kiosk.ui.widgets.dialog import OverlayDialog
from kiosk.ui.widgets.textfield import TextField


class ReasonDialog(OverlayDialog):
    def __init__(self, host: QtWidgets.QWidget) -> None:
        super().__init__(host)
        self.setObjectName("OverlayBackdrop")
        self.heading = QtWidgets.QLabel()
        self.heading.setProperty("role", "heading")
        self.heading.setWordWrap(True)
        self.presets = QtWidgets.QVBoxLayout()
        self.field = TextField(max_length=200)
        self.field.setObjectName("ReasonField")
        self.confirm = BigButton("", "primary")
        self.confirm.setObjectName("ReasonConfirm")
        self.cancel = BigButton("", "secondary")
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.confirm)
        row.addWidget(self.cancel)
        self.body.addWidget(self.heading)
        self.body.addLayout(self.presets)
        self.body.addWidget(self.field)
        self.body.addLayout(row)
        self.confirm.clicked.connect(self._confirm)
        self.cancel.clicked.connect(self.close_dialog)
        self._on_reason: Callable[[str], None] | None = None
        self._preset_buttons: list[BigButton] = []

    def ask(self, heading: str, presets: Sequence[str], on_reason: Callable[[str], None]) -> None:
        self.heading.setText(heading)
        for b in self._preset_buttons:
            self.presets.removeWidget(b)
            b.deleteLater()
        self._preset_buttons = []
        for text in presets:
            b = BigButton(text, "quiet")
            b.clicked.connect(lambda _=False, t=text: self.field.set_text(t))
            self.presets.addWidget(b)
            self._preset_buttons.append(b)
        self.field.clear()
        self.field.set_label(tr("staff.reason_label"), tr("staff.reason_hint"))
        self.confirm.setText(tr("common.ok"))
        self.cancel.setText(tr("common.cancel"))
        self._on_reason = on_reason
        self.open()

    def _confirm(self) -> None:
        reason = self.field.text().strip()
        if len(reason) < 2:
            self.field.set_error(tr("staff.err_reason"))  # the typed text stays
            return
        callback = self._on_reason
        self.close_dialog()
        if callback is not None:
            callback(reason)
