"""The two camera devices in the common device model: the document camera (高拍仪) and the face camera.

Both run on their DeviceRunner thread (never the UI thread). A capture is ONE job that loops over
frames until it ends — ``DocumentCamera.capture_document`` (auto-capture on a stable sharp page, or
the manual button) and ``FaceCamera.capture_face`` (quality gates + liveness challenge) — and returns
a typed Completion. While a job runs, preview frames (downscaled, with the detected outline and a
guidance key) go to preview listeners at most ``preview_max_fps`` times a second; they are not
device events and never logged. When no job runs and the device is ``active``, the runner's idle
task keeps the preview alive (the dev dock's live view).

A camera that stops delivering frames goes to NO_DEVICE (CAM-002); the runner's supervision then
reopens it with backoff.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from kiosk.config import CameraConfig
from kiosk.devices.base import (
    CancelToken,
    Capabilities,
    Completion,
    DeviceEvent,
    DeviceState,
    DeviceStatus,
    Outcome,
    StatusHolder,
)
from kiosk.devices.camera import codes, pipeline
from kiosk.devices.camera.autocapture import StabilityState, StabilityTracker
from kiosk.devices.camera.capture import CaptureSettings, DocumentCapture, process_frame
from kiosk.devices.camera.face import (
    FaceAnalysis,
    FaceAnalyzer,
    FaceCapture,
    FaceModelMissing,
    FaceQualityParams,
    FaceSession,
    Phase,
)
from kiosk.devices.camera.pipeline import DetectParams, Quad
from kiosk.devices.camera.sources import FrameSource

log = logging.getLogger(__name__)

MAX_EMPTY_READS = 15  # about half a second of no frames at 30 fps: the camera is gone


@dataclass(frozen=True)
class PreviewFrame:
    """One frame for the UI: small image, outline in its pixels, what to tell the user."""

    image: np.ndarray  # BGR uint8, preview_width wide
    outline: np.ndarray | None  # 4×2 float32 (document) or None
    boxes: tuple[tuple[int, int, int, int], ...]  # face boxes in preview pixels
    guidance_key: str
    progress: float  # 0 … 1 towards auto-capture
    sharpness: float
    frame_no: int


PreviewListener = Callable[[PreviewFrame], None]


def detect_params(cfg: CameraConfig) -> DetectParams:
    return DetectParams(detect_height=cfg.detect_height, min_area_ratio=cfg.min_area_ratio,
                        card_min_area_ratio=cfg.card_min_area_ratio)


def capture_settings(cfg: CameraConfig) -> CaptureSettings:
    return CaptureSettings(detect_params(cfg), cfg.jpeg_quality, cfg.output_max_long_side)


class _CameraBase:
    device_class = "camera"

    def __init__(self, name: str, source: FrameSource, cfg: CameraConfig, model: str,
                 features: frozenset[str]) -> None:
        self.name = name
        self.source = source
        self.cfg = cfg
        self.status_holder = StatusHolder(DeviceStatus(DeviceState.NO_DEVICE))
        self._caps = Capabilities("camera", model, features, {"source": source.describe()})
        self._preview_listeners: list[PreviewListener] = []
        self._last_preview = 0.0
        self._empty_reads = 0
        self._frame_no = 0
        self._active = threading.Event()
        self._opened = False

    # --- device model -------------------------------------------------------------------------
    @property
    def capabilities(self) -> Capabilities:
        return self._caps

    @property
    def status(self) -> DeviceStatus:
        return self.status_holder.status

    def open(self) -> Completion[None]:
        result = self.source.open()
        if not result.ok:
            self.status_holder.update(DeviceState.NO_DEVICE, error_code=result.error_code,
                                      message_key=result.message_key)
            return result
        self._opened = True
        self._empty_reads = 0
        w, h = self.source.frame_size
        self._caps = Capabilities("camera", self._caps.model, self._caps.features,
                                  {"source": self.source.describe(), "frame": [w, h],
                                   "still": list(self.source.still_size)})
        self.status_holder.update(DeviceState.ONLINE, width=w, height=h)
        return Completion.success(None)

    def close(self) -> None:
        self._opened = False
        self.source.close()

    # --- preview --------------------------------------------------------------------------------
    def on_preview(self, listener: PreviewListener) -> None:
        self._preview_listeners.append(listener)

    def remove_preview_listener(self, listener: PreviewListener) -> None:
        if listener in self._preview_listeners:
            self._preview_listeners.remove(listener)

    def set_active(self, active: bool) -> None:
        """Keep a live preview running between jobs (costs a core share: only while shown)."""
        if active:
            self._active.set()
        else:
            self._active.clear()

    @property
    def active(self) -> bool:
        return self._active.is_set()

    def _preview_due(self) -> bool:
        if not self._preview_listeners:
            return False
        now = time.monotonic()
        if now - self._last_preview < 1.0 / self.cfg.preview_max_fps:
            return False
        self._last_preview = now
        return True

    def _publish(self, frame: np.ndarray, outline: np.ndarray | None, boxes: tuple[tuple[int, int, int, int], ...],
                 key: str, progress: float, sharp: float) -> None:
        h, w = frame.shape[:2]
        scale = min(1.0, self.cfg.preview_width / w)
        small = cv2.resize(frame, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA) if scale < 1 \
            else frame.copy()
        pf = PreviewFrame(small, None if outline is None else (outline * scale).astype(np.float32),
                          tuple(tuple(int(v * scale) for v in b) for b in boxes),  # type: ignore[misc]
                          key, progress, sharp, self._frame_no)
        for listener in list(self._preview_listeners):
            try:
                listener(pf)
            except Exception:
                log.exception("preview listener failed", extra={"fields": {"device": self.name}})

    def _read(self) -> np.ndarray | None:
        frame = self.source.read()
        if frame is None:
            self._empty_reads += 1
            if self._empty_reads >= MAX_EMPTY_READS and self.status.state is not DeviceState.NO_DEVICE:
                self.status_holder.update(DeviceState.NO_DEVICE, error_code=codes.NO_FRAMES.code,
                                          message_key="camera.status.no_frames")
            return None
        self._empty_reads = 0
        self._frame_no += 1
        return frame

    def _lost(self) -> bool:
        return self.status.state is DeviceState.NO_DEVICE

    def _not_ready(self) -> Completion[Any]:
        return Completion.failure(Outcome.NOT_READY, self.status.error_code or codes.NOT_FOUND.code,
                                  "camera.status.not_found", "camera not open")


class DocumentCamera(_CameraBase):
    """The document camera: live outline, stable-quad auto-capture, manual capture fallback."""

    def __init__(self, name: str, source: FrameSource, cfg: CameraConfig) -> None:
        super().__init__(name, source, cfg, "uvc-document-camera",
                         frozenset({"document", "auto_capture", "manual_capture", "still_capture"}))
        self.params = detect_params(cfg)
        self.settings = capture_settings(cfg)
        scale = source.frame_size[1] / 1080.0 if source.frame_size[1] else 1.0
        self.tracker = StabilityTracker(cfg.stable_frames, cfg.stable_tolerance_px * scale, cfg.sharpness_threshold)
        self._manual = threading.Event()
        self._last_analysis = 0.0
        self.last_quad: Quad | None = None
        self.last_state: StabilityState | None = None

    def request_manual_capture(self) -> None:
        """The user pressed 拍照: the running capture job takes the next frame as it is."""
        self._manual.set()

    def _analysis_due(self) -> bool:
        now = time.monotonic()
        if now - self._last_analysis < 1.0 / self.cfg.analysis_max_fps:
            return False
        self._last_analysis = now
        return True

    def analyse(self, frame: np.ndarray) -> tuple[Quad | None, float, StabilityState]:
        gray = pipeline.to_gray(frame)  # once, for detection and focus
        quad = pipeline.detect_document(gray, self.params)
        sharp = pipeline.sharpness(gray, quad)
        state = self.tracker.update(quad, sharp)
        self.last_quad, self.last_state = quad, state
        if (quad is not None) != bool(self.status.detail.get("document")):
            self.status_holder.update(document=quad is not None)
        return quad, sharp, state

    def tick(self, token: CancelToken) -> float:
        """Idle task: a live preview while ``active`` (no auto-capture outside a capture job)."""
        if not self.active or not self._opened:
            return 0.25
        frame = self._read()
        if frame is None:
            return 0.05
        if not self._analysis_due():
            return 0.0
        quad, sharp, state = self.analyse(frame)
        if self._preview_due():
            # no capture job is running: do not promise a picture is being taken
            key = "camera.guide.hold_still" if state.guidance_key == "camera.guide.capturing" else state.guidance_key
            self._publish(frame, None if quad is None else quad.corners, (), key, 0.0, sharp)
        return 0.0

    def capture_document(self, token: CancelToken, auto: bool | None = None) -> Completion[DocumentCapture]:
        """Loop over frames until the page is stable and sharp (auto) or the manual button is pressed."""
        if not self._opened or self._lost():
            return self._not_ready()
        auto = self.cfg.auto_capture if auto is None else auto
        self._manual.clear()
        self.tracker.reset()
        while not token.cancelled:
            frame = self._read()
            if frame is None:
                if self._lost():
                    return Completion.failure(Outcome.HARDWARE_ERROR, codes.NO_FRAMES.code,
                                              "camera.status.no_frames", "camera stopped delivering frames")
                continue
            manual = self._manual.is_set()
            if not manual and not self._analysis_due():
                continue
            quad, sharp, state = self.analyse(frame)
            if self._preview_due():
                key = "camera.guide.processing" if (manual or (auto and state.ready)) else state.guidance_key
                self._publish(frame, None if quad is None else quad.corners, (), key, state.progress, sharp)
            if manual or (auto and state.ready):
                self._manual.clear()
                return self._finish(frame, quad, sharp, auto=not manual)
        return Completion.failure(Outcome.CANCELED, detail="capture cancelled")

    def capture_now(self, token: CancelToken) -> Completion[DocumentCapture]:
        """One frame, processed at once (kiosk-diag snapshot, tests)."""
        if not self._opened or self._lost():
            return self._not_ready()
        for _ in range(MAX_EMPTY_READS):
            frame = self._read()
            if frame is not None:
                quad = pipeline.detect_document(frame, self.params)
                return self._finish(frame, quad, pipeline.sharpness(frame, quad), auto=False)
            if token.cancelled:
                break
        return Completion.failure(Outcome.HARDWARE_ERROR, codes.NO_FRAMES.code, "camera.status.no_frames")

    def _finish(self, frame: np.ndarray, quad: Quad | None, sharp: float, auto: bool) -> Completion[DocumentCapture]:
        still = frame
        hint = quad
        sw, sh = self.source.still_size
        fw, fh = self.source.frame_size
        if (sw, sh) != (fw, fh):
            got = self.source.capture_still()
            if got is not None:
                still = got
                if quad is not None:
                    hint = pipeline.scale_quad(quad, got.shape[1] / frame.shape[1], got.shape[0] / frame.shape[0])
        try:
            result = process_frame(still, self.settings, hint=hint, auto=auto, sharpness=sharp)
        except (ValueError, cv2.error) as e:
            return Completion.failure(Outcome.HARDWARE_ERROR, codes.ENCODE_FAILED.code, "camera.guide.failed",
                                      type(e).__name__)
        self.tracker.mark_captured(quad)
        self.status_holder.emit(DeviceEvent("document_captured", result, result.summary()))
        return Completion.success(result)


class FaceCamera(_CameraBase):
    """The face camera: quality gates, a liveness challenge with spoken prompts, the capture."""

    def __init__(self, name: str, source: FrameSource, cfg: CameraConfig,
                 analyzer: FaceAnalyzer | None = None) -> None:
        super().__init__(name, source, cfg, "uvc-face-camera", frozenset({"face", "liveness_blink", "liveness_turn"}))
        self._analyzer = analyzer
        self._analyzer_error: str | None = None
        self.quality = FaceQualityParams(cfg.face_min_width_ratio, cfg.face_max_width_ratio,
                                         cfg.face_max_centre_offset, cfg.face_min_brightness,
                                         cfg.face_max_brightness, cfg.face_sharpness_threshold)
        # prompts for the voice: the UI (or a simulated person) listens here
        self._prompt_listeners: list[Callable[[str], None]] = []
        self.last_analysis: FaceAnalysis | None = None

    def on_prompt(self, listener: Callable[[str], None]) -> None:
        self._prompt_listeners.append(listener)

    def analyzer(self) -> FaceAnalyzer | None:
        if self._analyzer is None and self._analyzer_error is None:
            try:
                self._analyzer = FaceAnalyzer()
            except FaceModelMissing as e:
                self._analyzer_error = str(e)
                self.status_holder.update(DeviceState.HARDWARE_ERROR, error_code=codes.FACE_MODEL_MISSING.code,
                                          message_key="camera.status.model_missing")
        return self._analyzer

    def _boxes(self, a: FaceAnalysis) -> tuple[tuple[int, int, int, int], ...]:
        return tuple((b.x, b.y, b.w, b.h) for b in a.faces)

    def tick(self, token: CancelToken) -> float:
        if not self.active or not self._opened:
            return 0.25
        analyzer = self.analyzer()
        frame = self._read()
        if frame is None or analyzer is None:
            return 0.05
        if self._preview_due():
            a = analyzer.analyse(frame)
            self.last_analysis = a
            from kiosk.devices.camera.face import quality_issue

            key = quality_issue(a, self.quality) or "camera.face.look_at_camera"
            self._publish(frame, None, self._boxes(a), key, 0.0, a.sharpness)
        return 0.0

    def capture_face(self, token: CancelToken, challenge: str | None = None) -> Completion[FaceCapture]:
        if not self._opened or self._lost():
            return self._not_ready()
        analyzer = self.analyzer()
        if analyzer is None:
            return Completion.failure(Outcome.HARDWARE_ERROR, codes.FACE_MODEL_MISSING.code,
                                      "camera.status.model_missing", self._analyzer_error or "")
        kind = FaceSession.resolve_challenge(challenge or self.cfg.liveness_challenge)
        session = FaceSession(kind, self.quality, self.cfg.face_quality_frames, timeout_s=self.cfg.challenge_timeout_s,
                              jpeg_quality=max(self.cfg.jpeg_quality, 90))
        # analyse at most analysis_max_fps (15) frames a second: enough for a blink, half the CPU
        min_interval = 1.0 / self.cfg.analysis_max_fps
        last = 0.0
        while not token.cancelled:
            frame = self._read()
            if frame is None:
                if self._lost():
                    return Completion.failure(Outcome.HARDWARE_ERROR, codes.NO_FRAMES.code,
                                              "camera.status.no_frames", "camera stopped delivering frames")
                continue
            now = time.monotonic()
            if now - last < min_interval:
                continue
            last = now
            a = analyzer.analyse(frame, want_profile=session.phase is Phase.CHALLENGE and kind == "turn")
            self.last_analysis = a
            step = session.feed(frame, a, now)
            if step.voice_key:
                for listener in list(self._prompt_listeners):
                    listener(step.voice_key)
                self.status_holder.emit(DeviceEvent("face_prompt", step.voice_key, {"prompt": step.voice_key}))
            if self._preview_due():
                self._publish(frame, None, self._boxes(a), step.prompt_key, 0.0, a.sharpness)
            if step.phase is Phase.DONE and step.capture is not None:
                self.status_holder.emit(DeviceEvent("face_captured", step.capture, step.capture.summary()))
                return Completion.success(step.capture)
            if step.phase is Phase.FAILED:
                outcome = Outcome.TIMEOUT if step.error_code != codes.ENCODE_FAILED.code else Outcome.HARDWARE_ERROR
                return Completion.failure(outcome, step.error_code, step.prompt_key,
                                          f"face capture failed in {kind} challenge")
        return Completion.failure(Outcome.CANCELED, detail="face capture cancelled")
