"""The staff-mode banner: a strip across the top of the window whenever a lobby manager
(协办模式) or a technician (运维模式) is logged in, so nobody mistakes it for the citizen UI.

Its colours are its own (set here, not in the citizen theme): deep orange for assisted mode,
indigo for diagnostics, white text (both ≥ 7:1), and the mode is always written out in words.
"""

from __future__ import annotations

from kiosk.i18n import tr
from kiosk.qt import Qt, QtWidgets, Signal

COLOURS = {"assisted": "#9A3412", "diagnostics": "#3730A3"}
PRESSED = {"assisted": "#7C2D12", "diagnostics": "#312E81"}


class StaffBanner(QtWidgets.QFrame):
    menuClicked = Signal()
    exitClicked = Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("StaffBanner")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(32, 6, 24, 6)
        layout.setSpacing(24)
        self.mode_label = QtWidgets.QLabel()
        self.mode_label.setObjectName("StaffBannerMode")
        self.who_label = QtWidgets.QLabel()
        self.time_label = QtWidgets.QLabel()
        self.menu_button = QtWidgets.QPushButton()
        self.exit_button = QtWidgets.QPushButton()
        for b in (self.menu_button, self.exit_button):
            b.setObjectName("StaffBannerButton")
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.menu_button.clicked.connect(self.menuClicked)
        self.exit_button.clicked.connect(self.exitClicked)
        layout.addWidget(self.mode_label)
        layout.addWidget(self.who_label)
        layout.addStretch(1)
        layout.addWidget(self.time_label)
        layout.addWidget(self.menu_button)
        layout.addWidget(self.exit_button)
        self.mode = "assisted"
        self.staff_id = ""
        self.role = ""
        self.remaining = 0
        self.hide()

    def show_for(self, mode: str, staff_id: str, role: str) -> None:
        self.mode, self.staff_id, self.role = mode, staff_id, role
        self._style()
        self.retranslate()
        self.show()
        self.raise_()

    def set_remaining(self, seconds: float) -> None:
        self.remaining = int(seconds)
        self.time_label.setText(tr("staff.banner_remaining", time=f"{self.remaining // 60}:{self.remaining % 60:02d}"))

    def set_height(self, height: int, font_px: int, target_px: int = 60) -> None:
        self.setFixedHeight(height)
        self._font_px = font_px
        self._target_px = target_px
        self._style()

    def _style(self) -> None:
        bg = COLOURS.get(self.mode, COLOURS["assisted"])
        font = getattr(self, "_font_px", 26)
        target = getattr(self, "_target_px", 60)
        self.setStyleSheet(
            f"QFrame#StaffBanner {{ background: {bg}; border-bottom: 4px solid #FFFFFF; }}"
            f" QFrame#StaffBanner QLabel {{ color: #FFFFFF; background: transparent; font-size: {font}px; }}"
            f" QLabel#StaffBannerMode {{ font-weight: bold; font-size: {font + 4}px;"
            f" border: 3px solid #FFFFFF; border-radius: 8px; padding: 2px 16px; }}"
            f" QPushButton#StaffBannerButton {{ color: {bg}; background: #FFFFFF; font-weight: bold;"
            f" font-size: {font}px; border-radius: 8px; padding: 0 24px; min-height: {target}px; min-width: {target * 2}px; }}"
            f" QPushButton#StaffBannerButton:pressed {{ background: #E5E7EB; color: {PRESSED.get(self.mode, bg)}; }}")

    def retranslate(self) -> None:
        assisted = self.mode == "assisted"
        self.mode_label.setText(tr("staff.banner_assisted" if assisted else "staff.banner_diagnostics"))
        role_text = tr("staff.role_manager" if self.role == "manager" else "staff.role_technician")
        self.who_label.setText(tr("staff.banner_who", role=role_text, staff=self.staff_id))
        self.menu_button.setText(tr("staff.banner_menu_assisted" if assisted else "staff.banner_menu_diagnostics"))
        self.exit_button.setText(tr("staff.banner_exit"))
        self.set_remaining(self.remaining)
