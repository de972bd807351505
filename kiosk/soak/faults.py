"""What goes wrong around the citizens: device faults through the simulators' control APIs and
network drops through the fault proxy in front of the reference platform.

- ID card: a checksum error, garbage or a timeout on the next read (the citizen puts the card in
  again);
- receipt printer: paper out or cover open, noticed by the kiosk, then cleared by a technician —
  the next receipt (often the citizen's 重新打印 right after) must print;
- cameras: unplugged and plugged back in;
- network: the platform refuses connections for a while (``app.set_platform_offline``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kiosk.devices.base import DeviceState
from kiosk.soak import ui

if TYPE_CHECKING:
    from kiosk.app import KioskApp

IDCARD_FAULTS = ("idcard_checksum", "idcard_garbage", "idcard_timeout")
PRINTER_FAULTS = ("printer_paper_out", "printer_cover_open")
CAMERAS = ("doc_camera", "face_camera")


class Faults:
    def __init__(self, app: KioskApp) -> None:
        self.app = app
        self.network_down = False

    def _device(self, name: str) -> Any:
        return self.app.devices[name].runner.device

    def state(self, name: str) -> DeviceState:
        state: DeviceState = self._device(name).status.state
        return state

    def online(self, name: str) -> bool:
        return self.state(name) is DeviceState.ONLINE

    def kinds(self) -> list[str]:
        """The device faults this kiosk's simulators can play (printer ones go with a receipt)."""
        kinds = list(IDCARD_FAULTS)
        kinds += [f"{cam}_unplug" for cam in CAMERAS if cam in self.app.simulators]
        return kinds

    def printer_kinds(self) -> list[str]:
        return list(PRINTER_FAULTS) if "printer" in self.app.simulators else []

    # --- device faults ----------------------------------------------------------------------
    def inject(self, kind: str) -> str | None:
        """Play ``kind``; returns a problem when the kiosk did not come back from it."""
        if kind.startswith("idcard_"):
            self.app.simulators["idcard"].set_fault(kind.removeprefix("idcard_"), 1)  # type: ignore[attr-defined]
            return None  # hits the next read
        if kind.startswith("printer_"):
            return self.printer_fault(kind)
        cam = kind.removesuffix("_unplug")
        device = self._device(cam)
        sim: Any = self.app.simulators[cam]
        device.set_active(True)
        sim.unplug()
        ui.wait_for(lambda: not self.online(cam), 5.0)
        sim.replug()
        back = ui.wait_for(lambda: self.online(cam), 15.0)
        device.set_active(False)
        return None if back else f"{kind}: camera not back online within 15 s ({self.state(cam)})"

    def printer_fault(self, kind: str) -> str | None:
        """Paper out / cover open until the kiosk has noticed it (status bar, status poll)."""
        sim: Any = self.app.simulators["printer"]
        sim.set_state(**({"paper": "out"} if kind == "printer_paper_out" else {"cover_open": True}))
        if not ui.wait_for(lambda: self.state("printer") is DeviceState.USER_ERROR, 10.0):
            return f"{kind}: the kiosk did not notice within 10 s ({self.state('printer')})"
        return None

    def clear_printer(self) -> None:
        """The technician loads paper and closes the cover (nothing waits for the status poll)."""
        self.app.simulators["printer"].set_state(paper="ok", cover_open=False)  # type: ignore[attr-defined]

    # --- network ----------------------------------------------------------------------------
    def drop_network(self) -> None:
        if not self.network_down:
            self.network_down = True
            self.app.set_platform_offline(True)

    def restore_network(self) -> None:
        if self.network_down:
            self.network_down = False
            self.app.set_platform_offline(False)
