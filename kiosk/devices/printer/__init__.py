"""ESC/POS receipt printer: driver, layout, simulator (see :func:`create_receipt_printer`)."""

from __future__ import annotations

from kiosk.config import KioskConfig
from kiosk.devices.printer import errors as errors  # registers PRN-xxx
from kiosk.devices.printer.driver import PrintReport, ReceiptPrinter
from kiosk.devices.printer.layout import ReceiptData, render_receipt, sample_receipt
from kiosk.devices.printer.profiles import PrinterProfile, get_profile
from kiosk.devices.printer.simulator import PrinterSimulator
from kiosk.devices.runner import Backoff, DeviceRunner, supervised_runner

__all__ = [
    "PrintReport",
    "PrinterProfile",
    "PrinterSimulator",
    "ReceiptData",
    "ReceiptPrinter",
    "create_printer_runner",
    "create_receipt_printer",
    "get_profile",
    "render_receipt",
    "sample_receipt",
    "start_printer_runner",
]


def create_receipt_printer(config: KioskConfig) -> tuple[ReceiptPrinter | None, PrinterSimulator | None]:
    """The configured receipt printer: the real port, or a started simulator on a pty.

    Returns ``(None, None)`` when the printer is disabled. Raises
    :class:`~kiosk.devices.printer.profiles.ProfileError` for an unknown model (a config error).
    """
    pc = config.devices.printer
    if pc.mode == "disabled":
        return None, None
    profile = get_profile(pc.model)
    if pc.mode == "real":
        return ReceiptPrinter(pc, profile), None
    sim = PrinterSimulator(profile, baudrate=pc.baudrate, output_dir=config.data_path(pc.simulator_output))
    sim.start()
    return ReceiptPrinter(pc, profile, port=sim.port), sim


def create_printer_runner(printer: ReceiptPrinter, backoff: Backoff | None = None) -> DeviceRunner:
    """A runner for the printer (not started): its own thread, status polling as the idle task,
    reopen with backoff on loss, status changes and events logged."""
    return supervised_runner(printer, printer.poll, backoff=backoff, start=False)


def start_printer_runner(printer: ReceiptPrinter, backoff: Backoff | None = None) -> DeviceRunner:
    """:func:`create_printer_runner`, started. Compose with
    ``app.add_device("printer", DeviceBridge(runner), simulator)``."""
    runner = create_printer_runner(printer, backoff)
    runner.start()
    return runner
