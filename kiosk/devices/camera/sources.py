"""Frame sources behind one interface: a real camera (OpenCV, V4L2, MJPEG), a replay of files.

The synthetic sources live in :mod:`kiosk.devices.camera.simulator`. Every source is used from
one thread (the camera's DeviceRunner thread); none is thread-safe.
"""

from __future__ import annotations

import glob
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

from kiosk.devices.base import Completion, Outcome
from kiosk.devices.camera import codes

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")


class FrameSource(Protocol):
    """What the camera devices read frames from."""

    @property
    def frame_size(self) -> tuple[int, int]: ...  # (width, height) of preview frames

    @property
    def still_size(self) -> tuple[int, int]: ...  # (width, height) of capture_still()

    def open(self) -> Completion[None]: ...

    def close(self) -> None: ...

    def read(self) -> np.ndarray | None:
        """The next frame (BGR uint8), waiting up to about one frame interval; None if none came."""
        ...

    def capture_still(self) -> np.ndarray | None:
        """A frame at the full still resolution (falls back to a preview frame)."""
        ...

    def describe(self) -> dict[str, Any]: ...


class FramePacer:
    """Holds a file or synthetic source to the camera's frame rate, like a real sensor."""

    def __init__(self, fps: float) -> None:
        self.interval = 1.0 / fps if fps > 0 else 0.0
        self._next = 0.0

    def wait(self) -> None:
        now = time.monotonic()
        if self._next > now:
            time.sleep(self._next - now)
            now = self._next
        self._next = max(now, self._next) + self.interval


@dataclass(frozen=True)
class CameraInfo:
    device: str
    opened: bool
    width: int = 0
    height: int = 0
    fps: float = 0.0
    fourcc: str = ""
    backend: str = ""

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _fourcc_text(value: float) -> str:
    code = int(value)
    return "".join(chr((code >> (8 * i)) & 0xFF) for i in range(4)).strip("\x00")


def _device_arg(device: str) -> int | str:
    return int(device) if device.isdigit() else device


class OpenCVCamera:
    """A UVC camera through OpenCV's V4L2 backend, MJPEG at the configured size and rate.

    ``still_size`` larger than the preview size makes :meth:`capture_still` switch the sensor to
    that size for one frame (many 高拍仪 deliver 5 MP stills); if the camera refuses, the preview
    frame is used and the refusal is logged (CAM-003)."""

    def __init__(self, device: str, width: int, height: int, fps: int, fourcc: str = "MJPG",
                 still_size: tuple[int, int] | None = None, backend: int = cv2.CAP_V4L2,
                 max_read_failures: int = 15) -> None:
        self.device = device
        self.requested = (width, height)
        self.fps = fps
        self.fourcc = fourcc
        self.backend = backend
        self._still = still_size if still_size and still_size[0] > 0 else None
        self._cap: cv2.VideoCapture | None = None
        self._size = (width, height)
        self.read_failures = 0
        self.max_read_failures = max_read_failures

    @property
    def frame_size(self) -> tuple[int, int]:
        return self._size

    @property
    def still_size(self) -> tuple[int, int]:
        return self._still or self._size

    def _configure(self, cap: cv2.VideoCapture, width: int, height: int) -> tuple[int, int]:
        cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*self.fourcc))
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        cap.set(cv2.CAP_PROP_FPS, self.fps)
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # the newest frame, not a queue of stale ones
        return int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))

    def open(self) -> Completion[None]:
        cap = cv2.VideoCapture(_device_arg(self.device), self.backend)
        if not cap.isOpened():
            cap.release()
            return Completion.failure(Outcome.HARDWARE_ERROR, codes.NOT_FOUND.code, "camera.status.not_found",
                                      f"cannot open camera {self.device}")
        self._size = self._configure(cap, *self.requested)
        ok, frame = cap.read()
        if not ok or frame is None:
            cap.release()
            return Completion.failure(Outcome.HARDWARE_ERROR, codes.NO_FRAMES.code, "camera.status.no_frames",
                                      f"camera {self.device} opened but gave no frame")
        self._size = (frame.shape[1], frame.shape[0])
        if self._size != self.requested:
            log.warning("camera refused the requested size", extra={"fields": {
                "device": self.device, "code": codes.FORMAT_REFUSED.code,
                "requested": list(self.requested), "got": list(self._size)}})
        self._cap = cap
        self.read_failures = 0
        return Completion.success(None)

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None

    def read(self) -> np.ndarray | None:
        if self._cap is None:
            return None
        ok, frame = self._cap.read()
        if not ok or frame is None:
            self.read_failures += 1
            return None
        self.read_failures = 0
        return frame

    @property
    def lost(self) -> bool:
        """Too many failed reads in a row: the camera was unplugged or hung."""
        return self._cap is None or self.read_failures >= self.max_read_failures

    def capture_still(self) -> np.ndarray | None:
        if self._cap is None:
            return None
        if self._still is None or self._still == self._size:
            return self.read()
        got = self._configure(self._cap, *self._still)
        frame = None
        for _ in range(3):  # the first frames after a mode switch are often stale or dark
            frame = self.read()
        self._configure(self._cap, *self._size)
        if frame is None or got != self._still:
            log.warning("full-resolution still refused; using a preview frame", extra={"fields": {
                "device": self.device, "code": codes.FORMAT_REFUSED.code, "got": list(got)}})
            return frame if frame is not None else self.read()
        return frame

    def describe(self) -> dict[str, Any]:
        return {"kind": "opencv", "device": self.device, "size": list(self._size),
                "still": list(self.still_size), "fourcc": self.fourcc, "fps": self.fps}


