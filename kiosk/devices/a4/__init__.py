"""A4 certificates (reportlab) printed through CUPS (see :func:`create_a4_printer`)."""

from __future__ import annotations

from kiosk.config import KioskConfig
from kiosk.devices.a4 import errors as errors  # registers A4P-xxx
from kiosk.devices.a4.certificate import TemplateError, list_templates, load_template, render_certificate
from kiosk.devices.a4.printer import A4JobReport, A4Printer
from kiosk.devices.runner import Backoff, DeviceRunner, supervised_runner

__all__ = ["A4JobReport", "A4Printer", "TemplateError", "create_a4_printer", "create_a4_runner", "list_templates", "load_template",
           "render_certificate", "start_a4_runner"]


def create_a4_printer(config: KioskConfig) -> tuple[A4Printer | None, None]:
    """The configured A4 printer; in simulator mode its ``open`` sets up cupsd and a cups-pdf queue."""
    if config.devices.a4.mode == "disabled":
        return None, None
    return A4Printer(config.devices.a4), None


def create_a4_runner(printer: A4Printer, backoff: Backoff | None = None) -> DeviceRunner:
    """A runner for the A4 printer (not started): CUPS calls on its own thread, queue polling
    while idle, status changes logged."""
    return supervised_runner(printer, printer.poll, backoff=backoff, start=False)


def start_a4_runner(printer: A4Printer, backoff: Backoff | None = None) -> DeviceRunner:
    """:func:`create_a4_runner`, started. Compose with ``app.add_device("a4", DeviceBridge(runner))``."""
    runner = create_a4_runner(printer, backoff)
    runner.start()
    return runner
