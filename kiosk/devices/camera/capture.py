"""From one full-resolution frame to the documents the application uploads (pure, no device)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kiosk.devices.camera import pipeline
from kiosk.devices.camera.pipeline import DetectParams, Quad


@dataclass(frozen=True)
class CaptureSettings:
    detect: DetectParams = field(default_factory=DetectParams)
    jpeg_quality: int = 85
    max_long_side: int = 2000


@dataclass(frozen=True)
class DocumentCapture:
    """A captured page: colour and black-and-white JPEG (what is uploaded) plus the arrays for display.

    ``quad_found`` False means the manual fallback: the whole frame, shadow-corrected, not cropped."""

    color_jpeg: bytes
    bw_jpeg: bytes
    color: np.ndarray
    bw: np.ndarray
    quad_found: bool
    corners: list[list[float]] | None  # in the still frame's pixels
    is_card: bool
    sharpness: float
    auto: bool
    frame_size: tuple[int, int]
    timings_ms: dict[str, float]

    @property
    def size(self) -> tuple[int, int]:
        return self.color.shape[1], self.color.shape[0]

    def summary(self) -> dict[str, Any]:
        """The loggable part (no image content)."""
        return {"quad_found": self.quad_found, "is_card": self.is_card, "auto": self.auto,
                "width": self.size[0], "height": self.size[1], "sharpness": round(self.sharpness, 1),
                "color_bytes": len(self.color_jpeg), "bw_bytes": len(self.bw_jpeg),
                "frame": list(self.frame_size), "ms": self.timings_ms}

    def save(self, directory: Path, stem: str) -> tuple[Path, Path]:
        directory.mkdir(parents=True, exist_ok=True)
        color, bw = directory / f"{stem}-color.jpg", directory / f"{stem}-bw.jpg"
        color.write_bytes(self.color_jpeg)
        bw.write_bytes(self.bw_jpeg)
        return color, bw


def process_frame(frame: np.ndarray, settings: CaptureSettings = CaptureSettings(), *,
                  hint: Quad | None = None, auto: bool = False, sharpness: float | None = None) -> DocumentCapture:
    """Detect (or use the refined preview ``hint``), warp at full resolution, remove shadows, make
    the black-and-white version, encode both as JPEG. Without any quad: the whole frame (fallback)."""
    t0 = time.perf_counter()
    quad = pipeline.detect_document(frame, settings.detect)
    if quad is None and hint is not None:
        refined = pipeline.refine_corners(pipeline.to_gray(frame), hint.corners, search_px=10.0)
        if refined is not None:
            quad = Quad(refined, hint.area_ratio, hint.is_card, "hint+refined")
    t1 = time.perf_counter()
    if quad is not None:
        page = pipeline.warp_document(frame, quad, settings.max_long_side)
    else:
        page = frame
        h, w = frame.shape[:2]
        scale = min(1.0, settings.max_long_side / max(h, w))
        if scale < 1:
            import cv2

            page = cv2.resize(frame, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA)
    t2 = time.perf_counter()
    color = pipeline.remove_shadows(page)
    t3 = time.perf_counter()
    bw = pipeline.to_black_and_white(color)
    t4 = time.perf_counter()
    color_jpeg = pipeline.encode_jpeg(color, settings.jpeg_quality)
    bw_jpeg = pipeline.encode_jpeg(bw, settings.jpeg_quality)
    t5 = time.perf_counter()
    sharp = sharpness if sharpness is not None else pipeline.sharpness(frame, quad)
    ms = {"detect": (t1 - t0) * 1e3, "warp": (t2 - t1) * 1e3, "shadows": (t3 - t2) * 1e3,
          "bw": (t4 - t3) * 1e3, "jpeg": (t5 - t4) * 1e3, "total": (t5 - t0) * 1e3}
    return DocumentCapture(
        color_jpeg, bw_jpeg, color, bw, quad is not None, quad.as_list() if quad is not None else None,
        bool(quad.is_card) if quad is not None else False, sharp, auto, (frame.shape[1], frame.shape[0]),
        {k: round(v, 1) for k, v in ms.items()})
