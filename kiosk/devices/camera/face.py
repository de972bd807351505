"""Live face capture: detection, quality gates, a liveness challenge and the capture for the platform.

Detector: OpenCV's Haar cascades from ``cv2.data.haarcascades`` (frontal face, eyes, profile).
They ship inside the opencv-python 4.x wheel, load with no download and run in a few ms on a
640-px copy. YuNet (cv2.FaceDetectorYN) is the better detector but needs an ONNX model file that no
PyPI package ships and that cannot be downloaded here; it can replace :class:`FaceAnalyzer` behind the
same :class:`FaceAnalysis` result once the model file is part of the kiosk image.

The kiosk's job is a GOOD live capture: exactly one face, big enough, centred, frontal (two eyes
found, symmetric), sharp, well lit — then a challenge (blink: eyes open → closed → open; turn: a
profile view between frontal views) — then a fresh good frame after the challenge. Verification
against the police photo is the platform's (see :class:`FaceCapture`).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from kiosk.devices.camera import codes

ANALYSIS_WIDTH = 480
EYE_ROI_WIDTH = 150


class FaceModelMissing(RuntimeError):
    """The Haar cascade files are not there (an OpenCV 5 wheel, or a stripped install)."""


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    w: int
    h: int

    @property
    def centre(self) -> tuple[float, float]:
        return self.x + self.w / 2, self.y + self.h / 2

    def as_list(self) -> list[int]:
        return [self.x, self.y, self.w, self.h]


@dataclass(frozen=True)
class FaceAnalysis:
    frame_size: tuple[int, int]  # width, height
    faces: tuple[Box, ...]  # frontal faces in full-frame pixels, biggest first
    eyes: tuple[Box, ...] = ()  # eyes inside the biggest face (full-frame pixels)
    profile: bool = False  # a profile (turned) face seen
    brightness: float = 0.0  # mean grey inside the face (or the frame when no face)
    sharpness: float = 0.0  # variance of the Laplacian of the face scaled to 200 px wide

    @property
    def face(self) -> Box | None:
        return self.faces[0] if self.faces else None

    @property
    def eyes_open(self) -> int:
        return len(self.eyes)

    def summary(self) -> dict[str, Any]:
        return {"faces": len(self.faces), "eyes": len(self.eyes), "profile": self.profile,
                "brightness": round(self.brightness, 1), "sharpness": round(self.sharpness, 1),
                "face_width_ratio": round(self.faces[0].w / self.frame_size[0], 3) if self.faces else 0.0}


@dataclass(frozen=True)
class FaceQualityParams:
    min_width_ratio: float = 0.18
    max_width_ratio: float = 0.75
    max_centre_offset: float = 0.25
    min_brightness: float = 60.0
    max_brightness: float = 215.0
    sharpness_threshold: float = 80.0


class FaceAnalyzer:
    """Haar cascades on a 640-px copy (faces, profile) and on the full-resolution face (eyes)."""

    def __init__(self, cascade_dir: str | Path | None = None) -> None:
        # cv2.data exists in the 4.x wheels (the stubs do not know it)
        base = Path(cascade_dir) if cascade_dir is not None else Path(cv2.data.haarcascades)  # type: ignore[attr-defined]
        self.frontal = self._load(base / "haarcascade_frontalface_default.xml")
        self.eye = self._load(base / "haarcascade_eye.xml")
        self.eye_glasses = self._load(base / "haarcascade_eye_tree_eyeglasses.xml")
        self.profile_face = self._load(base / "haarcascade_profileface.xml")

    @staticmethod
    def _load(path: Path) -> cv2.CascadeClassifier:
        if not path.is_file():
            raise FaceModelMissing(f"{codes.FACE_MODEL_MISSING.code}: {path} not found")
        c = cv2.CascadeClassifier(str(path))
        if c.empty():
            raise FaceModelMissing(f"{codes.FACE_MODEL_MISSING.code}: {path} did not load")
        return c

    def analyse(self, frame: np.ndarray, want_profile: bool = False) -> FaceAnalysis:
        gray = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        h, w = gray.shape
        if min(h, w) < 48:
            return FaceAnalysis((w, h), (), (), False, float(gray.mean()), 0.0)  # a broken frame
        s = min(1.0, ANALYSIS_WIDTH / w)
        small = cv2.resize(gray, (max(1, int(w * s)), max(1, int(h * s))), interpolation=cv2.INTER_AREA) \
            if s < 1 else gray
        eq = cv2.equalizeHist(small)
        min_px = max(24, int(0.1 * small.shape[1]))
        found = self.frontal.detectMultiScale(eq, scaleFactor=1.15, minNeighbors=5, minSize=(min_px, min_px))
        faces = sorted((Box(int(x / s), int(y / s), int(bw / s), int(bh / s)) for x, y, bw, bh in found),
                       key=lambda b: b.w * b.h, reverse=True)
        profile = False
        if want_profile:  # only during the turn challenge: two more cascades per frame
            for img in (eq, cv2.flip(eq, 1)):
                if len(self.profile_face.detectMultiScale(img, 1.15, 5, minSize=(min_px, min_px))):
                    profile = True
                    break
        if not faces:
            return FaceAnalysis((w, h), (), (), profile, float(small.mean()), 0.0)
        f = faces[0]
        roi = gray[max(0, f.y):f.y + f.h, max(0, f.x):f.x + f.w]
        brightness = float(roi.mean())
        face200 = cv2.resize(roi, (200, max(1, int(200 * roi.shape[0] / max(1, roi.shape[1])))),
                             interpolation=cv2.INTER_AREA)
        sharp = float(cv2.Laplacian(face200, cv2.CV_16S, ksize=3).var())
        eyes = self._eyes(roi, f)
        return FaceAnalysis((w, h), tuple(faces), eyes, profile, brightness, sharp)

    def _eyes(self, roi: np.ndarray, f: Box) -> tuple[Box, ...]:
        """Eyes in the upper part of the face, searched on a copy 200 px wide (fast, scale-free)."""
        k = EYE_ROI_WIDTH / max(1, roi.shape[1])
        face = cv2.resize(roi, (EYE_ROI_WIDTH, max(1, int(roi.shape[0] * k))), interpolation=cv2.INTER_AREA)
        upper = cv2.equalizeHist(face[: int(face.shape[0] * 0.6)])
        min_eye, max_eye = EYE_ROI_WIDTH // 9, EYE_ROI_WIDTH // 2
        out: list[Box] = []
        for cascade in (self.eye, self.eye_glasses):
            found = cascade.detectMultiScale(upper, 1.12, 5, minSize=(min_eye, min_eye), maxSize=(max_eye, max_eye))
            out = [Box(f.x + int(x / k), f.y + int(y / k), int(ew / k), int(eh / k)) for x, y, ew, eh in found
                   if y + eh / 2 > 0.15 * face.shape[0]]
            if len(out) >= 2:
                break
        out.sort(key=lambda b: b.w * b.h, reverse=True)
        return tuple(sorted(out[:2], key=lambda b: b.x))


def quality_issue(a: FaceAnalysis, p: FaceQualityParams) -> str | None:
    """The first thing wrong with this frame, as an i18n key (None = a good capture frame)."""
    if not a.faces:
        return "camera.face.not_frontal" if a.profile else "camera.face.no_face"
    f = a.faces[0]
    big = [b for b in a.faces if b.w >= 0.5 * f.w]
    if len(big) > 1:
        return "camera.face.many_faces"
    if a.brightness < p.min_brightness:
        return "camera.face.too_dark"
    if a.brightness > p.max_brightness:
        return "camera.face.too_bright"
    fw, fh = a.frame_size
    ratio = f.w / fw
    if ratio < p.min_width_ratio:
        return "camera.face.too_far"
    if ratio > p.max_width_ratio:
        return "camera.face.too_close"
    cx, cy = f.centre
    if abs(cx / fw - 0.5) > p.max_centre_offset or abs(cy / fh - 0.5) > p.max_centre_offset:
        return "camera.face.off_centre"
    if len(a.eyes) < 2:
        return "camera.face.not_frontal"
    mid = (a.eyes[0].centre[0] + a.eyes[1].centre[0]) / 2
    if abs(mid - cx) > 0.15 * f.w or abs(a.eyes[0].centre[1] - a.eyes[1].centre[1]) > 0.15 * f.h:
        return "camera.face.not_frontal"
    if a.sharpness < p.sharpness_threshold:
        return "camera.face.blurry"
    return None


class Phase(StrEnum):
    QUALITY = "quality"  # waiting for steady good frames
    CHALLENGE = "challenge"  # liveness: blink or turn
    CONFIRM = "confirm"  # a fresh good frame after the challenge
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class FaceCapture:
    """What goes to the platform's face-verification call: a JPEG and how it was obtained."""

    jpeg: bytes
    width: int
    height: int
    metrics: dict[str, Any]  # sharpness, brightness, face_width_ratio, eyes, challenge, … (no image)

    def summary(self) -> dict[str, Any]:
        return {"bytes": len(self.jpeg), "width": self.width, "height": self.height, **self.metrics}

    def to_payload(self) -> dict[str, Any]:
        """JSON-ready body for the platform's face-verification call (the photo is personal data:
        send it, never log it)."""
        import base64

        return {"image_format": "jpeg", "image_base64": base64.b64encode(self.jpeg).decode("ascii"),
                "width": self.width, "height": self.height,
                "liveness": {"challenge": self.metrics.get("challenge"),
                             "passed": bool(self.metrics.get("challenge_passed")),
                             "detector": self.metrics.get("detector")},
                "quality": {k: self.metrics[k] for k in ("sharpness", "brightness", "face_width_ratio", "eyes")
                            if k in self.metrics}}


