import json
import logging
from pathlib import Path

from kiosk.logs import setup_logging
from kiosk.privacy import REDACTIONS, mask_id_number, mask_name, mask_pan, mask_phone, redact_text

ID = "11010519491231002X"
PHONE = "13812345678"
PAN = "6222021234567890128"


def test_maskers() -> None:
    assert mask_id_number(ID) == "1101**********002X"
    assert mask_name("张三丰") == "张**"
    assert mask_phone(PHONE) == "138****5678"
    assert mask_pan(PAN) == "622202*********0128"


def test_redact_text_finds_numbers_in_free_text() -> None:
    text = redact_text(f"id={ID} tel:{PHONE}, card {PAN}.")
    assert ID not in text and PHONE not in text and PAN not in text
    assert "1101" in text  # masked, not deleted: a technician still sees the shape


def test_registered_literals_are_redacted_until_removed() -> None:
    REDACTIONS.add(["王小明", "北京市东城区景山前街4号"])
    assert "王小明" not in redact_text("hello 王小明 at 北京市东城区景山前街4号")
    REDACTIONS.remove(["王小明"])
    assert "王小明" in redact_text("hello 王小明")


def test_log_file_never_holds_personal_data(tmp_path: Path) -> None:
    path = setup_logging(tmp_path, also_stderr=False)
    REDACTIONS.add(["李四"])
    log = logging.getLogger("test.privacy")
    log.info("read card of %s with %s", "李四", ID, extra={"fields": {"name": "李四", "phone": PHONE,
                                                                       "note": f"pan {PAN}"}})
    try:
        raise ValueError(f"bad id {ID}")
    except ValueError:
        log.exception("failed for %s", PHONE)
    for h in logging.getLogger().handlers:
        h.flush()
    raw = path.read_text(encoding="utf-8")
    for secret in (ID, PHONE, PAN, "李四"):
        assert secret not in raw
    lines = [json.loads(line) for line in raw.splitlines()]
    assert lines[0]["fields"]["name"] == "<redacted>"
    assert "ValueError" in lines[1]["exc"]
