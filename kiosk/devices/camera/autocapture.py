"""Stable-quad auto-capture: fire once the page has lain still and sharp for N frames.

Pure logic (no camera, no clock): fed one detection result per analysed frame. After a capture it
waits until the page is taken away or clearly moved (the next page, the other side) before it can
fire again, so one page is never captured twice by accident.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kiosk.devices.camera.pipeline import Quad


@dataclass(frozen=True)
class StabilityState:
    guidance_key: str  # i18n key for the line under the preview
    progress: float  # 0 … 1 towards auto-capture
    ready: bool  # capture now
    stable_frames: int
    motion_px: float | None  # largest corner movement since the previous frame


class StabilityTracker:
    def __init__(self, frames_required: int = 8, tolerance_px: float = 6.0, sharpness_threshold: float = 300.0,
                 rearm_motion_px: float | None = None) -> None:
        self.frames_required = frames_required
        self.tolerance_px = tolerance_px
        self.sharpness_threshold = sharpness_threshold
        # moving the page this far (or removing it) after a capture allows the next one
        self.rearm_motion_px = rearm_motion_px if rearm_motion_px is not None else tolerance_px * 8
        self._previous: np.ndarray | None = None
        self._count = 0
        self._captured_at: np.ndarray | None = None  # corners of the last captured page

    def reset(self) -> None:
        self._previous = None
        self._count = 0
        self._captured_at = None

    def mark_captured(self, quad: Quad | None) -> None:
        self._captured_at = None if quad is None else quad.corners.copy()
        self._count = 0

    @property
    def waiting_for_change(self) -> bool:
        return self._captured_at is not None

    def update(self, quad: Quad | None, sharpness: float) -> StabilityState:
        if quad is None:
            self._previous = None
            self._count = 0
            self._captured_at = None  # page taken away: the next one may be captured
            return StabilityState("camera.guide.place_document", 0.0, False, 0, None)
        corners = quad.corners
        motion = None
        if self._previous is not None:
            motion = float(np.max(np.linalg.norm(corners - self._previous, axis=1)))
        self._previous = corners.copy()
        if self._captured_at is not None:
            moved = float(np.max(np.linalg.norm(corners - self._captured_at, axis=1)))
            if moved < self.rearm_motion_px:
                return StabilityState("camera.guide.next_page", 0.0, False, 0, motion)
            self._captured_at = None
        if motion is None or motion > self.tolerance_px:
            self._count = 0
            return StabilityState("camera.guide.hold_still", 0.0, False, 0, motion)
        if sharpness < self.sharpness_threshold:
            self._count = 0
            return StabilityState("camera.guide.blurry", 0.0, False, 0, motion)
        self._count += 1
        progress = min(1.0, self._count / self.frames_required)
        ready = self._count >= self.frames_required
        return StabilityState("camera.guide.capturing", progress, ready, self._count, motion)
