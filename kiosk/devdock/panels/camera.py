"""Dev-dock tab for the two simulated cameras: what lies on the desk, who stands in front.

Talks only to the simulator control objects (``app.simulators["doc_camera"]`` / ``["face_camera"]``)
and, for the live view, to the camera device behind ``app.devices[...]`` (set_active + preview).
"""

from __future__ import annotations

from typing import Any

from kiosk.devices.camera.simulator import DocumentSimulator, FaceSimulator
from kiosk.i18n import tr
from kiosk.qt import QtWidgets

TITLE_KEY = "camera.dock.title"


def _device(app: Any, name: str) -> Any:
    bridge = getattr(app, "devices", {}).get(name)
    return getattr(getattr(bridge, "runner", None), "device", None)


def _doc_box(sim: DocumentSimulator) -> QtWidgets.QGroupBox:
    box = QtWidgets.QGroupBox(tr("camera.dock.doc_title"))
    form = QtWidgets.QFormLayout(box)
    combo = QtWidgets.QComboBox()
    combo.addItem(tr("camera.dock.none"), None)
    for layout in sim.LAYOUTS:
        combo.addItem(tr(f"camera.layout.{layout}"), str(layout))
    combo.setCurrentIndex(max(0, combo.findData(str(sim.layout) if sim.layout else None)))
    combo.currentIndexChanged.connect(lambda _i: sim.show(combo.currentData()))
    form.addRow(tr("camera.dock.document"), combo)
    for key, setter in (("shaking", sim.set_shaking), ("defocus", sim.set_defocus), ("glare", sim.set_glare)):
        check = QtWidgets.QCheckBox(tr(f"camera.dock.{key}"))
        check.toggled.connect(setter)
        form.addRow(check)
    unplug = QtWidgets.QCheckBox(tr("camera.dock.unplugged"))
    unplug.toggled.connect(lambda on: sim.unplug() if on else sim.replug())
    form.addRow(unplug)
    return box


def _face_box(sim: FaceSimulator) -> QtWidgets.QGroupBox:
    box = QtWidgets.QGroupBox(tr("camera.dock.face_title"))
    form = QtWidgets.QFormLayout(box)
    faces = QtWidgets.QSpinBox()
    faces.setRange(0, 2)
    faces.setValue(sim.faces)
    faces.valueChanged.connect(lambda n: setattr(sim, "faces", n))
    form.addRow(tr("camera.dock.faces"), faces)
    for key in ("dark", "blurry", "eyes_closed", "turned", "cooperative"):
        check = QtWidgets.QCheckBox(tr(f"camera.dock.{key}"))
        check.setChecked(bool(getattr(sim, key)))
        check.toggled.connect(lambda on, k=key: setattr(sim, k, on))
        form.addRow(check)
    blink = QtWidgets.QPushButton(tr("camera.dock.blink"))
    blink.clicked.connect(lambda: sim.blink())
    form.addRow(blink)
    unplug = QtWidgets.QCheckBox(tr("camera.dock.unplugged"))
    unplug.toggled.connect(lambda on: sim.unplug() if on else sim.replug())
    form.addRow(unplug)
    return box


def build_panel(app: Any) -> QtWidgets.QWidget:
    from kiosk.devices.camera.preview_widget import CameraPreview

    panel = QtWidgets.QWidget()
    layout = QtWidgets.QVBoxLayout(panel)
    sims = getattr(app, "simulators", {})
    doc_sim, face_sim = sims.get("doc_camera"), sims.get("face_camera")
    if isinstance(doc_sim, DocumentSimulator):
        layout.addWidget(_doc_box(doc_sim))
    if isinstance(face_sim, FaceSimulator):
        layout.addWidget(_face_box(face_sim))
    device = _device(app, "doc_camera")
    if device is not None:
        preview = CameraPreview(panel)
        preview.attach(device)
        live = QtWidgets.QCheckBox(tr("camera.dock.live"))
        live.setChecked(bool(device.active))
        live.toggled.connect(device.set_active)
        layout.addWidget(live)
        layout.addWidget(preview, 1)
    layout.addStretch(1)
    return panel
