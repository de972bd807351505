"""Which devices the kiosk runs, and how each one is built (driver + optional simulator + runner).

Building a device means opening ptys, starting simulator threads and loading data files, so
:func:`build_devices` runs on a worker thread; the app turns each :class:`WiredDevice` into a
:class:`~kiosk.devices.qtbridge.DeviceBridge` on the UI thread. A device that cannot be built is
logged and left out — the rest of the kiosk still starts (the status bar shows it missing).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kiosk.config import KioskConfig
from kiosk.devices.runner import DeviceRunner

log = logging.getLogger(__name__)


@dataclass
class WiredDevice:
    name: str
    runner: DeviceRunner
    simulator: Any = None

    def stop(self) -> None:
        self.runner.stop()
        stop = getattr(self.simulator, "stop", None)
        if callable(stop):
            stop()


def _idcard(config: KioskConfig) -> WiredDevice | None:
    from kiosk.devices.idcard.factory import create_idcard_reader, start_reader_runner

    reader, sim = create_idcard_reader(config)
    return None if reader is None else WiredDevice("idcard", start_reader_runner(reader), sim)


def _printer(config: KioskConfig) -> WiredDevice | None:
    from kiosk.devices.printer import create_receipt_printer, start_printer_runner

    printer, sim = create_receipt_printer(config)
    return None if printer is None else WiredDevice("printer", start_printer_runner(printer), sim)


def _a4(config: KioskConfig) -> WiredDevice | None:
    from kiosk.devices.a4 import create_a4_printer, start_a4_runner

    printer, _ = create_a4_printer(config)
    return None if printer is None else WiredDevice("a4", start_a4_runner(printer))


def _smartcard(config: KioskConfig) -> WiredDevice | None:
    from kiosk.devices.smartcard.factory import create_card_reader, start_card_runner

    reader, virtual_cards = create_card_reader(config)
    return None if reader is None else WiredDevice("smartcard", start_card_runner(reader), virtual_cards)


def _doc_camera(config: KioskConfig) -> WiredDevice | None:
    from kiosk.devices.camera import create_document_camera, make_runner

    if config.devices.doc_camera.mode == "disabled":
        return None
    camera, sim = create_document_camera(config.devices.doc_camera)
    runner = make_runner(camera)
    runner.start()
    return WiredDevice("doc_camera", runner, sim)


def _face_camera(config: KioskConfig) -> WiredDevice | None:
    from kiosk.devices.camera import create_face_camera, make_runner

    if config.devices.face_camera.mode == "disabled":
        return None
    camera, sim = create_face_camera(config.devices.face_camera)
    runner = make_runner(camera)
    runner.start()
    return WiredDevice("face_camera", runner, sim)


DEVICE_BUILDERS: list[tuple[str, Callable[[KioskConfig], WiredDevice | None]]] = [
    ("idcard", _idcard),
    ("printer", _printer),
    ("a4", _a4),
    ("smartcard", _smartcard),
    ("doc_camera", _doc_camera),
    ("face_camera", _face_camera),
]


def build_devices(config: KioskConfig, only: set[str] | None = None) -> list[WiredDevice]:
    built: list[WiredDevice] = []
    for name, builder in DEVICE_BUILDERS:
        if only is not None and name not in only:
            continue
        try:
            device = builder(config)
        except Exception as e:  # a broken device must not stop the kiosk
            log.exception("device could not be built", extra={"fields": {"device": name,
                                                                          "error": type(e).__name__}})
            continue
        if device is not None:
            built.append(device)
    return built
