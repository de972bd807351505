"""运维模式 › 摄像头: the live picture of the document camera or the face camera, its focus score
against the configured threshold, and what the camera's own analysis found (the document outline,
drawn on the picture; faces, boxed).

The camera device does all frame work on its device thread — reading, analysis, downscaling and
the QImage (see :mod:`kiosk.devices.camera.preview_widget`); this panel only shows finished frames
and numbers. The camera runs (``set_active(True)``) only while the panel is on screen: the
diagnostics screen calls :meth:`CameraPanel.stop` when the technician changes section, leaves the
screen or the staff session ends. The camera package (OpenCV) is imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kiosk.i18n import tr
from kiosk.qt import QtWidgets
from kiosk.ui.widgets.buttons import BigButton, set_variant

if TYPE_CHECKING:
    from kiosk.app import KioskApp
    from kiosk.devices.camera.device import PreviewFrame
    from kiosk.devices.camera.preview_widget import CameraPreview

CAMERAS = ("doc_camera", "face_camera")


class CameraPanel(QtWidgets.QWidget):
    def __init__(self, app: KioskApp, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.selected = CAMERAS[0]
        self.device: Any = None  # the camera this panel switched on, while it runs
        self.preview: CameraPreview | None = None  # built on first use (imports OpenCV)
        self.last_frame: PreviewFrame | None = None
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        row = QtWidgets.QHBoxLayout()
        row.setSpacing(16)
        self.buttons: dict[str, BigButton] = {}
        for name in CAMERAS:
            b = BigButton("", "secondary")
            b.setObjectName(f"DiagCamera_{name}")
            b.clicked.connect(lambda _=False, n=name: self.select(n))
            self.buttons[name] = b
            row.addWidget(b)
        row.addStretch(1)
        layout.addLayout(row)
        self.preview_slot = QtWidgets.QVBoxLayout()
        layout.addLayout(self.preview_slot, 1)
        self.focus_label = QtWidgets.QLabel()
        self.focus_label.setObjectName("DiagFocusScore")
        self.focus_label.setProperty("role", "heading")
        self.found_label = QtWidgets.QLabel()
        self.found_label.setObjectName("DiagCameraFound")
        self.found_label.setProperty("role", "body")
        self.found_label.setWordWrap(True)
        layout.addWidget(self.focus_label)
        layout.addWidget(self.found_label)

    # -- the camera ---------------------------------------------------------------------------
    def _ensure_preview(self) -> CameraPreview:
        if self.preview is None:
            from kiosk.devices.camera.preview_widget import CameraPreview

            self.preview = CameraPreview(self)
            self.preview.setObjectName("DiagCameraPreview")
            self.preview.placeholder_key = "diag.camera_waiting"
            self.preview.frameShown.connect(self._on_frame)
            self.preview_slot.addWidget(self.preview, 1)
        return self.preview

    def _threshold(self, name: str) -> float:
        cams = self.app.config.devices
        if name == "doc_camera":
            return float(cams.doc_camera.sharpness_threshold)
        return float(cams.face_camera.face_sharpness_threshold)

    def select(self, name: str) -> None:
        """Show ``name``'s camera (the other one stops)."""
        if name not in CAMERAS:
            return
        running = self.device is not None
        self.stop()
        self.selected = name
        self.retranslate()
        if running:
            self.start()

    def start(self) -> bool:
        """Switch the selected camera's live preview on; False when that camera is not there."""
        self.stop()
        preview = self._ensure_preview()
        self.last_frame = None
        bridge = self.app.devices.get(self.selected)
        device = getattr(getattr(bridge, "runner", None), "device", None)
        if device is None or not callable(getattr(device, "set_active", None)):
            preview.placeholder_key = "diag.camera_missing"
            self.retranslate()
            return False
        preview.placeholder_key = "diag.camera_waiting"
        preview.attach(device)
        device.set_active(True)
        self.device = device
        self.retranslate()
        return True

    def stop(self) -> None:
        """Camera off, picture gone (it may show a face)."""
        device, self.device = self.device, None
        if device is not None:
            device.set_active(False)
        if self.preview is not None:
            self.preview.detach()
            self.preview.clear()
        self.last_frame = None
        self.retranslate()

    @property
    def running(self) -> bool:
        return self.device is not None

    def _on_frame(self, frame: PreviewFrame) -> None:
        self.last_frame = frame
        self._update_labels()

    # -- screenshot tour ----------------------------------------------------------------------------
    def show_tour_frame(self) -> None:
        """Tour only (no devices run): one simulated frame of the selected camera — the test sheet
        under the document camera, a face before the face camera — analysed by the real camera
        code, as the live preview would show it."""
        from kiosk.devices.base import CancelToken
        from kiosk.devices.camera import create_document_camera, create_face_camera

        cams = self.app.config.devices
        device: Any
        if self.selected == "doc_camera":
            device, sim = create_document_camera(cams.doc_camera, pace=False)
            if sim is not None:
                sim.show("form")
        else:
            device, _ = create_face_camera(cams.face_camera, pace=False)
        preview = self._ensure_preview()
        preview.attach(device)
        if device.open().ok:
            device.set_active(True)
            for _ in range(3):  # one idle tick publishes a frame; a few in case one read is empty
                device.tick(CancelToken())
                if self.last_frame is not None:
                    break
            device.set_active(False)
            device.close()
        preview.detach()

    # -- presentation ---------------------------------------------------------------------------------
    def _update_labels(self) -> None:
        f = self.last_frame
        threshold = self._threshold(self.selected)
        if f is None:
            self.focus_label.setText(tr("diag.camera_focus_none"))
            self.found_label.setText("")
            return
        sharp = tr("diag.camera_sharp" if f.sharpness >= threshold else "diag.camera_blurry")
        self.focus_label.setText(("✔ " if f.sharpness >= threshold else "✘ ")
                                 + tr("diag.camera_focus", sharpness=f"{f.sharpness:.1f}",
                                      threshold=f"{threshold:.0f}", verdict=sharp))
        if self.selected == "doc_camera":
            self.found_label.setText(tr("diag.camera_outline_found" if f.outline is not None
                                        else "diag.camera_outline_none"))
        else:
            self.found_label.setText(tr("diag.camera_faces", faces=len(f.boxes)))

    def retranslate(self) -> None:
        for name, b in self.buttons.items():
            b.setText(tr(f"diag.device_{name}"))
            set_variant(b, "primary" if name == self.selected else "secondary")
        self._update_labels()
        if self.preview is not None:
            self.preview.update()
