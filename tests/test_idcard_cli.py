"""``kiosk-diag idcard status|read`` against the simulator over a pty; --reveal is audited."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk import audit
from kiosk.devices.idcard.simulator import IdCardSimulator
from kiosk.diag.cli import main


@pytest.fixture(scope="module")
def sim() -> Iterator[IdCardSimulator]:
    with IdCardSimulator("pty") as s:
        yield s


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["--profile", "demo", *argv])
    return code, capsys.readouterr().out


def test_status(sim: IdCardSimulator, tmp_data_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "idcard", "status", "--port", sim.port, "--json")
    data = json.loads(out)
    assert code == 0 and data["ok"] and data["status"]["state"] == "online"
    assert data["status"]["detail"]["sam_id"] == "05010000202401010000000012345678"
    code, out = run(capsys, "idcard", "status", "--port", sim.port)
    assert code == 0 and "online" in out


def test_read_is_masked_by_default(sim: IdCardSimulator, tmp_data_env: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    sim.insert_card("hebei_male")
    code, out = run(capsys, "idcard", "read", "--port", sim.port, "--json")
    data = json.loads(out)
    assert code == 0 and not data["revealed"]
    assert data["identity"]["id_number"] == "1301**********0014"
    assert data["identity"]["name"] == "张**"
    assert data["identity"]["province"] == "河北省" and data["photo"]["status"] == "unavailable"
    for secret in ("张测试", "130102198805160014", "测试路1号"):
        assert secret not in out
    assert not (tmp_data_env / "logs" / audit.AUDIT_FILE_NAME).exists()


def test_reveal_shows_everything_and_is_audited(sim: IdCardSimulator, tmp_data_env: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    sim.insert_card("foreigner_i_rus")
    code, out = run(capsys, "idcard", "read", "--port", sim.port, "--reveal")
    assert code == 0 and "RUS110075030302" in out and "TESTOVA, DEMO" in out
    audit_file = tmp_data_env / "logs" / audit.AUDIT_FILE_NAME
    entries = [json.loads(line) for line in audit_file.read_text("utf-8").splitlines()]
    assert [e["action"] for e in entries] == ["idcard.read.reveal"]
    assert entries[0]["actor"].startswith("technician:")
    assert "RUS110075030302" not in audit_file.read_text("utf-8")
    assert audit.verify(audit_file).ok


def test_no_card_and_missing_port(sim: IdCardSimulator, tmp_data_env: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    sim.remove_card()
    code, out = run(capsys, "idcard", "read", "--port", sim.port, "--wait", "0.2", "--json")
    assert code == 1 and json.loads(out)["error_code"] == "IDR-080"
    code, out = run(capsys, "idcard", "status", "--port", str(tmp_data_env / "ttyNONE"), "--json")
    data = json.loads(out)
    assert code == 2 and data["error_code"] == "IDR-101" and data["state"] == "noDevice"
    assert data["meaning_zh"] and data["action_en"]


def test_error_codes_are_listed(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "errors", "IDR-060", "--json")
    assert code == 0 and json.loads(out)["meaning_en"] == "SAM self-test failed"


def test_standalone_simulator_process_and_cli(tmp_data_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``python -m kiosk.devices.idcard.simulator`` prints its port; the CLI reads through it."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    proc = subprocess.Popen([sys.executable, "-m", "kiosk.devices.idcard.simulator", "--link", "socket",
                             "--insert", "permit_macao"], cwd=root, env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert proc.stdout is not None and proc.stdin is not None
        port = proc.stdout.readline().strip()
        assert port.startswith("socket://127.0.0.1:")
        code, out = run(capsys, "idcard", "read", "--port", port, "--json")
        data = json.loads(out)
        assert code == 0 and data["identity"]["card_type"] == "residence_permit"
        assert data["identity"]["province"] == "澳门特别行政区"
        proc.stdin.write("quit\n")
        proc.stdin.flush()
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
