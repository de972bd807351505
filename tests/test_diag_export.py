import json
import logging
import zipfile
from pathlib import Path

import pytest

from kiosk import audit
from kiosk.diag import bundle, checks, logview, report, snapshot
from kiosk.diag.checks import Check, CheckContext, CheckResult, failed, passed
from kiosk.diag.cli import main
from kiosk.diag.export import ExportError, write_atomically
from kiosk.logs import LOG_FILE_NAME, setup_logging
from kiosk.privacy import REDACTIONS
from tests.diag_helpers import closed_port
from tests.test_diag_checks import config

# Fixture personal data (fictional): none of it may appear in a bundle.
NAME = "欧阳秀兰"
ID_NUMBER = "11010519491231002X"
PHONE = "13912345678"
PAN = "6222021234567890123"
ADDRESS = "河北省石家庄市长安区建设北大街99号"


def seed_logs(log_dir: Path) -> None:
    log_dir.mkdir(parents=True, exist_ok=True)
    # A line written by "an older version" that did not mask (defence in depth must catch it) …
    raw = {"ts": "2026-11-22T09:00:00", "level": "INFO", "logger": "old", "msg": f"read {ID_NUMBER} ok",
           "fields": {"name": NAME, "phone": PHONE, "note": f"card {PAN}"}}
    (log_dir / (LOG_FILE_NAME + ".1")).write_text(json.dumps(raw, ensure_ascii=False) + "\nnot json "
                                                  + PHONE + "\n", "utf-8")
    # … and lines through the real logging path, with the session's literal values registered.
    REDACTIONS.add([NAME, ADDRESS])
    setup_logging(log_dir, also_stderr=False)
    log = logging.getLogger("kiosk.test")
    log.info("citizen %s at %s", NAME, ADDRESS, extra={"fields": {"id_number": ID_NUMBER, "pan": PAN}})
    log.info("phone %s", PHONE)
    for h in list(logging.getLogger().handlers):
        if getattr(h, "_kiosk_handler", False):
            h.flush()
            logging.getLogger().removeHandler(h)
            h.close()


def assert_clean(text: str) -> None:
    for value in (NAME, ID_NUMBER, PHONE, PAN, ADDRESS):
        assert value not in text, f"{value} leaked"


def test_recent_lines_are_remasked(tmp_path: Path) -> None:
    seed_logs(tmp_path)
    REDACTIONS.clear()  # the session ended: literal values no longer registered
    lines = logview.recent_lines(tmp_path, 10)
    assert len(lines) == 4
    text = "\n".join(lines)
    assert ID_NUMBER not in text and PHONE not in text and PAN not in text
    assert NAME not in lines[0]  # a sensitive key is masked even when the value is unknown text
    assert logview.recent_lines(tmp_path, 2) == lines[-2:]
    assert logview.recent_lines(tmp_path / "missing", 5) == []


def test_bundle_contains_no_personal_data(tmp_path: Path) -> None:
    cfg = config(tmp_path, platform__base_url="https://kiosk:hunter2secret@gov.example.invalid")
    log_dir = cfg.path(cfg.paths.log_dir)
    seed_logs(log_dir)
    audit.configure(log_dir / audit.AUDIT_FILE_NAME)
    audit.audit("idcard.read", actor="system", id_number=ID_NUMBER, reason=f"查 {PHONE}")
    REDACTIONS.clear()
    runs = [checks.CheckRun(Check("x", "diag.check_config", lambda c: passed("ok")), passed("ok"))]
    path = bundle.write_bundle(CheckContext(cfg), tmp_path / "b.zip", runs)
    members = bundle.read_bundle(path)
    assert set(members) == {"manifest.json", "selftest.json", "config.json", "staff.json", "devices.json",
                            "queue.json", "audit.json", "logs/kiosk.jsonl"}
    everything = "\n".join(members.values())
    assert_clean(everything)
    assert "hunter2secret" not in everything and "scrypt$" not in everything
    raw_bytes = path.read_bytes()
    assert ID_NUMBER.encode() not in raw_bytes
    manifest = json.loads(members["manifest.json"])
    assert manifest["terminal"] == "T-DEMO-0001" and manifest["versions"]["kiosk"]
    assert manifest["log_lines"] == 4
    assert json.loads(members["audit.json"])["verify"]["ok"] is True
    assert [s["id"] for s in json.loads(members["staff.json"])] == ["M0001", "M0002", "T0042"]


