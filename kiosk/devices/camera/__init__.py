"""Cameras: the document camera (高拍仪) and the live face camera.

- :mod:`.sources` — frame sources behind one interface (OpenCV V4L2/MJPEG camera, replay of files);
  :mod:`.simulator` — synthetic document and face cameras with test/dev-dock control.
- :mod:`.pipeline` — the document pipeline as pure functions; :mod:`.capture` — frame → JPEGs;
  :mod:`.autocapture` — stable-quad auto-capture.
- :mod:`.face` — Haar-cascade face analysis, quality gates, liveness challenge, :class:`FaceCapture`.
- :mod:`.device` — :class:`DocumentCamera` and :class:`FaceCamera` in the common device model.

Composition (the app)::

    device, sim = create_document_camera(config.devices.doc_camera)
    runner = make_runner(device)          # idle task = live preview while device.active
    bridge = DeviceBridge(runner)
    job = bridge.submit(device.capture_document, label="document")

The preview widget lives in :mod:`.preview_widget` (Qt; not imported here).
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2

from kiosk.config import CameraConfig
from kiosk.devices.camera import codes as codes  # registers CAM-… error codes
from kiosk.devices.camera.capture import DocumentCapture
from kiosk.devices.camera.device import DocumentCamera, FaceCamera, PreviewFrame
from kiosk.devices.camera.face import FaceCapture
from kiosk.devices.camera.simulator import DocumentSimulator, FaceSimulator
from kiosk.devices.camera.sources import FrameSource, OpenCVCamera, ReplaySource
from kiosk.devices.runner import DeviceRunner, supervised_runner

# The opencv-python wheel points Qt at its own bundled Qt 5 plugins and fonts when cv2 is
# imported; the kiosk's Qt 6 must keep finding its own platform plugins and the system CJK fonts.
for _name in ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR"):
    if os.path.dirname(cv2.__file__) in os.environ.get(_name, ""):
        del os.environ[_name]

__all__ = [
    "DocumentCamera", "DocumentCapture", "DocumentSimulator", "FaceCamera", "FaceCapture", "FaceSimulator",
    "PreviewFrame", "create_document_camera", "create_face_camera", "make_runner",
]


def _real_or_replay(cfg: CameraConfig) -> FrameSource | None:
    if cfg.replay_path:
        return ReplaySource(Path(cfg.replay_path), cfg.fps, (cfg.width, cfg.height))
    if cfg.mode == "real":
        still = (cfg.still_width, cfg.still_height) if cfg.still_width and cfg.still_height else None
        return OpenCVCamera(cfg.device, cfg.width, cfg.height, cfg.fps, cfg.fourcc, still)
    return None


def create_document_camera(cfg: CameraConfig, *, name: str = "doc_camera",
                           pace: bool = True) -> tuple[DocumentCamera, DocumentSimulator | None]:
    """The document camera for ``cfg``: real (or a replay) → (device, None); simulator → (device, sim)."""
    source = _real_or_replay(cfg)
    if source is not None:
        return DocumentCamera(name, source, cfg), None
    factor = (cfg.still_width / cfg.width) if cfg.still_width and cfg.still_height else 1.0
    sim = DocumentSimulator((cfg.width, cfg.height), cfg.fps, pace=pace, still_factor=factor)
    return DocumentCamera(name, sim.source(), cfg), sim


def create_face_camera(cfg: CameraConfig, *, name: str = "face_camera",
                       pace: bool = True) -> tuple[FaceCamera, FaceSimulator | None]:
    source = _real_or_replay(cfg)
    if source is not None:
        return FaceCamera(name, source, cfg), None
    sim = FaceSimulator((cfg.width, cfg.height), cfg.fps, pace=pace)
    device = FaceCamera(name, sim.source(), cfg)
    device.on_prompt(sim.hear)  # a cooperative simulated person reacts to the spoken prompt
    return device, sim


def make_runner(device: DocumentCamera | FaceCamera) -> DeviceRunner:
    """A supervised runner whose idle task keeps the live preview going while the device is active."""
    return supervised_runner(device, device.tick, start=False)
