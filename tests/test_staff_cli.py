import io
import json
from pathlib import Path

import pytest

from kiosk import audit
from kiosk.diag.cli import main
from kiosk.staff.pins import PinHash, verify_pin
from tests.staff_fixtures import staff_entries


def test_hash_pin_from_stdin_prints_only_the_hash(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("482915\n"))
    assert main(["staff", "hash-pin", "--stdin", "--cost", "10", "--json"]) == 0
    out = capsys.readouterr().out
    assert "482915" not in out
    assert verify_pin("482915", PinHash.parse(json.loads(out)["pin_hash"]))


def test_hash_pin_refuses_bad_pin_and_mismatch(monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("12ab\n"))
    assert main(["staff", "hash-pin", "--stdin"]) == 2
    answers = iter(["123456", "654321"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["staff", "hash-pin"]) == 2
    assert "differ" in capsys.readouterr().err


def _staff_file(tmp_path: Path) -> Path:
    lines = []
    for e in staff_entries():
        lines.append("[[staff]]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in e.items()]
    f = tmp_path / "staff.toml"
    f.write_text("\n".join(lines) + "\n", "utf-8")
    return f


def test_check_list_lockouts_unlock(tmp_data_env: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("KIOSK__STAFF__STAFF_FILE", f'"{_staff_file(tmp_data_env)}"')
    assert main(["staff", "check"]) == 0
    assert main(["staff", "list", "--json"]) == 0
    out = capsys.readouterr().out
    rows = json.loads(out[out.index("["):])
    assert [r["id"] for r in rows] == ["M001", "M002", "T001", "X001"]
    assert "scrypt$" not in out
    lock_file = tmp_data_env / "data" / "staff-lockout.json"
    lock_file.parent.mkdir(parents=True)
    lock_file.write_text(json.dumps({"M001": {"failures": 0, "lockouts": 1, "locked_until": 4e9}}))
    assert main(["staff", "lockouts", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["locked_for_s"] > 0
    assert main(["staff", "unlock", "M001"]) == 0
    assert json.loads(lock_file.read_text()) == {}
    audit_file = tmp_data_env / "logs" / "audit.jsonl"
    assert json.loads(audit_file.read_text().splitlines()[-1])["action"] == "staff.unlock"
    assert audit.verify(audit_file).ok


def test_bad_staff_file_reported(tmp_data_env: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_data_env / "bad.toml"
    bad.write_text('[[staff]]\nid = "M1"\nrole = "manager"\n', "utf-8")
    monkeypatch.setenv("KIOSK__STAFF__STAFF_FILE", f'"{bad}"')
    assert main(["staff", "check"]) == 1
    assert "STF-008" in capsys.readouterr().out
