"""The status bar: network, offline-queue depth and device health, fed by plain setters.

Every state is text plus a symbol (✓ / ! / ✕), colour only reinforces it. Devices that work are
summed up in one "✓ 设备正常" (the bar must fit in elderly mode and in English); each device that
does not is named with its state and error code. The clock lives in the header.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk.i18n import CATALOGUE, tr
from kiosk.qt import QtWidgets
from kiosk.ui.qtvalues import ALIGN_VCENTER, set_alignment
from kiosk.ui.widgets.buttons import repolish

if TYPE_CHECKING:  # the device model arrives with the first device, after start-up
    from kiosk.devices.base import DeviceStatus

# DeviceState value → (symbol, severity); the words come from shell.device_state.<state>
_DEVICE_LOOK: dict[str, tuple[str, str]] = {
    "online": ("✓", "ok"),
    "deviceBusy": ("✓", "ok"),
    "userError": ("!", "warning"),
    "fraudAttempt": ("!", "warning"),
    "offline": ("✕", "error"),
    "powerOff": ("✕", "error"),
    "noDevice": ("✕", "error"),
    "hardwareError": ("✕", "error"),
}


def _set_severity(label: QtWidgets.QLabel, severity: str) -> None:
    if label.property("severity") != severity:
        label.setProperty("severity", severity)
        repolish(label)


def device_label_text(name: str, status: DeviceStatus) -> tuple[str, str]:
    """("✓ 身份证阅读器 正常", "ok") — words, symbol and severity for one device."""
    symbol, severity = _DEVICE_LOOK.get(status.state.value, ("!", "warning"))
    key = f"shell.device.{name}"
    device = tr(key) if key in CATALOGUE.messages else name
    state = tr(f"shell.device_state.{status.state.value}")
    text = tr("shell.status.device_line", symbol=symbol, device=device, state=state)
    if status.error_code and severity != "ok":
        text += f" ({status.error_code})"
    return text, severity


class StatusBar(QtWidgets.QFrame):
    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("StatusBar")
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(24, 0, 24, 0)
        layout.setSpacing(32)
        self.terminal = QtWidgets.QLabel()
        self.network = QtWidgets.QLabel()
        set_alignment(self.network, ALIGN_VCENTER)
        # The severity of "not known yet", so the first render changes nothing to re-polish
        # (before the first frame; see kiosk.ui.qtvalues).
        self.network.setProperty("severity", "warning")
        self.queue = QtWidgets.QLabel()
        layout.addWidget(self.network)
        layout.addWidget(self.queue)
        self._devices_box = QtWidgets.QHBoxLayout()
        self._devices_box.setSpacing(24)
        self.devices_ok = QtWidgets.QLabel()
        self.devices_ok.setObjectName("DevicesOk")
        self.devices_ok.hide()
        layout.addWidget(self.devices_ok)
        layout.addLayout(self._devices_box)
        layout.addStretch(1)
        layout.addWidget(self.terminal)
        self._network_online: bool | None = None
        self._queue_depth = 0
        self._terminal_id = ""
        self._devices: dict[str, tuple[QtWidgets.QLabel, DeviceStatus]] = {}
        self.retranslate()

    # --- inputs ----------------------------------------------------------------------------
    def set_network(self, online: bool | None) -> None:
        """True online, False offline (applications are queued), None not known yet."""
        self._network_online = online
        self._render_network()

    def set_queue(self, depth: int) -> None:
        self._queue_depth = max(0, int(depth))
        self._render_queue()

    def set_terminal_id(self, terminal_id: str) -> None:
        self._terminal_id = terminal_id
        self.terminal.setText(tr("shell.status.terminal", id=terminal_id))

    def set_device_status(self, name: str, status: DeviceStatus) -> None:
        entry = self._devices.get(name)
        if entry is None:
            label = QtWidgets.QLabel()
            label.setObjectName(f"Device_{name}")
            self._devices_box.addWidget(label)
            entry = (label, status)
        self._devices[name] = (entry[0], status)
        self._render_device(name)

    # --- rendering -------------------------------------------------------------------------
    def _render_network(self) -> None:
        online = self._network_online
        if online is None:
            text, severity = "… " + tr("shell.status.network_unknown"), "warning"
        elif online:
            text, severity = "✓ " + tr("shell.status.network_online"), "ok"
        else:
            text, severity = "✕ " + tr("shell.status.network_offline"), "error"
        self.network.setText(text)
        _set_severity(self.network, severity)

    def _render_queue(self) -> None:
        if self._queue_depth:
            self.queue.setText(tr("shell.status.queue", n=self._queue_depth))
            self.queue.show()
        else:
            self.queue.clear()
            self.queue.hide()

    def _render_device(self, name: str) -> None:
        label, status = self._devices[name]
        text, severity = device_label_text(name, status)
        label.setText(text)
        _set_severity(label, severity)
        label.setVisible(severity != "ok")
        self._render_devices_ok()

    def _render_devices_ok(self) -> None:
        ok = [n for n, (_l, st) in self._devices.items() if _DEVICE_LOOK.get(st.state, ("", ""))[1] == "ok"]
        faulty = len(self._devices) - len(ok)
        if ok:
            key = "shell.status.devices_ok" if not faulty else "shell.status.devices_ok_some"
            self.devices_ok.setText("✓ " + tr(key, n=len(ok)))
            _set_severity(self.devices_ok, "ok")
        self.devices_ok.setVisible(bool(ok))

    def device_text(self, name: str) -> str:
        """What the bar says about one device ("" if it is summed up as working)."""
        if name not in self._devices:
            return ""
        label = self._devices[name][0]
        return label.text() if not label.isHidden() else ""

    def retranslate(self) -> None:
        self._render_network()
        self._render_queue()
        if self._terminal_id:
            self.set_terminal_id(self._terminal_id)
        for name in self._devices:
            self._render_device(name)
