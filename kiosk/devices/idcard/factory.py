"""Composition: the real reader or the simulator-backed one, chosen by ``devices.idcard.mode``.

The composition root calls :func:`create_idcard_reader` and :func:`start_reader_runner`; in
simulator mode the driver is the SAME production driver, talking to the simulator over a real
pty (or socket) link.
"""

from __future__ import annotations

from kiosk.config import KioskConfig, replace
from kiosk.devices.idcard.driver import IdCardReader
from kiosk.devices.idcard.simulator import IdCardSimulator
from kiosk.devices.runner import Backoff, DeviceRunner, supervised_runner


def create_idcard_reader(config: KioskConfig) -> tuple[IdCardReader | None, IdCardSimulator | None]:
    """``(reader, simulator)``: simulator is None in real mode; both None when disabled."""
    cfg = config.devices.idcard
    if cfg.mode == "disabled":
        return None, None
    if cfg.mode == "real":
        return IdCardReader(cfg), None
    sim = IdCardSimulator(cfg.simulator_link, cfg.baudrate, config.path(cfg.simulator_people),
                          cfg.simulator_rf_delay_s, cfg.appended_address_command).start()
    reader = IdCardReader(replace(cfg, port=sim.port))
    return reader, sim


def start_reader_runner(reader: IdCardReader, backoff: Backoff | None = None) -> DeviceRunner:
    """A started runner: supervision (reopen with backoff), the poll loop as its idle task, logging."""
    return supervised_runner(reader, reader.poll, backoff=backoff)
