"""Dev-dock tab for staff modes (demo): present a staff card without a card reader, open the
technician login as the hidden gesture would, see the staff session and the pause state."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk.devices.base import Completion, Outcome
from kiosk.i18n import tr
from kiosk.qt import QTimer, QtWidgets
from kiosk.staff.auth import Mode
from kiosk.staff.qtfeature import feature_of

if TYPE_CHECKING:
    from kiosk.app import KioskApp

TITLE_KEY = "staff.devdock_title"
DEMO_CARDS = ("M0001", "M0002", "T0042")


def build_panel(app: KioskApp) -> QtWidgets.QWidget | None:
    feature = feature_of(app)
    if feature is None:
        return None
    panel = QtWidgets.QWidget()
    layout = QtWidgets.QVBoxLayout(panel)
    for staff_id in DEMO_CARDS:
        b = QtWidgets.QPushButton(tr("staff.devdock_card", staff=staff_id))
        b.clicked.connect(lambda _=False, s=staff_id: feature.card_result(Completion.success(s)))
        layout.addWidget(b)
    bad = QtWidgets.QPushButton(tr("staff.devdock_bad_card"))
    bad.clicked.connect(lambda: feature.card_result(Completion.failure(Outcome.USER_ERROR, "STF-004")))
    layout.addWidget(bad)
    tech = QtWidgets.QPushButton(tr("staff.devdock_gesture"))
    tech.clicked.connect(lambda: feature.open_login(Mode.DIAGNOSTICS))
    layout.addWidget(tech)
    state = QtWidgets.QLabel()
    state.setWordWrap(True)
    layout.addWidget(state)
    layout.addStretch(1)

    def refresh() -> None:
        session = feature.auth.current
        service = feature.service_state.state
        state.setText(tr("staff.devdock_state",
                         session=f"{session.staff_id} ({session.mode})" if session else "—",
                         paused=tr("staff.action_pause") if service.paused else "—"))

    timer = QTimer(panel)
    timer.timeout.connect(refresh)
    timer.start(1000)
    refresh()
    return panel