def test_strip_secrets() -> None:
    data = {"platform": {"base_url": "https://u:p@host/x", "client_token": "abc", "ca_file": "/etc/ca.pem"},
            "staff": [{"pin_hash": "scrypt$..."}], "ui": {"ping_interval": 5}}
    clean = snapshot.strip_secrets(data)
    assert clean["platform"] == {"base_url": "https://<removed>@host/x", "client_token": "<removed>",
                                 "ca_file": "/etc/ca.pem"}
    assert clean["staff"][0]["pin_hash"] == "<removed>" and clean["ui"]["ping_interval"] == 5


def test_report_pdf_embeds_cjk_font(tmp_path: Path) -> None:
    runs = [checks.CheckRun(Check("a", "diag.check_config", lambda c: passed("x")), passed("配置正确")),
            checks.CheckRun(Check("b", "diag.check_platform", lambda c: passed("x")),
                            failed("NET-090", "无法连接平台", f"seen {ID_NUMBER}"))]
    pdf = report.render_pdf(CheckContext(config(tmp_path)), runs)
    assert pdf.startswith(b"%PDF") and len(pdf) < 200_000
    assert b"FontFile2" in pdf  # TrueType font program embedded (subset)
    assert ID_NUMBER.encode() not in pdf
    out = report.write_report(CheckContext(config(tmp_path)), tmp_path, runs)  # a directory: USB style
    assert out.parent == tmp_path and out.name.startswith("kiosk-readiness-T-DEMO-0001-") and out.suffix == ".pdf"


def test_export_failure_leaves_nothing(tmp_path: Path) -> None:
    def full_disk(f: object) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(ExportError, match="No space left"):
        write_atomically(tmp_path / "x.zip", full_disk)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ExportError, match="USB"):
        write_atomically(tmp_path / "not-mounted" / "x.zip", lambda f: None)


def test_cli_bundle_report_logs(tmp_data_env: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("KIOSK__PLATFORM__BASE_URL", f'"http://127.0.0.1:{closed_port()}"')
    seed_logs(tmp_data_env / "logs")
    REDACTIONS.clear()
    usb = tmp_data_env / "usb"
    usb.mkdir()
    assert main(["bundle", "--out", str(usb), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["selftest_ok"] is False  # platform down — still exported
    with zipfile.ZipFile(result["path"]) as z:
        text = "\n".join(z.read(n).decode() for n in z.namelist())
    assert_clean(text)
    assert "NET-090" in text
    assert main(["report", "--out", str(usb / "r.pdf")]) == 0
    assert (usb / "r.pdf").read_bytes().startswith(b"%PDF")
    assert main(["bundle", "--out", str(tmp_data_env / "nope" / "b.zip")]) == 1
    assert "USB" in capsys.readouterr().err
    assert main(["logs", "-n", "3"]) == 0
    out = capsys.readouterr().out
    assert len(out.strip().splitlines()) == 3 and PHONE not in out
    actions = [json.loads(x)["action"] for x in (tmp_data_env / "logs" / "audit.jsonl").read_text().splitlines()]
    assert actions == ["diag.bundle_export", "diag.report_export", "diag.view_logs"]


def test_check_result_dict_round_trip() -> None:
    r = CheckResult(False, "s", "d", "NET-090", 1.5, {"a": 1})
    assert json.loads(json.dumps(r.as_dict()))["data"] == {"a": 1}
