"""The document pipeline: pure functions on numpy arrays (BGR uint8 frames).

1. :func:`detect_document` finds the page on a copy about 500 px high (blur, morphological close to
   wipe out the text, Canny, contours, approxPolyDP; fallback: convex hull → minAreaRect), accepts a
   quad only if it is big enough (or card-shaped) with sane corner angles, then refines every edge
   at full resolution (sub-pixel gradient peaks along the edge normal, a robust line fit, corners
   from line intersections).
2. :func:`warp_document` flattens the page from the FULL-resolution frame; an ID-card-shaped quad is
   output at the exact 85.6 × 54 mm aspect.
3. :func:`remove_shadows` divides by a blurred background (dilate + median at 1/4 size), keeping
   colour: a red seal (公章) stays red. :func:`to_black_and_white` thresholds adaptively and keeps
   red seal pixels red.
4. :func:`sharpness` is the variance of the Laplacian at half size, inside the page when known.

Output size and quality (documented for the platform): colour and black-and-white JPEG, quality
``CameraConfig.jpeg_quality`` (85), long side at most ``CameraConfig.output_max_long_side``
(2000 px, an A4 page at about 170 dpi); an ID card at its natural resolution, aspect 85.6:54.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

CARD_ASPECT = 85.6 / 54.0  # ISO/IEC 7810 ID-1, the resident ID card


@dataclass(frozen=True)
class DetectParams:
    detect_height: int = 500
    # A fixed-height 高拍仪 with an A4 field: an A4 page fills ~27% of a 1080p frame, a 户口簿 page
    # ~11%; the ~25% rule of a hand-held scanner would reject booklets, so the default is lower.
    min_area_ratio: float = 0.08
    # ID-card-shaped quads (aspect 1.585 ± tolerance) are accepted from this much smaller area.
    card_min_area_ratio: float = 0.012
    card_aspect_tolerance: float = 0.08
    card_max_area_ratio: float = 0.06  # bigger card-shaped quads are pages, not cards
    min_corner_angle_deg: float = 55.0
    max_corner_angle_deg: float = 125.0
    refine: bool = True
    border_margin: float = 0.006  # corners this close (fraction of the frame) to its edge: cut off


@dataclass(frozen=True)
class Quad:
    corners: np.ndarray  # 4×2 float32: TL, TR, BR, BL in full-frame pixel coordinates
    area_ratio: float
    is_card: bool
    method: str  # "contour", "hull" or "min_area_rect" (+ "+refined")

    def as_list(self) -> list[list[float]]:
        return [[round(float(x), 2), round(float(y), 2)] for x, y in self.corners]


def to_gray(frame: np.ndarray) -> np.ndarray:
    return frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)


def order_corners(pts: np.ndarray) -> np.ndarray:
    """TL, TR, BR, BL: clockwise on screen, starting from the corner nearest the top-left."""
    p = np.asarray(pts, np.float32).reshape(4, 2)
    centre = p.mean(axis=0)
    angles = np.arctan2(p[:, 1] - centre[1], p[:, 0] - centre[0])
    p = p[np.argsort(angles)]  # clockwise on screen (y grows downwards)
    start = int(np.argmin(p.sum(axis=1)))
    return np.roll(p, -start, axis=0)


def corner_angles(pts: np.ndarray) -> list[float]:
    out = []
    for i in range(4):
        a, b, c = pts[i - 1], pts[i], pts[(i + 1) % 4]
        v1, v2 = a - b, c - b
        cos = float(np.dot(v1, v2) / (np.linalg.norm(v1) * np.linalg.norm(v2) + 1e-9))
        out.append(math.degrees(math.acos(max(-1.0, min(1.0, cos)))))
    return out


def quad_sides(pts: np.ndarray) -> tuple[float, float]:
    """Width and height of the flattened page (the longer of each pair of opposite sides)."""
    tl, tr, br, bl = pts
    width = max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl))
    height = max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr))
    return float(width), float(height)


def _classify(pts: np.ndarray, frame_area: float, p: DetectParams) -> tuple[bool, bool]:
    """(acceptable, is_card) for an ordered quad in any coordinate system of ``frame_area``."""
    if not cv2.isContourConvex(pts.astype(np.float32).reshape(-1, 1, 2)):
        return False, False
    angles = corner_angles(pts)
    if min(angles) < p.min_corner_angle_deg or max(angles) > p.max_corner_angle_deg:
        return False, False
    w, h = quad_sides(pts)
    if min(w, h) < 1:
        return False, False
    aspect = max(w, h) / min(w, h)
    if aspect > 4.0:
        return False, False
    area = abs(cv2.contourArea(pts.astype(np.float32))) / frame_area
    is_card = abs(aspect / CARD_ASPECT - 1) <= p.card_aspect_tolerance and area <= p.card_max_area_ratio
    if area >= p.min_area_ratio:
        return True, is_card
    return (is_card and area >= p.card_min_area_ratio), is_card


def _candidates(edges: np.ndarray) -> list[tuple[np.ndarray, str]]:
    contours, _ = cv2.findContours(edges, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    contours = sorted(contours, key=cv2.contourArea, reverse=True)[:10]
    out: list[tuple[np.ndarray, str]] = []
    for c in contours:
        peri = cv2.arcLength(c, True)
        for source, shape in (("contour", c), ("hull", cv2.convexHull(c))):
            for eps in (0.015, 0.025, 0.04):
                approx = cv2.approxPolyDP(shape, eps * peri, True)
                if len(approx) == 4:
                    out.append((approx.reshape(4, 2).astype(np.float32), source))
                    break
        hull = cv2.convexHull(c)
        rect = cv2.minAreaRect(hull)
        rect_area = rect[1][0] * rect[1][1]
        if rect_area > 0 and cv2.contourArea(hull) / rect_area > 0.93:
            out.append((cv2.boxPoints(rect).astype(np.float32), "min_area_rect"))
    return out


def detect_document(frame: np.ndarray, params: DetectParams = DetectParams()) -> Quad | None:
    """The page's corners in ``frame`` (full resolution), or None when no page-like quad is seen."""
    gray = to_gray(frame)
    h, w = gray.shape[:2]
    if min(h, w) < 64:
        return None  # a broken or thumbnail frame: nothing a page could be found in
    # an integer reduction (1080p → 540) takes OpenCV's fast area path: 0.2 ms instead of 7 ms
    k = max(1, round(h / params.detect_height))
    small = cv2.resize(gray, (max(1, w // k), max(1, h // k)), interpolation=cv2.INTER_AREA) if k > 1 else gray
    scale = small.shape[0] / h
    small = cv2.GaussianBlur(small, (5, 5), 0)
    small = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9)))
    edges = cv2.Canny(small, 30, 90)
    edges = cv2.dilate(edges, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    small_area = float(small.shape[0] * small.shape[1])
    best: tuple[tuple[int, float], np.ndarray, bool, str] | None = None
    sh, sw = small.shape[:2]
    margin = max(2.0, params.border_margin * max(sh, sw))
    for pts, method in _candidates(edges):
        ordered = order_corners(pts)
        # something cut off by the frame edge is never a whole document (and a phone half out of
        # the picture can look card-shaped): ask the user to move it into the area instead
        if (ordered[:, 0].min() < margin or ordered[:, 1].min() < margin
                or ordered[:, 0].max() > sw - 1 - margin or ordered[:, 1].max() > sh - 1 - margin):
            continue
        ok, is_card = _classify(ordered, small_area, params)
        if not ok:
            continue
        # polygon fits beat the minAreaRect fallback; among equals the biggest quad wins
        rank = (0 if method == "min_area_rect" else 1, abs(cv2.contourArea(ordered)))
        if best is None or rank > best[0]:
            best = (rank, ordered, is_card, method)
    if best is None:
        return None
    _, pts, is_card, method = best
    full = (pts + 0.5) / scale - 0.5
    if params.refine:
        coarse = max(10.0, 4.0 / scale)
        gray_f = gray.astype(np.float32)
        refined = refine_corners(gray_f, full, search_px=coarse)
        if refined is not None:
            fine = refine_corners(gray_f, refined, search_px=4.0)
            refined = refined if fine is None else fine
        if refined is None:
            return None  # a quad without edge support on all four sides: report, never crop wrongly
        ok, is_card = _classify(refined, float(h * w), params)
        if not ok:
            return None
        full, method = refined, method + "+refined"
    area_ratio = abs(cv2.contourArea(full.astype(np.float32))) / float(h * w)
    return Quad(full.astype(np.float32), float(area_ratio), bool(is_card), method)


def refine_corners(gray: np.ndarray, corners: np.ndarray, search_px: float = 8.0,
                   samples: int = 32) -> np.ndarray | None:
    """Move each edge onto the strongest gradient along its normal (sub-pixel), fit a line per edge
    robustly, and return the four line intersections; None if an edge has too little support."""
    lines = []
    steps = np.arange(-search_px, search_px + 0.25, 0.5, dtype=np.float32)
    img = gray if gray.dtype == np.float32 else gray.astype(np.float32)
    for i in range(4):
        a, b = corners[i].astype(np.float32), corners[(i + 1) % 4].astype(np.float32)
        d = b - a
        length = float(np.linalg.norm(d))
        if length < 8:
            return None
        d /= length
        n = np.array([-d[1], d[0]], np.float32)
        t = np.linspace(0.08, 0.92, samples, dtype=np.float32)
        base = a[None, :] + t[:, None] * (b - a)[None, :]
        pts = base[:, None, :] + steps[None, :, None] * n[None, None, :]
        prof = cv2.remap(img, pts[..., 0].copy(), pts[..., 1].copy(), cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_REPLICATE)
        grad = np.abs(np.diff(prof, axis=1))
        k = np.argmax(grad, axis=1)
        peak = grad[np.arange(samples), k]
        # parabolic sub-pixel position of the peak
        km = np.clip(k, 1, grad.shape[1] - 2)
        g0, g1, g2 = grad[np.arange(samples), km - 1], grad[np.arange(samples), km], grad[np.arange(samples), km + 1]
        denom = g0 - 2 * g1 + g2
        frac = np.divide(0.5 * (g0 - g2), denom, out=np.zeros_like(denom), where=np.abs(denom) > 1e-6)
        offset = steps[0] + (km + np.clip(frac, -0.5, 0.5) + 0.5) * 0.5
        strong = peak >= max(4.0, 0.35 * float(np.median(peak)))
        if strong.sum() < samples // 3:
            return None
        edge_pts = base[strong] + offset[strong, None] * n[None, :]
        vx, vy, x0, y0 = cv2.fitLine(edge_pts.astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        lines.append((np.array([x0, y0]), np.array([vx, vy])))
    out = []
    for i in range(4):
        (p1, d1), (p2, d2) = lines[i - 1], lines[i]
        m = np.array([d1, -d2]).T
        if abs(np.linalg.det(m)) < 1e-6:
            return None
        s = np.linalg.solve(m, p2 - p1)
        out.append(p1 + s[0] * d1)
    refined = np.array(out, np.float32)
    if np.max(np.linalg.norm(refined - corners, axis=1)) > 3 * search_px:
        return None
    return refined


def output_size(quad: Quad, max_long_side: int) -> tuple[int, int]:
    w, h = quad_sides(quad.corners)
    if quad.is_card:
        if w >= h:
            h = w / CARD_ASPECT
        else:
            w = h / CARD_ASPECT
    scale = min(1.0, max_long_side / max(w, h))
    return max(1, round(w * scale)), max(1, round(h * scale))


def warp_document(frame: np.ndarray, quad: Quad, max_long_side: int = 2000) -> np.ndarray:
    """The flattened page from the full-resolution ``frame`` (quad corners in that frame's pixels)."""
    w, h = output_size(quad, max_long_side)
    src = quad.corners.astype(np.float32)
    dst = np.array([[-0.5, -0.5], [w - 0.5, -0.5], [w - 0.5, h - 0.5], [-0.5, h - 0.5]], np.float32)
    m = cv2.getPerspectiveTransform(src, dst)
    return cv2.warpPerspective(frame, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def scale_quad(quad: Quad, sx: float, sy: float) -> Quad:
    """The same quad in a frame of another resolution (preview → full-resolution still)."""
    c = (quad.corners + 0.5) * np.array([sx, sy], np.float32) - 0.5
    return Quad(c.astype(np.float32), quad.area_ratio, quad.is_card, quad.method)


def _odd(n: float) -> int:
    k = max(3, int(n))
    return k if k % 2 else k + 1


def remove_shadows(page: np.ndarray, paper_level: float = 248.0) -> np.ndarray:
    """Divide by an estimate of the paper's brightness (uneven light, hand shadows, glare).

    The background comes from the max of B, G, R (so red ink and coloured paper count as 'bright')
    with the text dilated away and median-smoothed at 1/4 size (a coarser estimate stands in over
    big dark areas such as an ID photo); every channel is divided by the same background, which
    keeps hues: a red seal stays red, a green page stays green. Glare that saturated the sensor
    cannot be recovered: it stays white."""
    h, w = page.shape[:2]
    value = cv2.max(cv2.max(page[..., 0], page[..., 1]), page[..., 2]) if page.ndim == 3 else page
    q = 4
    small = cv2.resize(value, (max(8, w // q), max(8, h // q)), interpolation=cv2.INTER_AREA)
    short = min(small.shape[:2])
    med = min(_odd(short * 0.12), 255)
    # fine: text dilated away, follows shadows and glare closely
    fine_k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (_odd(short * 0.03),) * 2)
    fine = cv2.medianBlur(cv2.dilate(small, fine_k), med)
    # coarse: dark areas up to ~15% of the page (a photo, a filled box) replaced by the paper
    # around them; used only where the fine estimate is far darker (so they are not "brightened away")
    coarse_k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (_odd(short * 0.2),) * 2)
    coarse = cv2.medianBlur(cv2.dilate(small, coarse_k), med)
    est = np.where(fine.astype(np.float32) < 0.55 * coarse, coarse, fine).astype(np.uint8)
    bg = cv2.resize(cv2.GaussianBlur(est, (0, 0), 1.5), (w, h), interpolation=cv2.INTER_LINEAR)
    bg = np.maximum(bg, np.uint8(24))
    if page.ndim == 3:
        bg = cv2.merge([bg, bg, bg])
    flat = cv2.divide(page, bg, scale=paper_level)
    return cv2.LUT(flat, _CONTRAST_LUT)


# After the division paper is ~248 and print mid-grey: a gamma of 1.6 darkens the print (crisper to
# read) and leaves white paper white; applied per channel it keeps red seals red.
_CONTRAST_LUT = np.clip(255.0 * (np.arange(256) / 255.0) ** 1.6 + 0.5, 0, 255).astype(np.uint8)


def red_mask(page_bgr: np.ndarray) -> np.ndarray:
    """Pixels of red ink (seals, red headings): saturated hue near 0°/180°."""
    hsv = cv2.cvtColor(page_bgr, cv2.COLOR_BGR2HSV)
    hue, sat, val = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    mask = (((hue <= 10) | (hue >= 168)) & (sat >= 70) & (val >= 70)).astype(np.uint8) * 255
    return cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))


SEAL_RED_BGR = (40, 30, 210)


def to_black_and_white(page_bgr: np.ndarray, keep_red: bool = True) -> np.ndarray:
    """Adaptive-threshold black on white; red ink painted red when ``keep_red`` (3-channel out)."""
    gray = to_gray(page_bgr)
    block = _odd(min(gray.shape[:2]) / 30)
    bw = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, block, 20)
    # inside big dark areas (a photo) the local mean is dark too: keep them black, not outlined
    bw[gray < 70] = 0
    out = cv2.cvtColor(bw, cv2.COLOR_GRAY2BGR)
    if keep_red and page_bgr.ndim == 3:
        red = red_mask(page_bgr)
        # anti-aliased seal edges are less saturated: widen the mask by a pixel, but only turn
        # black pixels red there (white stays white)
        near = cv2.dilate(red, np.ones((3, 3), np.uint8))
        out[(red > 0) | ((near > 0) & (bw == 0))] = SEAL_RED_BGR
    # the outermost pixels mix paper and desk: the threshold would draw a dashed frame there
    m = max(2, int(0.004 * max(out.shape[:2])))
    out[:m], out[-m:], out[:, :m], out[:, -m:] = 255, 255, 255, 255
    return out


def sharpness(frame: np.ndarray, quad: Quad | None = None) -> float:
    """Variance of the Laplacian at half size (after a 3×3 denoise), inside the page's bounding box
    when known. Simulator at 1080p: sharp pages 650-3000, defocused (σ = 6 px) 25-150."""
    gray = to_gray(frame)
    if quad is not None:
        x, y, w, h = cv2.boundingRect(quad.corners.astype(np.float32))
        x0, y0 = max(0, x), max(0, y)
        crop = gray[y0:y + h, x0:x + w]
        crop = crop[: crop.shape[0] // 2 * 2, : crop.shape[1] // 2 * 2]  # even: the fast 2× area path
        if crop.size >= 64 * 64:
            gray = crop
    if min(gray.shape[:2]) < 8:
        return 0.0  # no picture to speak of
    gray = gray[: gray.shape[0] // 2 * 2, : gray.shape[1] // 2 * 2]
    half = cv2.resize(gray, (max(1, gray.shape[1] // 2), max(1, gray.shape[0] // 2)), interpolation=cv2.INTER_AREA)
    # a light 3×3 blur first: sensor noise alone would otherwise score as "sharp"
    half = cv2.GaussianBlur(half, (3, 3), 0)
    return float(cv2.Laplacian(half, cv2.CV_16S, ksize=3).var())


def encode_jpeg(image: np.ndarray, quality: int = 85) -> bytes:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(quality), cv2.IMWRITE_JPEG_OPTIMIZE, 1])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return buf.tobytes()


def corner_error(found: np.ndarray, truth: np.ndarray) -> float:
    """Largest corner distance after matching the two quads' corners (any rotation of the order)."""
    f = np.asarray(found, np.float32).reshape(4, 2)
    t = order_corners(np.asarray(truth, np.float32))
    f = order_corners(f)
    return float(min(np.max(np.linalg.norm(np.roll(f, k, axis=0) - t, axis=1)) for k in range(4)))
