"""Staff login (员工登录): the staff card (managers; technicians where configured) and the PIN on
an on-screen keypad. The PIN lives only in the field and is cleared on every exit."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from kiosk.i18n import tr
from kiosk.qt import Qt, QtWidgets
from kiosk.screens.base import Screen, register_screen
from kiosk.staff.auth import LoginOutcome, LoginResult, Mode
from kiosk.staff.pins import PIN_MAX_LENGTH
from kiosk.staff.qtfeature import MENU_ROUTE, feature_of
from kiosk.ui.theme import Theme
from kiosk.ui.widgets.buttons import BigButton
from kiosk.ui.widgets.keypad import NumericKeypad
from kiosk.ui.widgets.textfield import TextField

if TYPE_CHECKING:
    from kiosk.app import KioskApp

MESSAGE_KEYS = {
    LoginOutcome.WRONG_PIN: "staff.login_wrong_pin",
    LoginOutcome.LOCKED: "staff.login_locked",
    LoginOutcome.CARD_REQUIRED: "staff.login_card_required",
    LoginOutcome.CARD_REJECTED: "staff.login_card_rejected",
    LoginOutcome.ROLE_NOT_ALLOWED: "staff.login_role_not_allowed",
    LoginOutcome.BAD_PIN_FORMAT: "staff.login_bad_pin_format",
}


def login_message(result: LoginResult) -> str:
    key = MESSAGE_KEYS.get(result.outcome)
    if key is None:
        return ""
    return tr(key, left=result.attempts_left if result.attempts_left is not None else 0,
              minutes=max(1, math.ceil(result.locked_for_s / 60)))


@register_screen("staff_login")
class StaffLoginScreen(Screen):
    title_key = "staff.login_title"

    def __init__(self, app: KioskApp, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(app, parent)
        self.mode = Mode.DIAGNOSTICS
        self.tour = False
        root = QtWidgets.QHBoxLayout(self)
        root.setContentsMargins(80, 32, 80, 32)
        root.setSpacing(64)
        left = QtWidgets.QVBoxLayout()
        left.setSpacing(20)
        self.heading = QtWidgets.QLabel()
        self.heading.setProperty("role", "title")
        self.instructions = QtWidgets.QLabel()
        self.instructions.setProperty("role", "body")
        self.instructions.setWordWrap(True)
        self.card_status = QtWidgets.QLabel()
        self.card_status.setObjectName("StaffCardStatus")
        self.card_status.setProperty("role", "heading")
        self.card_status.setWordWrap(True)
        self.staff_id = TextField(max_length=32)
        self.staff_id.setObjectName("StaffIdField")
        self.pin = TextField(numeric=True, secret=True, max_length=PIN_MAX_LENGTH)
        self.pin.setObjectName("StaffPinField")
        self.pin.edit.returnPressed.connect(self.submit)
        self.login_button = BigButton("", "primary")
        self.login_button.setObjectName("StaffLoginButton")
        self.login_button.clicked.connect(self.submit)
        self.cancel_button = BigButton("", "secondary")
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.login_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        for w in (self.heading, self.instructions, self.card_status, self.staff_id, self.pin):
            left.addWidget(w)
        left.addLayout(buttons)
        left.addStretch(1)
        self.keypad = NumericKeypad(self.pin.edit)
        self.keypad.setObjectName("StaffKeypad")
        root.addLayout(left, 3)
        root.addWidget(self.keypad, 2, Qt.AlignmentFlag.AlignTop)

    # -- lifecycle ------------------------------------------------------------------------------
    def enter(self, **params: Any) -> None:
        self.mode = Mode(params.get("mode", Mode.DIAGNOSTICS))
        self.tour = bool(params.get("tour"))
        self.pin.clear()
        self.staff_id.clear()
        feature = feature_of(self.app)
        if feature is not None:
            feature.cardChecked.connect(self._refresh_card)
            feature.loginFinished.connect(self._on_login)
        self._busy(False)
        if self.tour and params.get("sample_error"):
            self.pin.set_text("1234")
            self.pin.set_error(tr("staff.login_wrong_pin", left=3))
        self.staff_id.setVisible(self.mode is Mode.DIAGNOSTICS)
        self.retranslate()
        self.pin.edit.setFocus()

    def leave(self) -> None:
        feature = feature_of(self.app)
        if feature is not None:
            for signal, slot in ((feature.cardChecked, self._refresh_card),
                                 (feature.loginFinished, self._on_login)):
                try:
                    signal.disconnect(slot)
                except (RuntimeError, TypeError):
                    pass
        self.reset()

    def reset(self) -> None:
        self.pin.clear()
        self.staff_id.clear()

    def _card_id(self) -> str | None:
        if self.tour:
            return "M0001" if self.mode is Mode.ASSISTED else None
        feature = feature_of(self.app)
        return feature.auth.card_staff_id() if feature is not None else None

    def _card_needed(self) -> bool:
        feature = feature_of(self.app)
        return self.mode is Mode.ASSISTED or bool(feature and feature.auth.technician_requires_card)

    def _refresh_card(self, _outcome: object = None) -> None:
        card = self._card_id()
        if card is not None:
            self.card_status.setText("✔ " + tr("staff.login_card_ok", staff=card))
            self.card_status.show()
        elif self._card_needed():
            self.card_status.setText("▶ " + tr("staff.login_card_required"))
            self.card_status.show()
        else:
            self.card_status.hide()

    # -- actions ----------------------------------------------------------------------------------
    def submit(self) -> None:
        feature = feature_of(self.app)
        if feature is None or self.tour:
            return
        if not self.login_button.isEnabled():
            return  # one check at a time
        staff_id = self.staff_id.text().strip() or None if self.mode is Mode.DIAGNOSTICS else None
        pin = self.pin.text()
        self.pin.clear()  # never keep a PIN, right or wrong
        self._busy(True)
        feature.login_async(self.mode, pin, staff_id)

    def _busy(self, busy: bool) -> None:
        self.login_button.setEnabled(not busy)
        self.login_button.setText(tr("common.please_wait") if busy else tr("staff.login_button"))

    def _on_login(self, result: LoginResult) -> None:
        self._busy(False)
        if result.ok:
            self.staff_id.clear()
            self.pin.set_error(None)
            self.app.nav.replace(MENU_ROUTE[self.mode])
            return
        self.pin.set_error(login_message(result))
        self._refresh_card()

    def cancel(self) -> None:
        self.reset()
        self.app.nav.home()

    # -- presentation ------------------------------------------------------------------------------
    def retranslate(self) -> None:
        assisted = self.mode is Mode.ASSISTED
        self.heading.setText(tr("staff.login_heading_assisted" if assisted else "staff.login_heading_diagnostics"))
        self.instructions.setText(tr("staff.login_instructions_assisted" if assisted
                                     else "staff.login_instructions_diagnostics"))
        self.staff_id.set_label(tr("staff.login_staff_id"))
        self.pin.set_label(tr("staff.login_pin"), tr("staff.login_pin_hint"))
        self.login_button.setText(tr("staff.login_button"))
        self.cancel_button.setText(tr("common.cancel"))
        self.keypad.retranslate()
        self._refresh_card()

    def apply_theme(self, theme: Theme) -> None:
        self.keypad.setFixedWidth(self.keypad.width_for(theme.keypad_key))
        self.keypad.setFixedHeight(4 * (theme.keypad_key + 6) + 3 * 12)
        # The theme's QSS sets a min-width for every button; a widget style sheet overrides it.
        self.login_button.setStyleSheet(f"min-width: {theme.target * 4}px;")
        self.cancel_button.setStyleSheet(f"min-width: {theme.target * 3}px;")

    @classmethod
    def tour_params(cls) -> list[dict[str, Any]]:
        return [{"mode": "assisted", "tour": True},
                {"mode": "diagnostics", "tour": True, "sample_error": True}]
