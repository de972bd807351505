"""Dev-dock tab for the card reader: insert / remove virtual cards, watch what the kiosk reads.

Works against ``app.simulators["smartcard"]`` (a VirtualCardController) and, when present,
``app.devices["smartcard"]`` (the DeviceBridge) for status and identification events. Inserting
blocks for up to a second (vpcd swap gap, socket connect), so it runs off the UI thread.
"""

from __future__ import annotations

import threading
from typing import Any

from kiosk.devices.base import Completion, DeviceEvent, DeviceStatus
from kiosk.i18n import tr
from kiosk.qt import QObject, QtWidgets, Signal

TITLE_KEY = "smartcard.panel_title"
PULL_AFTER_APDUS = 4


class _Relay(QObject):
    """Receives the bridge's signals; a child of the panel, so Qt disconnects it with the panel."""

    message = Signal(str)

    def __init__(self, parent: QtWidgets.QWidget, state: QtWidgets.QLabel, result: QtWidgets.QLabel) -> None:
        super().__init__(parent)
        self.state, self.result = state, result
        self.message.connect(result.setText)

    def on_status(self, status: DeviceStatus, _changes: object) -> None:
        media = str(status.detail.get("media", "unknown"))
        self.state.setText(tr("smartcard.reader_state", state=str(status.state),
                              media=tr(f"smartcard.media_{media}")))

    def on_event(self, event: DeviceEvent) -> None:
        if event.kind == "card_identified":
            self.result.setText(describe(event))
        elif event.kind == "card_removed":
            self.result.setText("")


def describe(event: DeviceEvent) -> str:
    """One masked line for a card event (the panel shows no full card data either)."""
    if event.kind != "card_identified":
        return event.kind
    completion: Completion[Any] = event.payload
    if not completion.ok or completion.value is None:
        return f"{completion.error_code}: {tr(completion.message_key or 'smartcard.error_generic')}"
    masked = completion.value.masked()
    kind = masked.get("kind")
    if kind == "social_security":
        return tr("smartcard.identified_ssc", name=masked["name"], ssn=masked["ssn"])
    if kind == "staff":
        return tr("smartcard.identified_staff", staff_id=masked["staff_id"], role=tr(f"smartcard.role_{masked['role']}"))
    return tr("smartcard.identified_bank", pan=masked["pan"])


def build_panel(app: Any) -> QtWidgets.QWidget:
    controller = getattr(app, "simulators", {}).get("smartcard")
    bridge = getattr(app, "devices", {}).get("smartcard")
    panel = QtWidgets.QWidget()
    layout = QtWidgets.QVBoxLayout(panel)
    if controller is None:
        layout.addWidget(QtWidgets.QLabel(tr("smartcard.no_simulator")))
        return panel
    choose = QtWidgets.QComboBox()
    choose.addItems(controller.cards())
    pull = QtWidgets.QCheckBox(tr("smartcard.pull_mid_read"))
    insert = QtWidgets.QPushButton(tr("smartcard.insert"))
    remove = QtWidgets.QPushButton(tr("smartcard.remove"))
    state = QtWidgets.QLabel(tr("smartcard.reader_state", state="-", media=tr("smartcard.media_unknown")))
    result = QtWidgets.QLabel("")
    result.setWordWrap(True)
    row = QtWidgets.QHBoxLayout()
    row.addWidget(choose, 1)
    row.addWidget(insert)
    row.addWidget(remove)
    layout.addLayout(row)
    layout.addWidget(pull)
    layout.addWidget(state)
    layout.addWidget(result)
    layout.addStretch(1)
    relay = _Relay(panel, state, result)

    def in_background(action: Any) -> None:
        def run() -> None:
            try:
                action()
            except (ConnectionError, KeyError) as e:
                relay.message.emit(str(e))
        threading.Thread(target=run, name="devdock-smartcard", daemon=True).start()

    def do_insert() -> None:
        name = choose.currentText()
        pull_after = PULL_AFTER_APDUS if pull.isChecked() else None
        in_background(lambda: controller.insert(name, pull_after_apdus=pull_after))

    insert.clicked.connect(do_insert)
    remove.clicked.connect(lambda: in_background(controller.remove))
    if bridge is not None:
        bridge.statusChanged.connect(relay.on_status)
        bridge.eventOccurred.connect(relay.on_event)
        relay.on_status(bridge.runner.device.status, {})
    return panel
