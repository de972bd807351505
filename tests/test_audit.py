import json
from pathlib import Path

import pytest

from kiosk import audit
from kiosk.diag.cli import main


@pytest.fixture
def audit_file(tmp_path: Path) -> Path:
    path = tmp_path / "audit.jsonl"
    audit.configure(path)
    return path


def test_chain_verifies_and_masks(audit_file: Path) -> None:
    audit.audit("staff.login", actor="M001", staff_id="M001")
    audit.audit("idcard.reveal", actor="T007", id_number="11010519491231002X")
    audit.audit("queue.redrive", actor="M001", application="abc")
    result = audit.verify(audit_file)
    assert result.ok and result.entries == 3
    assert "11010519491231002X" not in audit_file.read_text("utf-8")


@pytest.mark.parametrize("tamper", ["edit", "delete", "swap"])
def test_tampering_is_detected(audit_file: Path, tamper: str) -> None:
    for i in range(5):
        audit.audit("action", actor="M001", n=i)
    lines = audit_file.read_text("utf-8").splitlines()
    if tamper == "edit":
        entry = json.loads(lines[2])
        entry["actor"] = "T999"
        lines[2] = json.dumps(entry, ensure_ascii=False, sort_keys=True)
    elif tamper == "delete":
        del lines[2]
    else:
        lines[1], lines[2] = lines[2], lines[1]
    audit_file.write_text("\n".join(lines) + "\n", "utf-8")
    result = audit.verify(audit_file)
    assert not result.ok
    assert result.first_bad_line == (3 if tamper != "swap" else 2)


def test_cli_verify_exit_codes(audit_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    audit.audit("a", actor="x")
    assert main(["audit", "verify", "--file", str(audit_file)]) == 0
    audit_file.write_text(audit_file.read_text("utf-8").replace('"a"', '"b"'), "utf-8")
    assert main(["audit", "verify", "--file", str(audit_file)]) == 1
    assert "TAMPERED" in capsys.readouterr().out
