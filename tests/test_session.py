import logging
import stat
from pathlib import Path

import pytest

from kiosk.logs import JsonLineFormatter, MaskingFilter
from kiosk.privacy import REDACTIONS
from kiosk.session import Session

IDENTITY = {"name": "张三丰", "id_number": "110101199003071234",
            "address": "北京市东城区景山前街4号", "nested": {"old_address": "河北省石家庄市长安区"}}


def _masked(message: str) -> str:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, message, None, None)
    MaskingFilter().filter(record)
    return JsonLineFormatter().format(record)


def test_end_wipes_memory_files_and_redactions(tmp_path: Path) -> None:
    s = Session(tmp_path / "tmp")
    first_id = s.id
    assert s.is_empty
    s.set_identity(IDENTITY)
    s.set_answer("phone", "13800138000")
    s.set_answer("reason", "户口本遗失")
    s.set_flag("consent")
    photo = s.hold_bytes(b"\xff\xd8photo-bytes")
    f1 = s.new_temp_file(".jpg", b"jpeg")
    outside = tmp_path / "made-elsewhere.pdf"
    outside.write_bytes(b"%PDF")
    s.add_file(outside)
    temp_dir = s.temp_dir
    assert not s.is_empty
    # While held, the literal strings are masked in every log line, nested ones too.
    line = _masked("citizen 张三丰 moved from 河北省石家庄市长安区, reason 户口本遗失")
    assert "张三丰" not in line and "石家庄" not in line and "户口本遗失" not in line
    assert len(REDACTIONS) >= 4

    ended: list[tuple[str, str]] = []
    s.on_end(lambda sid, reason: ended.append((sid, reason)))
    assert s.end("idle") == first_id

    assert ended == [(first_id, "idle")]
    assert s.id != first_id
    assert s.is_empty and s.identity == {} and s.answers == {} and s.flags == {} and s.files == []
    assert photo == bytearray(len(photo)) and set(photo) == {0}
    assert not f1.exists() and not outside.exists() and not temp_dir.exists()
    assert len(REDACTIONS) == 0


def test_temp_dir_and_files_are_private(tmp_path: Path) -> None:
    s = Session(tmp_path / "tmp")
    f = s.new_temp_file(".png", b"x")
    assert stat.S_IMODE(s.temp_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(f.stat().st_mode) == 0o600
    assert f.parent == s.temp_dir
    s.end()
    # A new visit gets a different directory.
    s.new_temp_file()
    assert s.temp_dir != f.parent


def test_two_sessions_keep_shared_redactions_until_both_end(tmp_path: Path) -> None:
    # Reference counting: the same value held twice stays masked until both let go.
    a, b = Session(tmp_path / "a"), Session(tmp_path / "b")
    a.set_identity({"name": "李四"})
    b.set_identity({"name": "李四"})
    a.end()
    assert "李四" not in _masked("李四")
    b.end()
    assert len(REDACTIONS) == 0


def test_failing_listener_does_not_stop_the_wipe(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    s = Session(tmp_path / "tmp")
    calls: list[str] = []

    def bad(_sid: str, _reason: str) -> None:
        raise RuntimeError("boom")

    s.on_end(bad)
    s.on_end(lambda sid, _r: calls.append(sid))
    f = s.new_temp_file()
    s.end()
    assert calls and not f.exists()
    assert any("listener failed" in r.message for r in caplog.records)


def test_many_sessions_leave_no_directories(tmp_path: Path) -> None:
    s = Session(tmp_path / "tmp")
    for i in range(50):
        s.set_answer("n", f"答案{i}")
        s.new_temp_file(data=b"x" * 100)
        s.end()
    assert list((tmp_path / "tmp").iterdir()) == []
    assert len(REDACTIONS) == 0
