import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.app import USAGE, UsageError, main, parse_command_line
from kiosk.qt import QtWidgets

ROOT = Path(__file__).resolve().parent.parent


def test_bad_config_stops_before_any_window(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "site.toml"
    bad.write_text("[ui]\nidle_warning_s = 5\n", encoding="utf-8")
    before = len(QtWidgets.QApplication.topLevelWidgets()) if QtWidgets.QApplication.instance() else 0
    assert main(["--profile", "demo", "--config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "ui.idle_warning_s" in err and "20" in err
    after = len(QtWidgets.QApplication.topLevelWidgets()) if QtWidgets.QApplication.instance() else 0
    assert after == before


def test_command_line_forms_and_mistakes(capsys: pytest.CaptureFixture[str]) -> None:
    line = parse_command_line(["--profile=demo", "--config", "site.toml", "--windowed",
                               "--screenshot-tour", "out", "--exit-when-ready"])
    assert (line.profile, line.config, line.windowed, line.screenshot_tour, line.exit_when_ready,
            line.help) == ("demo", Path("site.toml"), True, Path("out"), True, False)
    empty = parse_command_line([])
    assert (empty.profile, empty.config, empty.windowed, empty.screenshot_tour) == (
        None, None, False, None)
    assert parse_command_line(["--prof", "demo"]).profile == "demo"  # a unique prefix
    for wrong in (["--bogus"], ["--profile"], ["stray"], ["--windowed=yes"]):
        with pytest.raises(UsageError):
            parse_command_line(wrong)
    assert main(["--bogus"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: kiosk") and "--bogus" in err
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out == USAGE and "--screenshot-tour DIR" in out and "exit-when-ready" not in out


def test_unknown_profile_is_a_config_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--profile", "nosuch"]) == 2
    assert "no such profile" in capsys.readouterr().err


def test_run_kiosk_starts_the_demo_to_an_interactive_home(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "KIOSK__PATHS__DATA_DIR": f'"{tmp_path}/data"', "KIOSK__PATHS__LOG_DIR": f'"{tmp_path}/logs"',
           "KIOSK__PATHS__TEMP_DIR": f'"{tmp_path}/tmp"'}
    proc = subprocess.run([sys.executable, str(ROOT / "run_kiosk.py"), "--profile", "demo",
                           "--exit-when-ready"], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "READY" in proc.stdout
    lines = [json.loads(line) for line in
             (tmp_path / "logs" / "kiosk.jsonl").read_text("utf-8").splitlines()]
    assert any(e["msg"] == "kiosk starting" for e in lines)
    assert any(e["msg"] == "screen" and e.get("fields", {}).get("route") == "home" for e in lines)
    # nothing heavy on the start path
    assert "Traceback" not in proc.stderr


HEAVY = ("cv2", "numpy", "sqlalchemy", "requests", "reportlab", "smartcard", "serial", "fastapi")


def test_start_path_imports_nothing_heavy(tmp_path: Path) -> None:
    # Build the demo kiosk up to its home screen in a fresh interpreter and list heavy modules.
    code = (
        "import sys\n"
        "from kiosk.qt import QtWidgets\n"
        "from kiosk.config import load_config\n"
        "from kiosk.app import KioskApp\n"
        "qapp = QtWidgets.QApplication([])\n"
        "app = KioskApp(load_config('demo'), kiosk_mode=True, show_devdock=False)\n"
        "app.window.show(); qapp.processEvents()\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
        "app.close()\n")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "KIOSK__PATHS__TEMP_DIR": f'"{tmp_path}/tmp"'}
    proc = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"
