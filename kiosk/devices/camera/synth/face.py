"""A drawn face for the face-camera simulator.

What it is good for: the OpenCV Haar frontal-face cascade finds it, the eye cascade finds its two
open eyes and loses them when they are drawn closed, so the quality gates (no face, two faces,
size, centring, dark, blurry) and the blink challenge run end to end on it. What it is NOT: a
photo-realistic face — it says nothing about detection rates on real people, skin tones, glasses,
masks or spoofing, and the Haar profile cascade does not fire on its "turned" drawing (a turned head
only makes the frontal detector lose it). Those need recorded real frames (the replay source).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np

SKIN_BGR = np.array([0.55, 0.66, 0.85], np.float32)


@dataclass(frozen=True)
class FaceSpec:
    cx: float  # face centre, relative to the frame (0..1)
    cy: float
    width: float  # face width relative to the frame width
    yaw: float = 0.0  # -1 … 1: features shifted sideways, head narrowed (a head turn)
    eyes_closed: bool = False


@dataclass(frozen=True)
class FaceSceneSpec:
    size: tuple[int, int] = (1280, 720)
    faces: tuple[FaceSpec, ...] = (FaceSpec(0.5, 0.48, 0.24),)
    light: float = 1.0  # overall brightness factor (0.3 = a dark booth)
    blur_sigma: float = 0.6
    background: tuple[float, float, float] = (0.55, 0.6, 0.62)


def _blob(img: np.ndarray, x: float, y: float, rx: float, ry: float, colour: np.ndarray | tuple[float, ...],
          hardness: float = 1.0) -> None:
    """Blend a soft elliptical spot of ``colour`` into ``img`` (only inside its bounding box)."""
    h, w = img.shape[:2]
    x0, x1 = max(0, int(x - 3 * rx)), min(w, int(x + 3 * rx) + 1)
    y0, y1 = max(0, int(y - 3 * ry)), min(h, int(y + 3 * ry) + 1)
    if x0 >= x1 or y0 >= y1:
        return
    ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    b = np.exp(-(((xs - x) / rx) ** 2 + ((ys - y) / ry) ** 2) * hardness)[..., None]
    roi = img[y0:y1, x0:x1]
    roi[:] = roi * (1 - b) + np.asarray(colour, np.float32) * b


def _draw_face(img: np.ndarray, f: FaceSpec) -> None:
    h, w = img.shape[:2]
    cx, cy, fw = f.cx * w, f.cy * h, f.width * w
    fh = fw * 1.3
    yaw = f.yaw
    x0, x1 = max(0, int(cx - fw)), min(w, int(cx + fw))
    y0, y1 = max(0, int(cy - fh)), min(h, int(cy + fh))
    ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    sx = (xs - cx) / (fw / 2 * (1 - 0.15 * abs(yaw)))
    sy = (ys - cy) / (fh / 2)
    r2 = sx ** 2 + sy ** 2
    head = np.clip((1 - r2) * 8, 0, 1)[..., None]
    shade = np.clip(0.75 + 0.3 * np.sqrt(np.clip(1 - r2, 0, 1)) - 0.1 * sx * yaw, 0, 1.2)[..., None]
    roi = img[y0:y1, x0:x1]
    roi[:] = roi * (1 - head) + SKIN_BGR * shade * head
    hair = ((r2 < 1.0) & (sy < -0.55)) | ((r2 < 1.05) & (r2 > 0.82) & (sy < 0.0))
    roi[hair] = (0.08, 0.08, 0.1)
    off = yaw * fw * 0.18
    ex, ey = fw * 0.2, cy - fh * 0.1
    for sgn in (-1, 1):
        x = cx + off + sgn * ex * (1 - 0.3 * yaw * sgn)
        _blob(img, x, ey - fw * 0.13, fw * 0.11, fw * 0.025, (0.1, 0.1, 0.12), 2)  # brow
        if f.eyes_closed:
            # a closed lid is skin: only a faint crease and the lash line stay dark
            _blob(img, x, ey, fw * 0.1, fw * 0.05, SKIN_BGR * 0.9, 1.5)
            _blob(img, x, ey + fw * 0.015, fw * 0.065, fw * 0.006, (0.3, 0.3, 0.35), 2)
        else:
            _blob(img, x, ey, fw * 0.12, fw * 0.07, SKIN_BGR * 0.55, 1.5)  # eye socket shadow
            _blob(img, x, ey, fw * 0.075, fw * 0.035, (0.95, 0.95, 0.95), 3)  # white
            _blob(img, x, ey, fw * 0.03, fw * 0.03, (0.1, 0.08, 0.06), 3)  # iris
    _blob(img, cx + off * 1.3, cy + fh * 0.05, fw * 0.05, fw * 0.15, SKIN_BGR * 1.1, 2)  # nose bridge
    _blob(img, cx + off * 1.3, cy + fh * 0.14, fw * 0.08, fw * 0.03, SKIN_BGR * 0.5, 2)  # nostrils
    _blob(img, cx + off * 1.1, cy + fh * 0.28, fw * 0.15, fw * 0.03, (0.25, 0.25, 0.55), 2)  # mouth


@functools.lru_cache(maxsize=32)
def render_face_scene(spec: FaceSceneSpec) -> np.ndarray:
    """The noiseless frame (cached: the simulator adds fresh sensor noise per frame)."""
    w, h = spec.size
    img = np.empty((h, w, 3), np.float32)
    img[:] = spec.background
    # a soft shoulder shape under each face so the frame is not a floating head
    for f in spec.faces:
        _blob(img, f.cx * w, (f.cy + f.width * 1.6) * h, f.width * w * 1.1, f.width * h * 0.9,
              (0.35, 0.3, 0.28), 1.5)
    for f in spec.faces:
        _draw_face(img, f)
    img *= spec.light
    blurred = cv2.GaussianBlur(img, (0, 0), spec.blur_sigma) if spec.blur_sigma > 0.05 else img
    out = cv2.convertScaleAbs(blurred, alpha=255.0)
    out.setflags(write=False)
    return out
