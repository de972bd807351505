"""Stable-quad auto-capture: the pure tracker, then the simulator's steady and shaking hands."""

from __future__ import annotations

import numpy as np

from kiosk.devices.camera import pipeline
from kiosk.devices.camera.autocapture import StabilityTracker
from kiosk.devices.camera.pipeline import Quad
from kiosk.devices.camera.simulator import DocumentSimulator
from kiosk.devices.camera.synth.documents import Layout

BASE = np.array([[400, 200], [1400, 210], [1390, 900], [410, 890]], np.float32)


def quad(offset: float = 0.0) -> Quad:
    return Quad(BASE + offset, 0.4, False, "test")


def test_fires_after_n_still_sharp_frames() -> None:
    t = StabilityTracker(frames_required=5, tolerance_px=4, sharpness_threshold=100)
    states = [t.update(quad(0.5 * (i % 2)), 1000) for i in range(7)]
    # frame 1 has no previous frame; frames 2..6 are stable → ready on the 6th update
    assert [s.ready for s in states] == [False, False, False, False, False, True, True]
    assert states[3].guidance_key == "camera.guide.capturing" and 0 < states[3].progress < 1


def test_movement_blur_and_absence_reset_the_count() -> None:
    t = StabilityTracker(frames_required=3, tolerance_px=4, sharpness_threshold=100)
    for _ in range(3):
        t.update(quad(), 1000)
    assert t.update(quad(20), 1000).guidance_key == "camera.guide.hold_still"
    assert t.update(quad(20), 10).guidance_key == "camera.guide.blurry"
    assert t.update(None, 1000).guidance_key == "camera.guide.place_document"
    assert not any(t.update(quad(), 1000).ready for _ in range(3))  # counting starts again
    assert t.update(quad(), 1000).ready


def test_same_page_is_not_captured_twice() -> None:
    t = StabilityTracker(frames_required=2, tolerance_px=4, sharpness_threshold=100)
    for _ in range(3):
        t.update(quad(), 1000)
    t.mark_captured(quad())
    states = [t.update(quad(), 1000) for _ in range(10)]
    assert not any(s.ready for s in states)
    assert states[-1].guidance_key == "camera.guide.next_page"
    # the next page goes down elsewhere → armed again
    moved = [t.update(quad(120), 1000) for _ in range(4)]
    assert moved[-1].ready


def _run(sim: DocumentSimulator, frames: int, tracker: StabilityTracker) -> list[bool]:
    src = sim.source()
    assert src.open().ok
    out = []
    for _ in range(frames):
        frame = src.read()
        assert frame is not None
        q = pipeline.detect_document(frame)
        out.append(tracker.update(q, pipeline.sharpness(frame, q)).ready)
    return out


def test_simulator_steady_page_triggers_and_shaking_hand_never_does() -> None:
    sim = DocumentSimulator(pace=False)
    sim.show(Layout.FORM)
    steady = _run(sim, 10, StabilityTracker(frames_required=6, tolerance_px=6, sharpness_threshold=300))
    assert any(steady)
    sim.set_shaking(True)
    shaky = _run(sim, 12, StabilityTracker(frames_required=6, tolerance_px=6, sharpness_threshold=300))
    assert not any(shaky)


def test_simulator_out_of_focus_never_triggers() -> None:
    sim = DocumentSimulator(pace=False)
    sim.show(Layout.HUKOU)
    sim.set_defocus(True)
    assert not any(_run(sim, 10, StabilityTracker(frames_required=4, tolerance_px=6, sharpness_threshold=300)))
