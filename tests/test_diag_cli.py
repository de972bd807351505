import json

import pytest

from kiosk.diag.cli import main


def test_config_check_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--profile", "demo", "config", "check", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True


def test_config_check_bad_file(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "x.toml"
    bad.write_text("[ui]\nlanguage = 'fr'\n", encoding="utf-8")
    assert main(["--profile", "demo", "--config", str(bad), "config", "check"]) == 3
    assert "ui.language" in capsys.readouterr().err
