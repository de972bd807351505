"""The preview widget: frames from the camera thread, painted on the UI thread, newest only."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from kiosk.config import CameraConfig
from kiosk.devices.camera import create_document_camera, make_runner
from kiosk.devices.camera.device import PreviewFrame
from kiosk.devices.camera.synth.documents import Layout
from kiosk.i18n import tr

pytest.importorskip("PySide6")


def _frame(key: str, n: int) -> PreviewFrame:
    img = np.full((270, 480, 3), 90, np.uint8)
    outline = np.array([[100, 50], [380, 60], [370, 220], [110, 210]], np.float32)
    return PreviewFrame(img, outline, (), key, 0.5, 1000.0, n)


def test_frames_from_another_thread_are_coalesced(qtbot) -> None:  # type: ignore[no-untyped-def]
    from kiosk.devices.camera.preview_widget import CameraPreview

    w = CameraPreview()
    qtbot.addWidget(w)
    frames = [_frame("camera.guide.hold_still", i) for i in range(50)]
    t = threading.Thread(target=lambda: [w.offer(f) for f in frames])
    t.start()
    t.join()
    qtbot.waitUntil(lambda: w.current is not None and w.current.frame_no == 49, timeout=3000)
    assert w.frames_shown <= 50
    assert w.guidance_text() == tr("camera.guide.hold_still")


def test_live_preview_renders_outline_and_guidance(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from kiosk.devices.camera.preview_widget import CameraPreview

    device, sim = create_document_camera(CameraConfig(), pace=False)
    assert sim is not None
    sim.show(Layout.RENTAL)
    w = CameraPreview()
    w.resize(800, 560)
    qtbot.addWidget(w)
    w.attach(device)
    runner = make_runner(device)
    device.set_active(True)
    runner.start()
    try:
        qtbot.waitUntil(lambda: w.current is not None and w.current.outline is not None, timeout=10000)
    finally:
        runner.stop()
        w.detach()
    image = w.grab().toImage()
    path = tmp_path / "preview.png"
    assert image.save(str(path))
    # the outline is drawn in yellow or green somewhere over the page
    pixels = [image.pixelColor(x, y) for x in range(0, 800, 4) for y in range(0, 500, 4)]
    assert any((c.green() > 150 and c.blue() < 100 and c.red() < 120) or
               (c.red() > 200 and c.green() > 150 and c.blue() < 80) for c in pixels)


def test_dev_dock_panel_drives_the_simulators(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from types import SimpleNamespace

    from kiosk.config import FaceCameraConfig
    from kiosk.devdock.panels import camera as panel_module
    from kiosk.devices.camera import create_face_camera
    from kiosk.qt import QtWidgets

    doc, doc_sim = create_document_camera(CameraConfig(), pace=False)
    _face, face_sim = create_face_camera(FaceCameraConfig(), pace=False)
    app = SimpleNamespace(simulators={"doc_camera": doc_sim, "face_camera": face_sim},
                          devices={"doc_camera": SimpleNamespace(runner=SimpleNamespace(device=doc))})
    panel = panel_module.build_panel(app)
    qtbot.addWidget(panel)
    assert tr(panel_module.TITLE_KEY) == "摄像头"
    combo = panel.findChild(QtWidgets.QComboBox)
    combo.setCurrentIndex(combo.findData("rental"))
    assert doc_sim is not None and doc_sim.layout == Layout.RENTAL
    boxes = {b.text(): b for b in panel.findChildren(QtWidgets.QCheckBox)}
    boxes[tr("camera.dock.shaking")].setChecked(True)
    boxes[tr("camera.dock.eyes_closed")].setChecked(True)
    assert doc_sim.shaking and face_sim is not None and face_sim.eyes_closed
    boxes[tr("camera.dock.live")].setChecked(True)
    assert doc.active
    panel.resize(420, 760)
    assert panel.grab().save(str(tmp_path / "dock.png"))
