"""Dev-dock printer panel: buttons drive the simulator; the last receipt is shown."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from kiosk.config import PrinterConfig
from kiosk.devdock.panels import printer as panel_module
from kiosk.devices.base import CancelToken
from kiosk.devices.printer import PrinterSimulator, ReceiptPrinter, get_profile, sample_receipt
from kiosk.qt import QtWidgets


def test_panel_without_simulator(qtbot) -> None:
    widget = panel_module.build_panel(SimpleNamespace(simulators={}))
    qtbot.addWidget(widget)
    assert isinstance(widget, QtWidgets.QLabel)


def test_panel_drives_faults_and_shows_last_receipt(qtbot, tmp_path: Path) -> None:
    profile = get_profile("generic-58")
    sim = PrinterSimulator(profile, output_dir=tmp_path).start()
    try:
        panel = panel_module.build_panel(SimpleNamespace(simulators={"printer": sim}))
        qtbot.addWidget(panel)
        assert isinstance(panel, panel_module.PrinterSimPanel)
        assert not panel.show_last_receipt()
        panel.buttons["paper_out"].click()
        assert sim.state.paper == "out"
        panel.buttons["cover_open"].click()
        assert sim.state.cover_open and panel.buttons["cover_open"].isChecked()
        panel.buttons["slow"].click()
        assert sim.state.slow_factor > 1
        panel.buttons["unplugged"].click()
        assert not sim.state.powered
        assert "缺纸" in panel.state.text() or "Paper out" in panel.state.text()
        panel.buttons["reset"].click()
        assert not sim.state.halted and sim.state.powered and sim.state.slow_factor == 1.0

        printer = ReceiptPrinter(PrinterConfig(model="generic-58"), profile, port=sim.port)
        assert printer.open().ok
        assert printer.print_receipt(sample_receipt(), CancelToken()).ok
        printer.close()
        assert sim.wait_for_receipts(1, 10)
        panel.show_button.click()
        pixmap = panel.receipt.pixmap()
        assert pixmap is not None and not pixmap.isNull()
        assert pixmap.width() == profile.dots + 32
    finally:
        sim.stop()
