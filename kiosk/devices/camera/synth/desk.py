"""A document-camera frame: a flat document placed on a desk, seen by a top-down camera.

:func:`random_scene` draws the parameters (which document, where, how tilted, the light),
:func:`render_scene` turns them into a BGR frame and the KNOWN corners of the document in that frame,
so the document pipeline can be measured against ground truth.

Effects, in the order a camera sees them: desk texture, drop shadow under the page, the page
(perspective-warped), uneven light (gradient + vignette), a soft hand shadow, a specular glare blob,
lens blur, sensor noise.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from enum import StrEnum

import cv2
import numpy as np

from kiosk.devices.camera.synth.documents import PX_PER_MM, Layout, render

# Frame pixels per document millimetre at the 高拍仪's fixed height (field about 640 × 360 mm).
FRAME_PX_PER_MM_1080P = 3.0


class Desk(StrEnum):
    DARK_MAT = "dark_mat"  # the black/green pad most 高拍仪 units ship with
    WOOD = "wood"
    GREY = "grey"  # a light desk: low contrast against white paper (a hard case)


@dataclass(frozen=True)
class SceneSpec:
    """Everything needed to redraw a frame exactly; corners are TL, TR, BR, BL of the page itself."""

    layout: Layout | None
    size: tuple[int, int] = (1920, 1080)  # width, height
    corners: tuple[tuple[float, float], ...] = ()
    desk: Desk = Desk.DARK_MAT
    light_gradient: float = 0.15  # 0 = even light; fraction of brightness lost across the frame
    light_angle_deg: float = 30.0
    vignette: float = 0.15
    hand_shadow: float = 0.0  # 0 = none; depth of a soft shadow blob over part of the page
    glare: float = 0.0  # 0 = none; peak added brightness (0..1) of a specular highlight
    glare_at: tuple[float, float] = (0.6, 0.35)  # relative position in the frame
    blur_sigma: float = 0.7
    noise_sigma: float = 3.0
    seed: int = 0
    distractors: bool = False  # a pen, a phone and a sticky note on the desk
    extra: dict[str, float] = field(default_factory=dict)

    def scaled(self, factor: float) -> SceneSpec:
        """The same scene rendered at another resolution (a full-resolution still)."""
        w, h = self.size
        return replace(self, size=(round(w * factor), round(h * factor)),
                       corners=tuple((x * factor, y * factor) for x, y in self.corners),
                       blur_sigma=self.blur_sigma * factor)


@dataclass(frozen=True)
class RenderedScene:
    frame: np.ndarray  # H×W×3 uint8 BGR
    corners: np.ndarray | None  # 4×2 float32 TL, TR, BR, BL of the page, or None (no document)
    spec: SceneSpec


def place_document(layout: Layout, size: tuple[int, int], rng: np.random.Generator,
                   rotation_deg: float = 12.0, keystone: float = 0.02) -> tuple[tuple[float, float], ...]:
    """Corners of a page lying on the desk: scale from the camera height, a random rotation and
    offset that keep it inside the frame, and a little keystone from a not-quite-vertical camera."""
    w, h = size
    doc = render(layout)
    px_mm = FRAME_PX_PER_MM_1080P * (h / 1080.0) * rng.uniform(0.94, 1.06)
    dw, dh = doc.size_mm[0] * px_mm, doc.size_mm[1] * px_mm
    for _ in range(50):
        angle = np.radians(rng.uniform(-rotation_deg, rotation_deg))
        c, s = np.cos(angle), np.sin(angle)
        half = np.array([[-dw / 2, -dh / 2], [dw / 2, -dh / 2], [dw / 2, dh / 2], [-dw / 2, dh / 2]])
        rot = half @ np.array([[c, s], [-s, c]])
        # keystone: a true perspective view of the rectangle (camera tilted a little off vertical)
        kx, ky = rng.normal(0, keystone / max(dw, dh), size=2)
        rot = rot / (1 + kx * rot[:, :1] + ky * rot[:, 1:])
        span = rot.max(axis=0) - rot.min(axis=0)
        margin = 0.03 * h
        free_x = w - span[0] - 2 * margin
        free_y = h - span[1] - 2 * margin
        if free_x < 0 or free_y < 0:
            continue
        cx = margin + span[0] / 2 + rng.uniform(0.15, 0.85) * free_x
        cy = margin + span[1] / 2 + rng.uniform(0.2, 0.8) * free_y
        pts = rot - (rot.max(axis=0) + rot.min(axis=0)) / 2 + (cx, cy)
        return tuple((float(x), float(y)) for x, y in pts)
    raise ValueError(f"{layout} does not fit a {w}×{h} frame")


def random_scene(rng: np.random.Generator, layout: Layout | None, size: tuple[int, int] = (1920, 1080),
                 *, hard: bool = True) -> SceneSpec:
    """A plausible random scene; ``hard`` adds glare, hand shadows and the low-contrast desk."""
    desks = [Desk.DARK_MAT, Desk.DARK_MAT, Desk.WOOD, Desk.WOOD] + ([Desk.GREY] if hard else [])
    corners = place_document(layout, size, rng) if layout is not None else ()
    return SceneSpec(
        layout=layout, size=size, corners=corners,
        desk=desks[int(rng.integers(len(desks)))],
        light_gradient=float(rng.uniform(0.05, 0.35)),
        light_angle_deg=float(rng.uniform(0, 360)),
        vignette=float(rng.uniform(0.05, 0.25)),
        hand_shadow=float(rng.uniform(0.15, 0.4)) if hard and rng.random() < 0.35 else 0.0,
        glare=float(rng.uniform(0.2, 0.45)) if hard and rng.random() < 0.35 else 0.0,
        glare_at=(float(rng.uniform(0.25, 0.75)), float(rng.uniform(0.25, 0.75))),
        blur_sigma=float(rng.uniform(0.5, 1.2)),
        noise_sigma=float(rng.uniform(1.5, 5.0)),
        seed=int(rng.integers(1 << 30)),
        distractors=layout is None or rng.random() < 0.3,
    )


def _desk_texture(spec: SceneSpec) -> np.ndarray:
    """The empty desk as float32 BGR 0…1 (one of a few cached variants per desk and size)."""
    return _desk_texture_u8(spec.desk, spec.size, spec.seed % 3).astype(np.float32) * (1 / 255)


@functools.lru_cache(maxsize=6)
def _desk_texture_u8(desk: Desk, size: tuple[int, int], variant: int) -> np.ndarray:
    rng = np.random.default_rng(variant)
    w, h = size
    low = cv2.resize(rng.normal(0, 1, (9, 16)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    if desk is Desk.DARK_MAT:
        base = np.array([48, 52, 44], np.float32) / 255  # BGR: a dark green-grey pad
        tex = base + 0.02 * low[..., None]
    elif desk is Desk.WOOD:
        base = np.array([112, 158, 196], np.float32) / 255
        ys = np.arange(h, dtype=np.float32)[:, None]
        xs = np.arange(w, dtype=np.float32)[None, :]
        warp = 18 * cv2.resize(rng.normal(0, 1, (6, 10)).astype(np.float32), (w, h),
                               interpolation=cv2.INTER_CUBIC)
        grain = np.sin((ys * 0.9 + xs * 0.12 + warp) / 5.5) * 0.5 + np.sin((ys + warp * 2) / 1.7) * 0.2
        tex = base * (1 + 0.07 * grain[..., None] + 0.05 * low[..., None])
    else:
        base = np.array([196, 200, 202], np.float32) / 255
        tex = base + 0.015 * low[..., None]
    out = cv2.convertScaleAbs(np.clip(tex, 0, 1), alpha=255.0)
    out.setflags(write=False)
    return out


def _free_spot(rng: np.random.Generator, w: int, h: int, keep_out: np.ndarray | None,
               radius: float) -> tuple[float, float]:
    """A random point at least ``radius`` away from the page's bounding box (if any)."""
    for _ in range(40):
        x, y = rng.uniform(0.08, 0.92) * w, rng.uniform(0.1, 0.9) * h
        if keep_out is None:
            return x, y
        (x0, y0), (x1, y1) = keep_out.min(axis=0), keep_out.max(axis=0)
        if x < x0 - radius or x > x1 + radius or y < y0 - radius or y > y1 + radius:
            return x, y
    return -10 * w, -10 * h  # no room: the object lies outside the field of view


