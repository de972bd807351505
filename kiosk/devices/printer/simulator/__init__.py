"""The receipt printer simulator: the same ESC/POS bytes as a real printer, on a real serial link."""

from kiosk.devices.printer.simulator.device import PrinterSimulator, SimReceipt, SimState

__all__ = ["PrinterSimulator", "SimReceipt", "SimState"]
