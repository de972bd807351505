"""Dev-dock tab for the ID-card reader simulator: pick a test person, insert/remove, inject faults.

Talks only to the simulator's control API (``app.simulators["idcard"]``); every control call is a
quick, thread-safe flag change, so nothing here blocks the UI thread. The read itself reaches the
screens the normal way: simulator → serial link → driver → runner → DeviceBridge signal.
"""

from __future__ import annotations

from typing import Any

from kiosk.devices.idcard.simulator import IdCardSimulator, SimFault
from kiosk.i18n import tr
from kiosk.qt import QTimer, QtWidgets

TITLE_KEY = "idcard.panel.title"


class IdCardSimPanel(QtWidgets.QWidget):
    def __init__(self, sim: IdCardSimulator, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.sim = sim
        layout = QtWidgets.QVBoxLayout(self)

        row = QtWidgets.QHBoxLayout()
        row.addWidget(QtWidgets.QLabel(tr("idcard.panel.person")))
        self.person = QtWidgets.QComboBox()
        for person in sim.people.values():
            self.person.addItem(f"{person.label}  ({person.id})", person.id)
        row.addWidget(self.person, 1)
        layout.addLayout(row)

        row = QtWidgets.QHBoxLayout()
        self.insert_button = QtWidgets.QPushButton(tr("idcard.panel.insert"))
        self.insert_button.clicked.connect(self.insert)
        self.remove_button = QtWidgets.QPushButton(tr("idcard.panel.remove"))
        self.remove_button.clicked.connect(sim.remove_card)
        row.addWidget(self.insert_button)
        row.addWidget(self.remove_button)
        layout.addLayout(row)

        row = QtWidgets.QHBoxLayout()
        row.addWidget(QtWidgets.QLabel(tr("idcard.panel.fault")))
        self.fault = QtWidgets.QComboBox()
        for fault in SimFault:
            self.fault.addItem(tr(f"idcard.fault.{fault.value}"), fault.value)
        row.addWidget(self.fault, 1)
        self.once_button = QtWidgets.QPushButton(tr("idcard.panel.fault_once"))
        self.once_button.clicked.connect(lambda: self.inject(1))
        self.on_button = QtWidgets.QPushButton(tr("idcard.panel.fault_on"))
        self.on_button.clicked.connect(lambda: self.inject(None))
        row.addWidget(self.once_button)
        row.addWidget(self.on_button)
        layout.addLayout(row)

        row = QtWidgets.QHBoxLayout()
        self.clear_button = QtWidgets.QPushButton(tr("idcard.panel.clear"))
        self.clear_button.clicked.connect(sim.clear_faults)
        self.plug_button = QtWidgets.QPushButton()
        self.plug_button.clicked.connect(self.toggle_plug)
        row.addWidget(self.clear_button)
        row.addWidget(self.plug_button)
        layout.addLayout(row)

        self.state = QtWidgets.QLabel()
        self.state.setWordWrap(True)
        layout.addWidget(self.state)
        layout.addStretch(1)

        # Poll the simulator's snapshot (its own thread changes it): no cross-thread callbacks.
        self._timer = QTimer(self)
        self._timer.setInterval(300)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.refresh()

    def insert(self) -> None:
        person_id = self.person.currentData()
        if person_id:
            self.sim.insert_card(str(person_id))
        self.refresh()

    def inject(self, count: int | None) -> None:
        self.sim.set_fault(str(self.fault.currentData()), count)
        self.refresh()

    def toggle_plug(self) -> None:
        if self.sim.plugged:
            self.sim.unplug()
        else:
            self.sim.replug()
        self.refresh()

    def refresh(self) -> None:
        snap = self.sim.snapshot()
        none = tr("idcard.panel.none")
        faults = ", ".join(tr(f"idcard.fault.{f}") for f in snap["faults"]) or none
        self.state.setText(tr("idcard.panel.state", port=snap["port"], card=snap["card"] or none,
                              faults=faults,
                              plugged=tr("idcard.panel.yes") if snap["plugged"] else tr("idcard.panel.no")))
        self.plug_button.setText(tr("idcard.panel.unplug") if snap["plugged"] else tr("idcard.panel.replug"))


def build_panel(app: Any) -> QtWidgets.QWidget | None:
    sim = getattr(app, "simulators", {}).get("idcard")
    if not isinstance(sim, IdCardSimulator):
        label = QtWidgets.QLabel(tr("idcard.panel.no_simulator"))
        return label
    return IdCardSimPanel(sim)
