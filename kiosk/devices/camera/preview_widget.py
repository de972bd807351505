"""The live camera preview for the UI: the newest frame, the detected outline, the guidance line.

Frames arrive on the camera thread (at most ``preview_max_fps`` a second, already downscaled and
analysed: outline, face boxes, sharpness) and are turned into a QImage there, so the UI thread only
swaps in a finished picture, told by a queued Qt signal; if the UI falls behind, only the newest
frame is painted (no backlog). The widget never touches the camera itself. ``frameShown`` tells the
owner (the diagnostics screen's focus score) about each frame painted.
"""

from __future__ import annotations

import threading
from typing import Any, Protocol

import numpy as np

from kiosk.devices.camera.device import PreviewFrame, PreviewListener
from kiosk.i18n import tr
from kiosk.qt import QObject, Qt, QtCore, QtGui, QtWidgets, Signal


class _PreviewSource(Protocol):
    def on_preview(self, listener: PreviewListener) -> None: ...

    def remove_preview_listener(self, listener: PreviewListener) -> None: ...


class _Relay(QObject):
    arrived = Signal()


def to_qimage(image_bgr: np.ndarray) -> QtGui.QImage:
    """A QImage that owns a copy of the pixels (safe after the array is gone)."""
    h, w = image_bgr.shape[:2]
    data = np.ascontiguousarray(image_bgr)
    qimg = QtGui.QImage(data.data, w, h, data.strides[0], QtGui.QImage.Format.Format_BGR888)
    return qimg.copy()


class CameraPreview(QtWidgets.QWidget):
    """Shows a camera's preview frames; ``attach(device)`` / ``detach()``."""

    frameShown = Signal(object)  # PreviewFrame, on the UI thread, after it was swapped in

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(320, 200)
        self._relay = _Relay(self)
        self._relay.arrived.connect(self._take_latest)
        self._lock = threading.Lock()
        self._pending: tuple[PreviewFrame, QtGui.QImage] | None = None
        self._frame: PreviewFrame | None = None
        self._image: QtGui.QImage | None = None
        self._source: _PreviewSource | None = None
        self._accepting = True  # False after clear() until the next attach(): late frames are dropped
        self.frames_shown = 0
        self.placeholder_key = "camera.guide.place_document"

    # --- wiring -----------------------------------------------------------------------------
    def attach(self, source: _PreviewSource) -> None:
        self.detach()
        self._source = source
        with self._lock:
            self._accepting = True
        source.on_preview(self.offer)

    def detach(self) -> None:
        if self._source is not None:
            self._source.remove_preview_listener(self.offer)
            self._source = None

    def offer(self, frame: PreviewFrame) -> None:
        """Called on the camera thread: convert the newest frame to a QImage here (QImage is not
        tied to the UI thread), keep only that one and poke the UI thread."""
        image = to_qimage(frame.image)
        with self._lock:
            if not self._accepting:
                return
            first = self._pending is None
            self._pending = (frame, image)
        if first:
            self._relay.arrived.emit()

    def clear(self) -> None:
        """Forget the last picture (the camera stopped; a face may be on it)."""
        with self._lock:
            self._pending = None
            self._accepting = False
        self._frame = None
        self._image = None
        self.update()

    # --- UI thread --------------------------------------------------------------------------
    def _take_latest(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, None
        if pending is None:
            return
        self._frame, self._image = pending
        self.frames_shown += 1
        self.update()
        self.frameShown.emit(self._frame)

    @property
    def current(self) -> PreviewFrame | None:
        return self._frame

    def guidance_text(self) -> str:
        return tr(self._frame.guidance_key if self._frame is not None else self.placeholder_key)

    def paintEvent(self, event: Any) -> None:  # Qt's name
        p = QtGui.QPainter(self)
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QtGui.QColor(24, 26, 30))
        text_h = max(48, self.height() // 9)
        area = self.rect().adjusted(0, 0, 0, -text_h)
        if self._image is not None and self._frame is not None:
            iw, ih = self._image.width(), self._image.height()
            s = min(area.width() / iw, area.height() / ih)
            ox, oy = area.x() + (area.width() - iw * s) / 2, area.y() + (area.height() - ih * s) / 2
            target = QtCore.QRectF(ox, oy, iw * s, ih * s)
            p.drawImage(target, self._image)
            f = self._frame
            if f.outline is not None:
                colour = QtGui.QColor(40, 200, 90) if f.progress > 0 else QtGui.QColor(250, 190, 40)
                p.setPen(QtGui.QPen(colour, 4))
                poly = QtGui.QPolygonF([QtCore.QPointF(ox + x * s, oy + y * s) for x, y in f.outline])
                p.drawPolygon(poly)
            p.setPen(QtGui.QPen(QtGui.QColor(80, 170, 255), 3))
            for x, y, w, h in f.boxes:
                p.drawRect(QtCore.QRectF(ox + x * s, oy + y * s, w * s, h * s))
            if f.progress > 0:
                bar = QtCore.QRectF(target.x(), target.bottom() - 8, target.width() * f.progress, 8)
                p.fillRect(bar, QtGui.QColor(40, 200, 90))
        font = p.font()
        font.setPixelSize(int(text_h * 0.5))
        p.setFont(font)
        p.setPen(QtGui.QColor(255, 255, 255))
        p.drawText(QtCore.QRectF(0, self.height() - text_h, self.width(), text_h),
                   int(Qt.AlignmentFlag.AlignCenter), self.guidance_text())
        p.end()
