"""Face analysis (Haar cascades) on drawn faces, quality gates, and the liveness session."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.devices.camera import codes
from kiosk.devices.camera.face import (
    Box,
    FaceAnalysis,
    FaceAnalyzer,
    FaceModelMissing,
    FaceQualityParams,
    FaceSession,
    Phase,
    quality_issue,
)
from kiosk.devices.camera.synth.face import FaceSceneSpec, FaceSpec, render_face_scene

ANALYZER = FaceAnalyzer()


@pytest.fixture(scope="module")
def analyzer() -> FaceAnalyzer:
    return ANALYZER


ONE = FaceSceneSpec()


@pytest.mark.parametrize("spec, expected", [
    (ONE, None),
    (FaceSceneSpec(faces=()), "camera.face.no_face"),
    (FaceSceneSpec(faces=(FaceSpec(0.3, 0.48, 0.2), FaceSpec(0.7, 0.5, 0.2))), "camera.face.many_faces"),
    (FaceSceneSpec(light=0.3), "camera.face.too_dark"),
    (FaceSceneSpec(blur_sigma=6.0), "camera.face.blurry"),
    (FaceSceneSpec(faces=(FaceSpec(0.5, 0.5, 0.11),)), "camera.face.too_far"),
    (FaceSceneSpec(faces=(FaceSpec(0.14, 0.5, 0.2),)), "camera.face.off_centre"),
    (FaceSceneSpec(faces=(FaceSpec(0.5, 0.48, 0.24, eyes_closed=True),)), "camera.face.not_frontal"),
])
def test_quality_gates_on_drawn_faces(analyzer: FaceAnalyzer, spec: FaceSceneSpec, expected: str | None) -> None:
    a = analyzer.analyse(render_face_scene(spec))
    assert quality_issue(a, FaceQualityParams()) == expected, a.summary()


def test_eyes_found_open_and_lost_closed(analyzer: FaceAnalyzer) -> None:
    open_ = analyzer.analyse(render_face_scene(ONE))
    closed = analyzer.analyse(render_face_scene(FaceSceneSpec(faces=(FaceSpec(0.5, 0.48, 0.24, eyes_closed=True),))))
    assert len(open_.faces) == 1 and len(open_.eyes) == 2
    assert len(closed.faces) == 1 and len(closed.eyes) == 0


def test_missing_cascade_files_are_reported(tmp_path: Path) -> None:
    with pytest.raises(FaceModelMissing, match=codes.FACE_MODEL_MISSING.code):
        FaceAnalyzer(tmp_path)


def _frames(analyzer: FaceAnalyzer, script: list[FaceSceneSpec]) -> list[tuple[np.ndarray, FaceAnalysis]]:
    out = []
    for spec in script:
        f = render_face_scene(spec)
        out.append((f, analyzer.analyse(f)))
    return out


CLOSED = FaceSceneSpec(faces=(FaceSpec(0.5, 0.48, 0.24, eyes_closed=True),))


def test_blink_challenge_passes_and_captures_a_jpeg(analyzer: FaceAnalyzer) -> None:
    session = FaceSession("blink", quality_frames=3, confirm_frames=2)
    script = [ONE] * 4 + [CLOSED] * 2 + [ONE] * 3
    steps = [session.feed(f, a, now=i / 15) for i, (f, a) in enumerate(_frames(analyzer, script))]
    voices = [s.voice_key for s in steps if s.voice_key]
    assert voices[:2] == ["camera.voice.hold_still", "camera.voice.challenge_blink"]
    assert steps[-1].phase is Phase.DONE and steps[-1].capture is not None
    cap = steps[-1].capture
    img = cv2.imdecode(np.frombuffer(cap.jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert img.shape[:2] == (cap.height, cap.width)
    assert cap.metrics["challenge_passed"] and cap.metrics["eyes"] == 2 and cap.metrics["faces"] == 1
    payload = cap.to_payload()
    import base64
    import json

    json.dumps(payload)
    assert base64.b64decode(payload["image_base64"]) == cap.jpeg and payload["liveness"]["passed"]


def test_no_blink_times_out_with_the_liveness_code(analyzer: FaceAnalyzer) -> None:
    session = FaceSession("blink", quality_frames=2, timeout_s=1.0)
    frames = _frames(analyzer, [ONE])
    step = None
    for i in range(30):
        f, a = frames[0]
        step = session.feed(f, a, now=i * 0.1)
        if step.phase is Phase.FAILED:
            break
    assert step is not None and step.phase is Phase.FAILED
    assert step.error_code == codes.LIVENESS_FAILED.code and step.prompt_key == "camera.face.challenge_failed"


def test_dark_booth_times_out_with_an_honest_reason(analyzer: FaceAnalyzer) -> None:
    session = FaceSession("blink", timeout_s=0.5)
    f, a = _frames(analyzer, [FaceSceneSpec(light=0.3)])[0]
    steps = [session.feed(f, a, now=i * 0.1) for i in range(8)]
    assert steps[0].issue_key == "camera.face.too_dark"
    assert steps[-1].phase is Phase.FAILED and steps[-1].prompt_key == "camera.face.too_dark"
    assert steps[-1].error_code == codes.FACE_NOT_CAPTURED.code


def _analysis(faces: int = 1, eyes: int = 2, profile: bool = False) -> FaceAnalysis:
    face = Box(500, 200, 300, 300)
    eye_boxes = (Box(560, 280, 60, 60), Box(680, 280, 60, 60))[:eyes]
    return FaceAnalysis((1280, 720), (face,) * faces, eye_boxes if faces else (), profile, 140.0, 1500.0)


def test_turn_challenge_needs_a_profile_between_frontal_views() -> None:
    frame = np.zeros((720, 1280, 3), np.uint8)
    session = FaceSession("turn", quality_frames=2, confirm_frames=1)
    seq = [_analysis()] * 2 + [_analysis(faces=0, eyes=0, profile=True)] * 2 + [_analysis()] * 2
    steps = [session.feed(frame, a, now=i * 0.1) for i, a in enumerate(seq)]
    assert steps[1].prompt_key == "camera.face.challenge_turn"
    assert steps[-1].phase is Phase.DONE


def test_covering_the_camera_is_not_a_blink() -> None:
    frame = np.zeros((720, 1280, 3), np.uint8)
    session = FaceSession("blink", quality_frames=1, timeout_s=2.0)
    seq = [_analysis()] * 2 + [FaceAnalysis((1280, 720), ())] * 3 + [_analysis()] * 3
    steps = [session.feed(frame, a, now=i * 0.1) for i, a in enumerate(seq)]
    assert all(s.phase is Phase.CHALLENGE for s in steps[1:])


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 900), st.integers(1, 900), st.sampled_from([1, 3]), st.integers(0, 2**32 - 1))
def test_garbled_frames_are_no_face_not_a_crash(h: int, w: int, channels: int, seed: int) -> None:
    frame = np.random.default_rng(seed).integers(0, 256, (h, w) if channels == 1 else (h, w, 3), dtype=np.uint8)
    a = ANALYZER.analyse(frame)
    assert quality_issue(a, FaceQualityParams()) is not None or len(a.faces) == 1