def _draw_distractors(img: np.ndarray, rng: np.random.Generator, keep_out: np.ndarray | None) -> None:
    """Small everyday objects beside the page: none page-sized or card-shaped, so none may be found."""
    h, w = img.shape[:2]
    s = h / 1080.0
    # a pen
    x, y = _free_spot(rng, w, h, keep_out, 430 * s)
    a = rng.uniform(0, np.pi)
    p2 = (int(x + 420 * s * np.cos(a)), int(y - 420 * s * np.sin(a)))
    cv2.line(img, (int(x), int(y)), p2, (0.55, 0.15, 0.1), max(1, int(22 * s)), cv2.LINE_AA)
    # a phone (about 150 × 72 mm): dark glass, rounded
    cx, cy = _free_spot(rng, w, h, keep_out, 260 * s)
    box = cv2.boxPoints(((cx, cy), (216 * s, 450 * s), float(rng.uniform(-30, 30))))
    cv2.fillConvexPoly(img, box.astype(np.int32), (0.09, 0.09, 0.1), cv2.LINE_AA)
    # a yellow sticky note (76 × 76 mm)
    nx, ny = _free_spot(rng, w, h, keep_out, 170 * s)
    note = cv2.boxPoints(((nx, ny), (228 * s, 228 * s), float(rng.uniform(-20, 20))))
    cv2.fillConvexPoly(img, note.astype(np.int32), (0.45, 0.9, 0.97), cv2.LINE_AA)


