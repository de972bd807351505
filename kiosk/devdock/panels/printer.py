"""Dev-dock tab for the receipt printer simulator: paper/cover/offline/slow faults, last receipt.

Talks only to the simulator's control API (``app.simulators["printer"]``); each button is a quick
flag change, so nothing here blocks the UI thread. The driver notices the change the normal way:
its status poll (DLE EOT) on the printer's own thread.
"""

from __future__ import annotations

from typing import Any

from kiosk.devices.printer.simulator import PrinterSimulator
from kiosk.i18n import tr
from kiosk.qt import Qt, QtGui, QTimer, QtWidgets

TITLE_KEY = "printer.devdock.title"


class PrinterSimPanel(QtWidgets.QWidget):
    def __init__(self, sim: PrinterSimulator, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.sim = sim
        layout = QtWidgets.QVBoxLayout(self)
        grid = QtWidgets.QGridLayout()
        self.buttons: dict[str, QtWidgets.QPushButton] = {}
        actions = [
            ("paper_ok", lambda: sim.set_paper("ok")),
            ("paper_near_end", lambda: sim.set_paper("near_end")),
            ("paper_out", lambda: sim.set_paper("out")),
            ("cover_open", lambda: sim.set_cover_open(not sim.state.cover_open)),
            ("offline", lambda: sim.set_offline(not sim.state.offline)),
            ("slow", lambda: sim.set_slow(1.0 if sim.state.slow_factor > 1 else 8.0)),
            ("cutter_error", lambda: sim.set_cutter_error(not sim.state.cutter_error)),
            ("unplugged", lambda: sim.set_powered(not sim.state.powered)),
            ("reset", sim.reset_faults),
        ]
        for i, (key, action) in enumerate(actions):
            button = QtWidgets.QPushButton(tr(f"printer.devdock.{key}"))
            button.setObjectName(f"printer_{key}")
            button.clicked.connect(lambda _checked=False, a=action: self._do(a))
            if key in ("cover_open", "offline", "slow", "cutter_error", "unplugged"):
                button.setCheckable(True)
            grid.addWidget(button, i // 3, i % 3)
            self.buttons[key] = button
        layout.addLayout(grid)

        self.state = QtWidgets.QLabel()
        self.state.setWordWrap(True)
        layout.addWidget(self.state)

        self.show_button = QtWidgets.QPushButton(tr("printer.devdock.show_last"))
        self.show_button.setObjectName("printer_show_last")
        self.show_button.clicked.connect(self.show_last_receipt)
        layout.addWidget(self.show_button)
        self.receipt = QtWidgets.QLabel(tr("printer.devdock.no_receipt"))
        self.receipt.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        scroll = QtWidgets.QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.receipt)
        layout.addWidget(scroll, 1)

        # Poll the simulator's state (its threads change it): no cross-thread callbacks.
        self._timer = QTimer(self)
        self._timer.setInterval(300)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.refresh()

    def _do(self, action: Any) -> None:
        action()
        self.refresh()

    def refresh(self) -> None:
        s = self.sim.state
        flags = {"cover_open": s.cover_open, "offline": s.offline, "slow": s.slow_factor > 1,
                 "cutter_error": s.cutter_error, "unplugged": not s.powered}
        for key, on in flags.items():
            self.buttons[key].setChecked(on)
        paper = tr(f"printer.devdock.paper_{s.paper}")
        active = [tr(f"printer.devdock.{k}") for k, on in flags.items() if on]
        self.state.setText(tr("printer.devdock.state", state="、".join([paper, *active])))

    def show_last_receipt(self) -> bool:
        last = self.sim.last_receipt
        if last is None or last.png is None:
            self.receipt.setText(tr("printer.devdock.no_receipt"))
            return False
        pixmap = QtGui.QPixmap(str(last.png))
        if pixmap.isNull():
            self.receipt.setText(tr("printer.devdock.no_receipt"))
            return False
        self.receipt.setPixmap(pixmap)
        return True


def build_panel(app: Any) -> QtWidgets.QWidget | None:
    sim = getattr(app, "simulators", {}).get("printer")
    if not isinstance(sim, PrinterSimulator):
        return QtWidgets.QLabel(tr("printer.devdock.no_simulator"))
    return PrinterSimPanel(sim)
