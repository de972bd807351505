"""Camera self-test checks against the synthetic camera simulators, through the device runner."""

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from kiosk.config import CameraConfig
from kiosk.devices.camera import DocumentSimulator, create_document_camera, create_face_camera, make_runner
from kiosk.diag import checks
from kiosk.diag.checks import CheckContext, CheckResult
from tests.test_diag_checks import config


def run(check_id: str, ctx: CheckContext) -> CheckResult:
    check = next(c for c in checks.discover() if c.id == check_id)
    return checks.run_check(check, ctx)


@pytest.fixture
def doc(tmp_path: Path) -> Iterator[tuple[DocumentSimulator, CheckContext]]:
    device, sim = create_document_camera(CameraConfig(width=960, height=540), pace=False)
    assert sim is not None
    runner = make_runner(device)
    runner.start()
    yield sim, CheckContext(config(tmp_path), devices={"doc_camera": SimpleNamespace(runner=runner)})
    runner.stop()


def test_sharp_test_sheet_passes(doc: tuple[DocumentSimulator, CheckContext]) -> None:
    sim, ctx = doc
    sim.show("form")
    result = run("doc_camera_focus", ctx)
    assert result.ok and result.data["document"] and result.data["sharpness"] >= result.data["threshold"]


def test_without_a_test_sheet_focus_cannot_pass(doc: tuple[DocumentSimulator, CheckContext]) -> None:
    sim, ctx = doc
    sim.show(None)
    result = run("doc_camera_focus", ctx)
    assert not result.ok and result.error_code == "CAM-020" and not result.data["document"]


def test_defocused_camera_fails(doc: tuple[DocumentSimulator, CheckContext]) -> None:
    sim, ctx = doc
    sim.show("form")
    sim.set_defocus(True)
    result = run("doc_camera_focus", ctx)
    # So blurred that the sheet's edges are gone (CAM-020), or found but soft (CAM-021).
    assert not result.ok and result.error_code in ("CAM-020", "CAM-021")
    assert result.data["sharpness"] < result.data["threshold"]


def test_cli_path_lays_a_simulated_test_sheet(tmp_path: Path) -> None:
    result = run("doc_camera_focus", CheckContext(config(tmp_path)))
    assert result.ok and result.data["document"]


def test_unplugged_camera_fails(doc: tuple[DocumentSimulator, CheckContext]) -> None:
    sim, ctx = doc
    sim.unplug()
    result = run("doc_camera_focus", ctx)
    assert not result.ok and result.error_code in ("CAM-001", "CAM-002")


def test_face_camera_cli_path(tmp_path: Path) -> None:
    result = run("face_camera", CheckContext(config(tmp_path)))
    assert result.ok and result.data["faces"] >= 0


def test_face_camera_without_frames_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    device, sim = create_face_camera(CameraConfig(width=640, height=480), pace=False)
    assert sim is not None
    runner = make_runner(device)
    runner.start()
    try:
        monkeypatch.setattr(device.source, "read", lambda: None)  # a camera that opens but shows nothing
        result = run("face_camera", CheckContext(config(tmp_path), devices={"face_camera": SimpleNamespace(runner=runner)}))
        assert not result.ok and result.error_code == "CAM-002"
    finally:
        runner.stop()
