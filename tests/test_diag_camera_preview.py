"""运维模式 › 摄像头画面 against the camera simulators in the running app: live frames, the focus
score, the document outline drawn, faces boxed; frame work on the camera thread; the camera is
switched off when the technician changes section, leaves the screen or the staff session ends."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from kiosk.devices.base import DeviceState
from kiosk.i18n import tr
from kiosk.screens.diagnostics import SECTIONS, DiagnosticsScreen
from tests.test_staff_ui import audit_actions, feature, login_technician

pytest_plugins = ("tests.shell_helpers",)

CAMERAS = {"doc_camera", "face_camera"}


def _technician_on_camera_view(app: Any, qtbot: QtBot) -> DiagnosticsScreen:
    app.start_devices(only=CAMERAS)
    qtbot.waitUntil(lambda: set(app.devices) >= CAMERAS, timeout=30_000)
    for name in CAMERAS:
        qtbot.waitUntil(lambda n=name: app.devices[n].runner.device.status.state is DeviceState.ONLINE,
                        timeout=30_000)
    diag = login_technician(app, qtbot)
    # Nothing runs before the technician opens the camera view.
    assert not any(app.devices[n].runner.device.active for n in CAMERAS)
    diag.nav_list.setCurrentRow(SECTIONS.index("camera"))
    return diag


def _outline_pixels(image: Any) -> int:
    """Pixels of the outline's yellow (or green once stable) over the picture."""
    n = 0
    for x in range(0, image.width(), 3):
        for y in range(0, image.height(), 3):
            c = image.pixelColor(x, y)
            if (c.red() > 200 and c.green() > 150 and c.blue() < 80) or \
                    (c.green() > 150 and c.blue() < 100 and c.red() < 120):
                n += 1
    return n


def test_live_preview_focus_score_outline_and_stop(make_app: Any, tmp_data_env: Path, qtbot: QtBot,
                                                   monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from kiosk.devices.camera import preview_widget

    converted_on: list[str] = []
    original = preview_widget.to_qimage

    def spy(image: Any) -> Any:
        converted_on.append(threading.current_thread().name)
        return original(image)

    monkeypatch.setattr(preview_widget, "to_qimage", spy)
    app = make_app()
    diag = _technician_on_camera_view(app, qtbot)
    doc_sim = app.simulators["doc_camera"]
    panel = diag.camera_panel
    doc = app.devices["doc_camera"].runner.device
    face = app.devices["face_camera"].runner.device
    assert doc.active and not face.active and panel.preview is not None
    assert audit_actions(tmp_data_env)[-1] == "diag.camera_view"

    # Empty desk: frames arrive, a focus number, no outline.
    doc_sim.show(None)
    qtbot.waitUntil(lambda: panel.last_frame is not None and panel.last_frame.outline is None, timeout=20_000)
    assert tr("diag.camera_outline_none") == panel.found_label.text()
    # A document laid down: the outline comes, is drawn, and the score is the frame's.
    doc_sim.show("form")
    qtbot.waitUntil(lambda: panel.last_frame is not None and panel.last_frame.outline is not None,
                    timeout=20_000)
    frame = panel.last_frame
    assert f"{frame.sharpness:.1f}" in panel.focus_label.text()
    assert frame.sharpness >= app.config.devices.doc_camera.sharpness_threshold
    assert panel.focus_label.text().startswith("✔") and tr("diag.camera_sharp") in panel.focus_label.text()
    assert panel.found_label.text() == tr("diag.camera_outline_found")
    image = panel.preview.grab().toImage()
    assert _outline_pixels(image) > 50
    # The score follows the camera: a defocused lens drops it below the pass mark.
    doc_sim.set_defocus(True)
    qtbot.waitUntil(lambda: panel.focus_label.text().startswith("✘"), timeout=20_000)
    assert tr("diag.camera_blurry") in panel.focus_label.text()
    doc_sim.set_defocus(False)
    # Frames were made into QImages on the camera's thread, never on the UI thread.
    assert converted_on and threading.main_thread().name not in converted_on

    # The face camera: the document camera stops, faces are counted.
    panel.buttons["face_camera"].click()
    assert not doc.active and face.active
    qtbot.waitUntil(lambda: panel.last_frame is not None and len(panel.last_frame.boxes) == 1, timeout=30_000)
    assert panel.found_label.text() == tr("diag.camera_faces", faces=1)

    # Another section: the camera stops and the picture is gone.
    diag.nav_list.setCurrentRow(SECTIONS.index("devices"))
    assert not face.active and not doc.active and panel.preview.current is None
    # Back, then leave the screen: stopped again, no more frames painted.
    diag.nav_list.setCurrentRow(SECTIONS.index("camera"))
    assert face.active
    qtbot.waitUntil(lambda: panel.last_frame is not None, timeout=20_000)
    app.nav.home()
    assert not face.active and not doc.active
    shown = panel.preview.frames_shown
    qtbot.wait(600)
    assert panel.preview.frames_shown == shown


def test_staff_session_end_stops_the_camera(make_app: Any, qtbot: QtBot) -> None:
    app = make_app()
    diag = _technician_on_camera_view(app, qtbot)
    doc = app.devices["doc_camera"].runner.device
    assert doc.active
    qtbot.waitUntil(lambda: diag.camera_panel.last_frame is not None, timeout=20_000)
    feature(app).logout()
    qtbot.waitUntil(lambda: app.nav.current_route == "home")
    assert not doc.active and diag.camera_panel.preview is not None and diag.camera_panel.preview.current is None


def test_a_missing_camera_says_so(make_app: Any, qtbot: QtBot) -> None:
    app = make_app()  # no devices started
    diag = login_technician(app, qtbot)
    diag.nav_list.setCurrentRow(SECTIONS.index("camera"))
    panel = diag.camera_panel
    assert not panel.running and panel.preview is not None
    assert panel.preview.guidance_text() == tr("diag.camera_missing")
    assert panel.focus_label.text() == tr("diag.camera_focus_none")