def list_cameras(max_probe: int = 10) -> list[CameraInfo]:
    """Every /dev/video* node that opens as a capture device, with what it reports."""
    found: list[CameraInfo] = []
    for path in sorted(glob.glob("/dev/video*"))[:max_probe]:
        cap = cv2.VideoCapture(path, cv2.CAP_V4L2)
        try:
            if not cap.isOpened():
                found.append(CameraInfo(path, False))
                continue
            found.append(CameraInfo(
                path, True, int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)),
                float(cap.get(cv2.CAP_PROP_FPS)), _fourcc_text(cap.get(cv2.CAP_PROP_FOURCC)),
                cap.getBackendName()))
        finally:
            cap.release()
    return found


class ReplaySource:
    """Plays image files (a folder or one file) or a video file, looping, at the camera's rate.

    Frames are resized to ``size`` when given (a replay of phone photos behaves like the camera)."""

    def __init__(self, path: str | Path, fps: float = 30.0, size: tuple[int, int] | None = None,
                 loop: bool = True, pace: bool = True) -> None:
        self.path = Path(path)
        self.size = size
        self.loop = loop
        self._pacer = FramePacer(fps) if pace else None
        self._files: list[Path] = []
        self._video: cv2.VideoCapture | None = None
        self._index = 0
        self._last: np.ndarray | None = None
        self._size = size or (0, 0)
        # a handful of stills is decoded once (a replay must not cost a JPEG decode per frame)
        self._cache: dict[Path, np.ndarray] = {}
        self.cache_limit = 24

    @property
    def frame_size(self) -> tuple[int, int]:
        return self._size

    @property
    def still_size(self) -> tuple[int, int]:
        return self._size

    def open(self) -> Completion[None]:
        self._index = 0
        if self.path.is_dir():
            self._files = sorted(p for p in self.path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        elif self.path.suffix.lower() in IMAGE_SUFFIXES and self.path.is_file():
            self._files = [self.path]
        elif self.path.is_file():
            cap = cv2.VideoCapture(str(self.path))
            if cap.isOpened():
                self._video = cap
        if not self._files and self._video is None:
            return Completion.failure(Outcome.HARDWARE_ERROR, codes.REPLAY_UNREADABLE.code,
                                      "camera.status.not_found", f"nothing to replay at {self.path}")
        first = self._next_frame()
        if first is None:
            self.close()
            return Completion.failure(Outcome.HARDWARE_ERROR, codes.REPLAY_UNREADABLE.code,
                                      "camera.status.no_frames", f"no readable frame in {self.path}")
        self._size = (first.shape[1], first.shape[0])
        self._last = first
        self._index = 0
        if self._video is not None:
            self._video.set(cv2.CAP_PROP_POS_FRAMES, 0)
        return Completion.success(None)

    def close(self) -> None:
        if self._video is not None:
            self._video.release()
            self._video = None

    def _fit(self, frame: np.ndarray) -> np.ndarray:
        if frame.ndim == 2:
            frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
        if self.size and (frame.shape[1], frame.shape[0]) != self.size:
            frame = cv2.resize(frame, self.size, interpolation=cv2.INTER_AREA)
        return frame

    def _next_frame(self) -> np.ndarray | None:
        if self._video is not None:
            ok, frame = self._video.read()
            if not ok and self.loop:
                self._video.set(cv2.CAP_PROP_POS_FRAMES, 0)
                ok, frame = self._video.read()
            return self._fit(frame) if ok and frame is not None else None
        for _ in range(len(self._files)):
            if self._index >= len(self._files):
                if not self.loop:
                    return None
                self._index = 0
            path = self._files[self._index]
            self._index += 1
            cached = self._cache.get(path)
            if cached is not None:
                return cached
            image: np.ndarray | None = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if image is not None:
                fitted = self._fit(image)
                if len(self._files) <= self.cache_limit:
                    fitted.setflags(write=False)
                    self._cache[path] = fitted
                return fitted
            log.warning("replay image unreadable; skipped", extra={"fields": {"file": path.name}})
        return None

    def read(self) -> np.ndarray | None:
        if self._pacer is not None:
            self._pacer.wait()
        frame = self._next_frame()
        if frame is not None:
            self._last = frame
        return frame

    def capture_still(self) -> np.ndarray | None:
        return self._last if self._last is not None else self.read()

    def describe(self) -> dict[str, Any]:
        return {"kind": "replay", "path": str(self.path), "size": list(self._size),
                "files": len(self._files), "video": self._video is not None}