@dataclass(frozen=True)
class FaceStep:
    phase: Phase
    prompt_key: str  # what the screen says now
    voice_key: str | None = None  # set only when a new spoken prompt is due
    issue_key: str | None = None
    capture: FaceCapture | None = None
    error_code: str | None = None


def crop_head(frame: np.ndarray, face: Box, max_side: int = 640) -> np.ndarray:
    """Head and shoulders around ``face`` (2× its width, 2.4× its height), at most ``max_side``."""
    h, w = frame.shape[:2]
    cx, cy = face.centre
    cw, ch = face.w * 2.0, face.h * 2.4
    x0, x1 = int(max(0, cx - cw / 2)), int(min(w, cx + cw / 2))
    y0, y1 = int(max(0, cy - ch * 0.45)), int(min(h, cy + ch * 0.55))
    crop = frame[y0:y1, x0:x1]
    s = min(1.0, max_side / max(crop.shape[:2]))
    if s < 1:
        crop = cv2.resize(crop, (int(crop.shape[1] * s), int(crop.shape[0] * s)), interpolation=cv2.INTER_AREA)
    return crop


@dataclass
class FaceSession:
    """One capture attempt, fed frame by frame (pure: time is passed in, no I/O)."""

    challenge: str = "blink"  # "blink", "turn", "none" ("random" is resolved by the caller)
    quality: FaceQualityParams = field(default_factory=FaceQualityParams)
    quality_frames: int = 5
    confirm_frames: int = 3
    timeout_s: float = 15.0
    max_closed_s: float = 2.0  # a slow blink by an elderly user still counts
    jpeg_quality: int = 90
    started_at: float | None = None
    phase: Phase = Phase.QUALITY
    _good: int = 0
    _best: tuple[float, np.ndarray, FaceAnalysis] | None = None
    _last_issue: str | None = None
    _prompt: str = ""
    _blink_closed_since: float | None = None
    _turn_frames: int = 0
    _challenge_done: bool = False
    _frames: int = 0
    _last_centre: tuple[float, float] | None = None
    jumps: int = 0  # the face jumped between frames (someone else stepped in?)
    _final: FaceStep | None = None

    @staticmethod
    def resolve_challenge(setting: str, rng: random.Random | None = None) -> str:
        if setting == "random":
            return (rng or random.Random()).choice(["blink", "turn"])
        return setting

    def _say(self, key: str) -> str | None:
        if key != self._prompt:
            self._prompt = key
            return key.replace("camera.face.", "camera.voice.")
        return None

    def _challenge_prompt(self) -> str:
        return "camera.face.challenge_blink" if self.challenge == "blink" else "camera.face.challenge_turn"

    def feed(self, frame: np.ndarray, a: FaceAnalysis, now: float | None = None) -> FaceStep:
        now = time.monotonic() if now is None else now
        if self.started_at is None:
            self.started_at = now
        self._frames += 1
        if self._final is not None:
            return replace(self._final, voice_key=None)
        self._track(a)
        if now - self.started_at > self.timeout_s:
            return self._fail()
        issue = quality_issue(a, self.quality)
        if self.phase is Phase.QUALITY:
            return self._quality_step(frame, a, issue)
        if self.phase is Phase.CHALLENGE:
            return self._challenge_step(a, issue, now)
        return self._confirm_step(frame, a, issue)

    def _track(self, a: FaceAnalysis) -> None:
        if a.face is None:
            return
        c = a.face.centre
        last = self._last_centre
        if last is not None and np.hypot(c[0] - last[0], c[1] - last[1]) > 0.6 * a.face.w:
            self.jumps += 1
        self._last_centre = c

    def _keep_best(self, frame: np.ndarray, a: FaceAnalysis) -> None:
        if self._best is None or a.sharpness > self._best[0]:
            self._best = (a.sharpness, frame.copy(), a)

    def _quality_step(self, frame: np.ndarray, a: FaceAnalysis, issue: str | None) -> FaceStep:
        if issue is not None:
            self._good = 0
            self._best = None
            self._last_issue = issue
            return FaceStep(self.phase, issue, self._say(issue), issue)
        self._good += 1
        self._keep_best(frame, a)
        if self._good < self.quality_frames:
            key = "camera.face.hold_still"
            return FaceStep(self.phase, key, self._say(key))
        if self.challenge == "none":
            return self._finish()
        self.phase = Phase.CHALLENGE
        key = self._challenge_prompt()
        return FaceStep(self.phase, key, self._say(key))

    def _challenge_step(self, a: FaceAnalysis, issue: str | None, now: float) -> FaceStep:
        key = self._challenge_prompt()
        if self.challenge == "blink":
            if a.face is not None and len(a.eyes) == 0 and len(a.faces) == 1:
                if self._blink_closed_since is None:
                    self._blink_closed_since = now
            elif a.face is not None and len(a.eyes) >= 2 and self._blink_closed_since is not None:
                if now - self._blink_closed_since <= self.max_closed_s:
                    self._challenge_done = True
                self._blink_closed_since = None
            elif a.face is None:
                self._blink_closed_since = None  # face lost: covering the camera is not a blink
        else:
            if a.profile:
                self._turn_frames += 1
            elif a.face is not None and len(a.eyes) >= 2 and self._turn_frames >= 2:
                self._challenge_done = True
        if self._challenge_done:
            self.phase = Phase.CONFIRM
            self._good = 0
            self._best = None
            key = "camera.face.look_at_camera"
        return FaceStep(self.phase, key, self._say(key))

    def _confirm_step(self, frame: np.ndarray, a: FaceAnalysis, issue: str | None) -> FaceStep:
        if issue is not None:
            self._good = 0
            self._last_issue = issue
            return FaceStep(self.phase, issue, self._say(issue), issue)
        self._good += 1
        self._keep_best(frame, a)
        if self._good >= self.confirm_frames:
            return self._finish()
        key = "camera.face.look_at_camera"
        return FaceStep(self.phase, key, self._say(key))

    def _finish(self) -> FaceStep:
        assert self._best is not None
        _sharp, frame, a = self._best
        assert a.face is not None
        crop = crop_head(frame, a.face)
        ok, buf = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, self.jpeg_quality])
        if not ok:
            self.phase = Phase.FAILED
            return FaceStep(self.phase, "camera.face.failed", None, None, None, codes.ENCODE_FAILED.code)
        metrics = {**a.summary(), "challenge": self.challenge,
                   "challenge_passed": self.challenge == "none" or self._challenge_done,
                   "frames": self._frames, "face_jumps": self.jumps, "detector": "opencv-haar"}
        capture = FaceCapture(buf.tobytes(), crop.shape[1], crop.shape[0], metrics)
        self.phase = Phase.DONE
        key = "camera.face.done"
        self._final = FaceStep(self.phase, key, self._say(key), None, capture)
        return self._final

    def _fail(self) -> FaceStep:
        stuck_in = self.phase
        self.phase = Phase.FAILED
        if stuck_in is Phase.CHALLENGE:
            key, code = "camera.face.challenge_failed", codes.LIVENESS_FAILED.code
        else:
            key, code = (self._last_issue or "camera.face.no_face"), codes.FACE_NOT_CAPTURED.code
        self._final = FaceStep(self.phase, key, self._say(key), key, None, code)
        return self._final
