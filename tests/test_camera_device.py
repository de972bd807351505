"""The camera devices on their runner thread, fed by the simulators and by a replay of files."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import cv2
import numpy as np

from kiosk.config import CameraConfig, FaceCameraConfig
from kiosk.devices.base import DeviceState, Outcome
from kiosk.devices.camera import codes, create_document_camera, create_face_camera, make_runner, pipeline
from kiosk.devices.camera.device import DocumentCamera, PreviewFrame
from kiosk.devices.camera.simulator import scene_for_tests
from kiosk.devices.camera.sources import ReplaySource
from kiosk.devices.camera.synth.documents import Layout
from kiosk.devices.runner import Backoff


def _wait(cond, timeout: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.02)
    return False


def test_auto_capture_on_the_runner_with_throttled_preview() -> None:
    cfg = CameraConfig(stable_frames=4, preview_max_fps=5)
    device, sim = create_document_camera(cfg)  # paced at 30 fps like a real sensor
    assert sim is not None
    sim.show(Layout.MARRIAGE)
    previews: list[tuple[float, PreviewFrame]] = []
    device.on_preview(lambda p: previews.append((time.monotonic(), p)))
    events = []
    device.status_holder.on_event(events.append)
    runner = make_runner(device)
    runner.start()
    try:
        done = runner.submit(device.capture_document, timeout_s=30, label="doc").result(35)
    finally:
        runner.stop()
    assert done.ok and done.value is not None, done
    cap = done.value
    assert cap.auto and cap.quad_found and not cap.is_card
    assert pipeline.corner_error(np.array(cap.corners), sim.truth) < 3.0
    assert events and events[-1].kind == "document_captured" and "color_bytes" in events[-1].summary
    assert all(p.image.shape[1] == cfg.preview_width for _, p in previews)
    # at most preview_max_fps frames a second reach the UI (the camera delivers 30)
    times = [t for t, _ in previews]
    if len(times) >= 3:
        assert (len(times) - 1) / (times[-1] - times[0]) <= cfg.preview_max_fps * 1.2
    assert any(p.outline is not None for _, p in previews)


def test_manual_capture_without_a_document_returns_the_whole_frame() -> None:
    device, sim = create_document_camera(CameraConfig(), pace=False)
    assert sim is not None and device.open().ok
    sim.show(None)
    token_holder = {}

    def press_soon() -> None:
        time.sleep(0.3)
        device.request_manual_capture()

    threading.Thread(target=press_soon, daemon=True).start()
    from kiosk.devices.base import CancelToken

    token_holder["t"] = CancelToken()
    done = device.capture_document(token_holder["t"])
    device.close()
    assert done.ok and done.value is not None
    assert not done.value.quad_found and not done.value.auto
    assert device.last_state is not None and device.last_state.guidance_key == "camera.guide.place_document"


def test_unplugged_camera_goes_to_no_device_and_is_reopened() -> None:
    device, sim = create_document_camera(CameraConfig(), pace=False)
    assert sim is not None
    runner = make_runner(device)
    runner.backoff = Backoff(base_s=0.05, cap_s=0.1)
    device.set_active(True)
    runner.start()
    try:
        assert _wait(lambda: device.status.state is DeviceState.ONLINE)
        sim.unplug()
        assert _wait(lambda: device.status.state is DeviceState.NO_DEVICE)
        assert device.status.error_code in (codes.NO_FRAMES.code, codes.NOT_FOUND.code)
        sim.replug()
        assert _wait(lambda: device.status.state is DeviceState.ONLINE)
    finally:
        runner.stop()


def test_capture_fails_cleanly_when_the_camera_is_gone() -> None:
    device, sim = create_document_camera(CameraConfig(), pace=False)
    assert sim is not None
    sim.unplug()
    opened = device.open()
    assert not opened.ok and opened.error_code == codes.NOT_FOUND.code
    from kiosk.devices.base import NEVER_CANCELLED

    done = device.capture_document(NEVER_CANCELLED)
    assert done.outcome is Outcome.NOT_READY


def test_replay_source_plays_image_files(tmp_path: Path) -> None:
    truth = []
    for i, layout in enumerate((Layout.FORM, Layout.HUKOU)):
        scene = scene_for_tests(layout, 40 + i, hard=False)
        cv2.imwrite(str(tmp_path / f"{i}.png"), scene.frame)
        truth.append(scene.corners)
    (tmp_path / "broken.jpg").write_bytes(b"not a jpeg")
    src = ReplaySource(tmp_path, pace=False)
    assert src.open().ok and src.frame_size == (1920, 1080)
    device = DocumentCamera("doc", src, CameraConfig())
    assert device.open().ok
    from kiosk.devices.base import NEVER_CANCELLED

    results = [device.capture_now(NEVER_CANCELLED) for _ in range(2)]
    for done, corners in zip(results, truth, strict=True):
        assert done.ok and done.value is not None and done.value.quad_found
        assert pipeline.corner_error(np.array(done.value.corners), corners) < 3.0


def test_replay_of_nothing_is_reported(tmp_path: Path) -> None:
    result = ReplaySource(tmp_path / "missing").open()
    assert not result.ok and result.error_code == codes.REPLAY_UNREADABLE.code


def test_face_capture_with_a_cooperative_simulated_person() -> None:
    device, sim = create_face_camera(FaceCameraConfig(liveness_challenge="blink", challenge_timeout_s=20))
    assert sim is not None
    sim.cooperative = True
    prompts: list[str] = []
    device.on_prompt(prompts.append)
    runner = make_runner(device)
    runner.start()
    try:
        done = runner.submit(device.capture_face, timeout_s=30, label="face").result(35)
    finally:
        runner.stop()
    assert done.ok and done.value is not None, done
    assert "camera.voice.challenge_blink" in prompts and prompts[-1] == "camera.voice.done"
    assert done.value.metrics["challenge_passed"] and done.value.jpeg[:2] == b"\xff\xd8"


def test_face_capture_fails_honestly_when_nobody_blinks() -> None:
    device, sim = create_face_camera(FaceCameraConfig(liveness_challenge="blink", challenge_timeout_s=1.5))
    assert sim is not None and device.open().ok
    from kiosk.devices.base import NEVER_CANCELLED

    done = device.capture_face(NEVER_CANCELLED)
    device.close()
    assert done.outcome is Outcome.TIMEOUT
    assert done.error_code == codes.LIVENESS_FAILED.code and done.message_key == "camera.face.challenge_failed"


def test_face_capture_with_two_people_says_so() -> None:
    device, sim = create_face_camera(FaceCameraConfig(challenge_timeout_s=1.0))
    assert sim is not None and device.open().ok
    sim.faces = 2
    from kiosk.devices.base import NEVER_CANCELLED

    done = device.capture_face(NEVER_CANCELLED)
    device.close()
    assert not done.ok and done.message_key == "camera.face.many_faces"
    assert done.error_code == codes.FACE_NOT_CAPTURED.code


def test_capture_uses_the_full_resolution_still() -> None:
    cfg = CameraConfig(still_width=3840, still_height=2160)
    device, sim = create_document_camera(cfg, pace=False)
    assert sim is not None and device.open().ok
    sim.show(Layout.ID_CARD)
    from kiosk.devices.base import NEVER_CANCELLED

    done = device.capture_now(NEVER_CANCELLED)
    device.close()
    assert done.ok and done.value is not None
    cap = done.value
    assert cap.frame_size == (3840, 2160) and cap.is_card
    truth_4k = (sim.truth + 0.5) * 2 - 0.5
    assert pipeline.corner_error(np.array(cap.corners), truth_4k) < 4.0
    # twice the pixels of a 1080p capture of the same card
    assert cap.size[0] > 2 * 0.9 * np.linalg.norm(sim.truth[1] - sim.truth[0])


def _write_video(path: Path, frames: list[np.ndarray], fps: float = 10.0) -> None:
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, (w, h))
    assert writer.isOpened()
    for f in frames:
        writer.write(f)
    writer.release()


def test_opencv_camera_driver_on_a_real_videocapture(tmp_path: Path) -> None:
    """The production OpenCVCamera code against a real cv2.VideoCapture (an MJPEG file stands in for
    /dev/video0, which does not exist here): open, size report, reads, then the stream ends →
    the device reports NO_DEVICE (CAM-002) instead of hanging."""
    from kiosk.devices.base import NEVER_CANCELLED
    from kiosk.devices.camera.sources import OpenCVCamera

    scene = scene_for_tests(Layout.FORM, 21, (1280, 720), hard=False)
    video = tmp_path / "cam.avi"
    _write_video(video, [scene.frame] * 6)
    source = OpenCVCamera(str(video), 1280, 720, 30, backend=cv2.CAP_ANY)
    device = DocumentCamera("doc", source, CameraConfig(width=1280, height=720))
    assert device.open().ok and source.frame_size == (1280, 720)
    done = device.capture_now(NEVER_CANCELLED)
    assert done.ok and done.value is not None and done.value.quad_found
    assert pipeline.corner_error(np.array(done.value.corners), scene.corners) < 4.0  # through MJPEG
    ended = device.capture_document(NEVER_CANCELLED, auto=False)
    assert ended.outcome is Outcome.HARDWARE_ERROR and ended.error_code == codes.NO_FRAMES.code
    assert device.status.state is DeviceState.NO_DEVICE
    device.close()


def test_opencv_camera_that_does_not_exist() -> None:
    from kiosk.devices.camera.sources import OpenCVCamera

    result = OpenCVCamera("/dev/video-none", 1920, 1080, 30).open()
    assert not result.ok and result.error_code == codes.NOT_FOUND.code


def test_replay_source_plays_a_video(tmp_path: Path) -> None:
    frames = [scene_for_tests(layout, 60 + i, (960, 540), hard=False).frame for i, layout in enumerate(Layout)]
    video = tmp_path / "replay.avi"
    _write_video(video, frames)
    src = ReplaySource(video, pace=False)
    assert src.open().ok and src.frame_size == (960, 540)
    got = [src.read() for _ in range(len(frames) + 2)]  # loops at the end
    assert all(g is not None and g.shape == (540, 960, 3) for g in got)