def _low_res_blob(size: tuple[int, int], at: tuple[float, float], radius: tuple[float, float]) -> np.ndarray:
    """A smooth gaussian blob (computed at 1/8 size: it has no detail to lose)."""
    w, h = size
    sw, sh = max(2, w // 8), max(2, h // 8)
    ys, xs = np.mgrid[0:sh, 0:sw].astype(np.float32)
    blob = np.exp(-(((xs / sw - at[0]) / radius[0]) ** 2 + ((ys / sh - at[1]) / radius[1]) ** 2))
    return cv2.resize(blob.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)


def _light_field(spec: SceneSpec, rng: np.random.Generator) -> np.ndarray:
    w, h = spec.size
    sw, sh = max(2, w // 8), max(2, h // 8)
    ys, xs = np.mgrid[0:sh, 0:sw].astype(np.float32)
    nx, ny = xs / sw - 0.5, ys / sh - 0.5
    ang = np.radians(spec.light_angle_deg)
    light = 1 - spec.light_gradient * (0.5 + (nx * np.cos(ang) + ny * np.sin(ang)))
    light *= 1 - spec.vignette * (nx ** 2 + ny ** 2) * 2
    full = cv2.resize(light.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    if spec.hand_shadow > 0:
        at = (float(rng.uniform(0.2, 0.8)), float(rng.uniform(0.2, 0.8)))
        full *= 1 - spec.hand_shadow * _low_res_blob(spec.size, at, (0.22, 0.3))
    return full


def render_scene(spec: SceneSpec) -> RenderedScene:
    rng = np.random.default_rng(spec.seed)
    w, h = spec.size
    img = _desk_texture(spec)
    if spec.distractors:
        _draw_distractors(img, rng, np.array(spec.corners, np.float32) if spec.corners else None)
    corners: np.ndarray | None = None
    if spec.layout is not None and spec.corners:
        doc = render(spec.layout)
        dst = np.array(spec.corners, np.float32)
        # pre-shrink the flat page close to its on-frame size (area filter), then warp
        target_px_mm = float(np.linalg.norm(dst[1] - dst[0])) / doc.size_mm[0]
        factor = min(1.0, target_px_mm / PX_PER_MM)
        page = doc.image_bgr
        if factor < 0.999:
            page = cv2.resize(page, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
        ph, pw = page.shape[:2]
        # pixel centres: the page spans -0.5 … size-0.5 in its own pixel coordinates
        src = np.array([[-0.5, -0.5], [pw - 0.5, -0.5], [pw - 0.5, ph - 0.5], [-0.5, ph - 0.5]], np.float32)
        hom = cv2.getPerspectiveTransform(src, dst)
        # page and coverage mask in ONE warp (BGRA; alpha = how much of the pixel is page)
        bgra = cv2.cvtColor(np.ascontiguousarray(page), cv2.COLOR_BGR2BGRA)
        both = cv2.warpPerspective(bgra, hom, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
        warped = both[..., :3].astype(np.float32) * (1 / 255)
        mask = both[..., 3].astype(np.float32) * (1 / 255)
        # soft drop shadow a little down-right of the page
        off = int(5 * h / 1080)
        shadow = cv2.GaussianBlur(cv2.resize(mask, (w // 4, h // 4), interpolation=cv2.INTER_AREA), (0, 0),
                                  1.5 * h / 1080)
        shadow = np.roll(cv2.resize(shadow, (w, h)), (off, off), axis=(0, 1))
        img *= cv2.merge([1 - 0.45 * shadow] * 3)
        img = cv2.blendLinear(img, warped, 1 - mask, mask)
        corners = dst
    img *= cv2.merge([_light_field(spec, rng)] * 3)
    if spec.glare > 0:
        img += cv2.merge([_low_res_blob(spec.size, spec.glare_at, (0.07, 0.09)) * spec.glare] * 3)
    if spec.blur_sigma > 0.05:
        img = cv2.GaussianBlur(img, (0, 0), spec.blur_sigma)
    frame = cv2.convertScaleAbs(img, alpha=255.0)
    if spec.noise_sigma > 0:
        # luma noise, shared by the three channels (a third of the cost of per-channel noise)
        noise = np.empty((h, w), np.int16)
        cv2.setRNGSeed(spec.seed)
        cv2.randn(noise, 0, spec.noise_sigma)  # type: ignore[call-overload]
        frame = cv2.add(frame.astype(np.int16), cv2.merge([noise, noise, noise]), dtype=cv2.CV_16S)
        frame = cv2.convertScaleAbs(frame)
    return RenderedScene(frame, corners, spec)
