"""``kiosk-diag printer …`` in the demo profile (simulated receipt printer, local cupsd)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import cv2
import pytest

from kiosk.diag.cli import main


def test_status_json(tmp_data_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("KIOSK__DEVICES__A4__MODE", '"disabled"')
    assert main(["--profile", "demo", "printer", "status", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["receipt"]["status"]["state"] == "online"
    assert "native_qr" in out["receipt"]["capabilities"]["features"]
    assert out["a4"] == {"mode": "disabled"}


def test_unknown_model_is_reported(tmp_data_env: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("KIOSK__DEVICES__A4__MODE", '"disabled"')
    monkeypatch.setenv("KIOSK__DEVICES__PRINTER__MODEL", '"no-such-model"')
    assert main(["--profile", "demo", "printer", "status", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["receipt"]["error_code"] == "PRN-004"


@pytest.mark.parametrize("model", ["generic-58", "generic-80"])
def test_test_receipt_json(tmp_data_env: Path, monkeypatch: pytest.MonkeyPatch,
                           capsys: pytest.CaptureFixture[str], model: str) -> None:
    monkeypatch.setenv("KIOSK__DEVICES__PRINTER__MODEL", f'"{model}"')
    assert main(["--profile", "demo", "printer", "test-receipt", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] and out["bytes"] > 300
    png = Path(out["png"])
    assert png.is_relative_to(tmp_data_env)
    decoded, _, _ = cv2.QRCodeDetector().detectAndDecode(cv2.imread(str(png)))
    assert decoded.endswith("/q/ZW2026112200012345")
    assert "受理回执" in out["lines"]


@pytest.mark.cups
def test_test_a4_json(tmp_data_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    queue = f"KioskA4Diag{os.getpid()}"
    monkeypatch.setenv("KIOSK__DEVICES__A4__QUEUE", f'"{queue}"')
    monkeypatch.setenv("KIOSK__DEVICES__A4__PDF_OUTPUT_DIR", f'"{tmp_data_env / "a4"}"')
    try:
        assert main(["--profile", "demo", "printer", "test-a4", "--json", "--template", "no_criminal_record"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["job_state"] == "completed"
        assert Path(out["output"]).exists() and Path(out["output"]).is_relative_to(tmp_data_env)
        assert out["pdf_bytes"] <= 200_000
    finally:
        subprocess.run(["lpadmin", "-x", queue], check=False, capture_output=True)
        Path(f"/etc/cups/cups-pdf-{queue}.conf").unlink(missing_ok=True)


def test_error_codes_are_listed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["errors", "PRN-050"]) == 0
    assert "不完整" in capsys.readouterr().out
    assert main(["errors", "A4P-003"]) == 0
