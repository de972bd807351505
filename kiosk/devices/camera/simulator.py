"""Synthetic cameras: the production device code reads them exactly like a real camera.

:class:`DocumentSimulator` is the control object (tests, dev dock): which document lies on the desk
(or none), a shaking hand, an out-of-focus lens, glare, an unplugged camera. Its :meth:`source`
is the :class:`~kiosk.devices.camera.sources.FrameSource` the device reads, paced to the frame rate,
with fresh sensor noise on every frame and the ground-truth corners of the page available to tests.

:class:`FaceSimulator` does the same for the face camera: no face, one, two, dark, blurry, eyes
closed, head turned; ``blink()`` and ``cooperative`` (the simulated person follows the prompts).
"""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

import cv2
import numpy as np

from kiosk.devices.base import Completion, Outcome
from kiosk.devices.camera import codes
from kiosk.devices.camera.sources import FramePacer
from kiosk.devices.camera.synth.desk import RenderedScene, SceneSpec, random_scene, render_scene
from kiosk.devices.camera.synth.documents import Layout
from kiosk.devices.camera.synth.face import FaceSceneSpec, FaceSpec, render_face_scene


class _Noise:
    """Pre-drawn sensor noise, cut at a random offset per frame (cheap at 30 fps): saturating
    uint8 add of the positive part and subtract of the negative part."""

    def __init__(self, size: tuple[int, int], sigma: float, seed: int = 1) -> None:
        w, h = size
        rng = np.random.default_rng(seed)
        tile = rng.normal(0, sigma, (h + h // 4, w + w // 4, 3)).astype(np.float32)
        self.pos = np.clip(tile, 0, 255).astype(np.uint8)
        self.neg = np.clip(-tile, 0, 255).astype(np.uint8)
        self.rng = rng

    def apply(self, frame: np.ndarray) -> np.ndarray:
        h, w = frame.shape[:2]
        if h > self.pos.shape[0] or w > self.pos.shape[1]:
            return frame.copy()
        dy = int(self.rng.integers(self.pos.shape[0] - h + 1))
        dx = int(self.rng.integers(self.pos.shape[1] - w + 1))
        out = cv2.add(frame, np.ascontiguousarray(self.pos[dy:dy + h, dx:dx + w]))
        return cv2.subtract(out, np.ascontiguousarray(self.neg[dy:dy + h, dx:dx + w]))


class _SimSource:
    """Common part of the synthetic sources: pacing, unplug fault, open/close."""

    def __init__(self, size: tuple[int, int], fps: float, pace: bool, still_factor: float = 1.0) -> None:
        self._size = size
        self._still = (int(size[0] * still_factor), int(size[1] * still_factor))
        self._pacer = FramePacer(fps) if pace else None
        self._open = False
        self.unplugged = False
        self.frames_served = 0

    @property
    def frame_size(self) -> tuple[int, int]:
        return self._size

    @property
    def still_size(self) -> tuple[int, int]:
        return self._still

    def open(self) -> Completion[None]:
        if self.unplugged:
            return Completion.failure(Outcome.HARDWARE_ERROR, codes.NOT_FOUND.code, "camera.status.not_found",
                                      "simulated camera unplugged")
        self._open = True
        return Completion.success(None)

    def close(self) -> None:
        self._open = False

    def _ready(self) -> bool:
        if self._pacer is not None:
            self._pacer.wait()
        return self._open and not self.unplugged


class DocumentSimulator:
    """Control object for the synthetic document camera (thread-safe setters)."""

    LAYOUTS = tuple(Layout)

    def __init__(self, size: tuple[int, int] = (1920, 1080), fps: float = 30.0, *, seed: int = 2024,
                 pace: bool = True, still_factor: float = 1.0) -> None:
        self.size = size
        self.fps = fps
        self._lock = threading.Lock()
        self._rng = np.random.default_rng(seed)
        self._layout: Layout | None = None
        self.shaking = False
        self.defocus = False
        self.glare = False
        self._scene: RenderedScene | None = None
        self._dirty = True
        self._noise = _Noise(size, 2.5, seed)
        self._source = SyntheticDocumentSource(self, size, fps, pace, still_factor)

    # --- control (tests, dev dock) ---------------------------------------------------------
    @property
    def layout(self) -> Layout | None:
        return self._layout

    def show(self, layout: Layout | str | None) -> None:
        """Put a document on the desk (a new random placement each time), or clear it (None)."""
        with self._lock:
            self._layout = Layout(layout) if layout else None
            self._dirty = True

    def set_shaking(self, on: bool) -> None:
        self.shaking = on

    def set_defocus(self, on: bool) -> None:
        with self._lock:
            self.defocus = on
            self._dirty = True

    def set_glare(self, on: bool) -> None:
        with self._lock:
            self.glare = on
            self._dirty = True

    def unplug(self) -> None:
        self._source.unplugged = True

    def replug(self) -> None:
        self._source.unplugged = False

    def source(self) -> SyntheticDocumentSource:
        return self._source

    @property
    def truth(self) -> np.ndarray | None:
        """Corners (TL, TR, BR, BL) of the page in the current preview frame, or None."""
        scene = self.scene()
        return None if scene.corners is None else scene.corners.copy()

    # --- rendering -----------------------------------------------------------------------------
    def scene(self) -> RenderedScene:
        with self._lock:
            if self._dirty or self._scene is None:
                spec = random_scene(self._rng, self._layout, self.size, hard=False)
                spec = replace(spec, blur_sigma=6.0 if self.defocus else spec.blur_sigma, noise_sigma=0.0,
                               glare=0.35 if self.glare else 0.0, distractors=self._layout is None)
                self._scene = render_scene(spec)
                self._dirty = False
            return self._scene

    def preview_frame(self) -> np.ndarray:
        frame = self.scene().frame
        if self.shaking:
            dx, dy = self._rng.normal(0, 12, 2)
            angle = float(self._rng.normal(0, 0.8))
            m = cv2.getRotationMatrix2D((self.size[0] / 2, self.size[1] / 2), angle, 1.0)
            m[:, 2] += (dx, dy)
            frame = cv2.warpAffine(frame, m, self.size, borderMode=cv2.BORDER_REPLICATE)
        return self._noise.apply(frame)

    def still_frame(self, size: tuple[int, int]) -> np.ndarray:
        scene = self.scene()
        if size == self.size:
            return self.preview_frame()
        spec: SceneSpec = scene.spec.scaled(size[0] / self.size[0])
        return render_scene(replace(spec, noise_sigma=2.5)).frame

    def status(self) -> dict[str, Any]:
        return {"layout": str(self._layout) if self._layout else None, "shaking": self.shaking,
                "defocus": self.defocus, "glare": self.glare, "unplugged": self._source.unplugged}


class SyntheticDocumentSource(_SimSource):
    def __init__(self, sim: DocumentSimulator, size: tuple[int, int], fps: float, pace: bool,
                 still_factor: float) -> None:
        super().__init__(size, fps, pace, still_factor)
        self.sim = sim

    def read(self) -> np.ndarray | None:
        if not self._ready():
            return None
        self.frames_served += 1
        return self.sim.preview_frame()

    def capture_still(self) -> np.ndarray | None:
        if not self._open or self.unplugged:
            return None
        return self.sim.still_frame(self.still_size)

    def describe(self) -> dict[str, Any]:
        return {"kind": "synthetic-document", "size": list(self._size), "still": list(self._still),
                **self.sim.status()}


class FaceSimulator:
    """Control object for the synthetic face camera."""

    def __init__(self, size: tuple[int, int] = (1280, 720), fps: float = 30.0, *, seed: int = 7,
                 pace: bool = True) -> None:
        self.size = size
        self.faces = 1
        self.dark = False
        self.blurry = False
        self.eyes_closed = False
        self.turned = False
        self.face_width = 0.26
        # The simulated person follows the prompts (blinks or turns when asked) — for the demo.
        self.cooperative = False
        self._blink_frames = 0
        self._turn_frames = 0
        self._rng = np.random.default_rng(seed)
        self._noise = _Noise(size, 2.0, seed)
        self._source = SyntheticFaceSource(self, size, fps, pace)

    def source(self) -> SyntheticFaceSource:
        return self._source

    def blink(self, frames: int = 4) -> None:
        """Close the eyes for ``frames`` frames, then open them."""
        self._blink_frames = frames

    def turn(self, frames: int = 10) -> None:
        self._turn_frames = frames

    def hear(self, prompt_key: str | None) -> None:
        """A cooperative person reacts to a spoken prompt."""
        if not self.cooperative or not prompt_key:
            return
        if prompt_key.endswith("challenge_blink"):
            self.blink(5)
        elif prompt_key.endswith("challenge_turn"):
            self.turn(12)

    def unplug(self) -> None:
        self._source.unplugged = True

    def replug(self) -> None:
        self._source.unplugged = False

    def spec(self) -> FaceSceneSpec:
        closed = self.eyes_closed or self._blink_frames > 0
        yaw = 0.8 if (self.turned or self._turn_frames > 0) else 0.0
        w = self.face_width
        if self.faces == 0:
            faces: tuple[FaceSpec, ...] = ()
        elif self.faces == 1:
            faces = (FaceSpec(0.5, 0.47, w, yaw, closed),)
        else:
            faces = (FaceSpec(0.3, 0.47, w * 0.85, yaw, closed), FaceSpec(0.7, 0.5, w * 0.8, 0.0, False))
        return FaceSceneSpec(size=self.size, faces=faces, light=0.3 if self.dark else 1.0,
                             blur_sigma=6.0 if self.blurry else 0.6)

    def next_frame(self) -> np.ndarray:
        frame = render_face_scene(self.spec())
        self._blink_frames = max(0, self._blink_frames - 1)
        self._turn_frames = max(0, self._turn_frames - 1)
        return self._noise.apply(frame)

    def status(self) -> dict[str, Any]:
        return {"faces": self.faces, "dark": self.dark, "blurry": self.blurry, "eyes_closed": self.eyes_closed,
                "turned": self.turned, "cooperative": self.cooperative, "unplugged": self._source.unplugged}


class SyntheticFaceSource(_SimSource):
    def __init__(self, sim: FaceSimulator, size: tuple[int, int], fps: float, pace: bool) -> None:
        super().__init__(size, fps, pace)
        self.sim = sim

    def read(self) -> np.ndarray | None:
        if not self._ready():
            return None
        self.frames_served += 1
        return self.sim.next_frame()

    def capture_still(self) -> np.ndarray | None:
        return self.read()

    def describe(self) -> dict[str, Any]:
        return {"kind": "synthetic-face", "size": list(self._size), **self.sim.status()}


def scene_for_tests(layout: Layout | None, seed: int, size: tuple[int, int] = (1920, 1080),
                    hard: bool = True) -> RenderedScene:
    """One random scene (the tests' and the bench's corpus)."""
    return render_scene(random_scene(np.random.default_rng(seed), layout, size, hard=hard))
