"""``kiosk-diag camera …`` end to end (simulated cameras, synthetic image files)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.devices.camera import pipeline
from kiosk.devices.camera.simulator import scene_for_tests
from kiosk.devices.camera.synth.documents import Layout
from kiosk.diag.cli import main


def test_scan_prints_corners_sharpness_and_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scene = scene_for_tests(Layout.HUKOU, 9)
    image = tmp_path / "page.jpg"
    cv2.imwrite(str(image), scene.frame, [cv2.IMWRITE_JPEG_QUALITY, 92])
    assert main(["camera", "scan", str(image), "--out", str(tmp_path / "out"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] and data["sharp_enough"] and data["sharpness"] > 300
    assert pipeline.corner_error(np.array(data["corners"]), scene.corners) < 3.0
    assert Path(data["output"]).is_file() and Path(data["output_bw"]).is_file()
    assert cv2.imread(data["output"]) is not None


def test_scan_text_output_and_no_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    image = tmp_path / "desk.png"
    cv2.imwrite(str(image), scene_for_tests(None, 4).frame)
    assert main(["camera", "scan", str(image)]) == 2
    out = capsys.readouterr().out
    assert "CAM-020" in out and "sharpness:" in out and "output:" in out


def test_scan_unreadable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "x.jpg"
    bad.write_bytes(b"\x00garbage")
    assert main(["camera", "scan", str(bad)]) == 1
    assert "cannot read image" in capsys.readouterr().out


def test_list_and_snapshot_with_simulators(tmp_data_env: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK__DEVICES__DOC_CAMERA__STILL_WIDTH", "0")  # 1080p stills: quicker
    assert main(["camera", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [c["name"] for c in listed["configured"]] == ["doc_camera", "face_camera"]
    out = tmp_data_env / "snap"
    assert main(["camera", "snapshot", "--layout", "id_card", "--out", str(out), "--json"]) == 0
    snap = json.loads(capsys.readouterr().out)
    assert snap["simulated"] and snap["quad_found"] and snap["is_card"]
    assert Path(snap["output"]).is_file()
    assert main(["camera", "snapshot", "--which", "face", "--out", str(out), "--json"]) == 0
    face = json.loads(capsys.readouterr().out)
    assert face["faces"] == 1 and Path(face["frame"]).is_file()


def test_error_codes_are_listed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["errors", "CAM-032"]) == 0
    assert "活体" in capsys.readouterr().out
