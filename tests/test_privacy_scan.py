"""Privacy: a demo session with real (simulated) devices leaves no personal data behind.

The test plays the journey's part (it holds what the ID card and the social-security card gave
in ``app.session`` and writes a temp file, as a journey would), prints a receipt with the person's
masked data, ends the session, then scans the data, log and temp directories (and the audit log)
for every test person's name, ID number, address and card numbers in UTF-8, UTF-16LE and GBK.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from kiosk.devices.base import DeviceEvent, DeviceState
from kiosk.diag.privacy_scan import Sensitive, people_values, scan, scanned_files, sensitive_values
from kiosk.logs import setup_logging
from kiosk.soak.ui import widget_texts

pytest_plugins = ("tests.shell_helpers",)

PERSON = "hebei_male"
SSC_CARD = "ssc_gen2"


def _plain(obj: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {k: v for k, v in dataclasses.asdict(obj).items() if isinstance(v, str | int)}
    return {}


@pytest.fixture
def json_logs(tmp_data_env: Path) -> Any:
    log_dir = tmp_data_env / "logs"
    path = setup_logging(log_dir, "DEBUG", also_stderr=False)
    yield path
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_kiosk_handler", False):
            root.removeHandler(h)
            h.close()


def test_a_session_leaves_no_personal_data(make_app: Any, qtbot: QtBot, json_logs: Path,
                                           tmp_data_env: Path, _isolated_audit_log: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from kiosk.devices.smartcard import pcscd

    if pcscd.missing_binaries():
        pytest.skip(f"pcscd/vpcd missing: {pcscd.missing_binaries()}")
    monkeypatch.setenv("KIOSK__DEVICES__SMARTCARD__START_PCSCD", "true")
    app = make_app()
    app.start_devices(only={"idcard", "smartcard", "printer"})
    qtbot.waitUntil(lambda: {"idcard", "smartcard", "printer"} <= set(app.devices), timeout=30000)
    for name in ("idcard", "smartcard", "printer"):
        qtbot.waitUntil(lambda n=name: app.devices[n].runner.device.status.state is DeviceState.ONLINE,
                        timeout=30000)
    events: list[DeviceEvent] = []

    def journey(event: DeviceEvent) -> None:  # what a journey does with a card
        events.append(event)
        if event.kind == "card_read":
            app.session.set_identity(_plain(event.payload.identity))
            app.session.new_temp_file(".json", repr(_plain(event.payload.identity)).encode("utf-8"))
        elif event.kind == "card_identified" and event.payload.value is not None:
            card = event.payload.value.social_security
            if card is not None:
                app.session.set_answer("ssc", _plain(card))
                app.session.new_temp_file(".txt", card.name.encode("gbk"))

    app.devices["idcard"].eventOccurred.connect(journey)
    app.devices["smartcard"].eventOccurred.connect(journey)
    sim = app.simulators["idcard"]
    sim.insert_card(PERSON)
    qtbot.waitUntil(lambda: any(e.kind == "card_read" for e in events), timeout=10000)
    threading.Thread(target=lambda: app.simulators["smartcard"].insert(SSC_CARD), daemon=True).start()
    qtbot.waitUntil(lambda: any(e.kind == "card_identified" for e in events), timeout=20000)

    person = next(e for e in events if e.kind == "card_read").payload.identity
    from kiosk.devices.printer.layout import ReceiptData

    receipt = ReceiptData(terminal_id="T-1", branch="演示支行", item_name="社保查询", holder_name=person.name,
                          id_number=person.id_number, reference="R000001", issued_at=datetime(2026, 11, 22),
                          state="queued", status_url="https://gov-platform.example.invalid/s/R000001")
    printer = app.devices["printer"].runner.device
    done: list[Any] = []
    app.devices["printer"].jobFinished.connect(lambda _j, c: done.append(c))
    app.devices["printer"].submit(lambda token: printer.print_receipt(receipt, token), timeout_s=20)
    qtbot.waitUntil(lambda: bool(done), timeout=20000)
    assert done[0].ok, done[0]

    session_dir = app.session.temp_dir
    assert any(session_dir.iterdir())  # the session really held files
    held = [person.name, person.id_number]
    assert not app.session.is_empty

    app.end_session("idle")  # as the idle timeout does
    sim.remove_card()
    app.simulators["smartcard"].remove()
    qtbot.wait(300)

    # the visit's temp dir is gone and no widget shows the person
    assert not session_dir.exists()
    texts = "\n".join(widget_texts())
    assert not [v for v in held if v in texts]
    # nothing on disk: logs, audit, data dir (receipts), temp dir
    for h in logging.getLogger().handlers:
        h.flush()
    paths = [tmp_data_env / "data", tmp_data_env / "logs", tmp_data_env / "tmp", _isolated_audit_log]
    files = scanned_files(paths)
    assert json_logs in files, files
    assert json_logs.stat().st_size > 0
    hits = scan(paths, sensitive_values())
    assert not hits, "\n".join(map(str, hits))


def test_the_scanner_finds_each_encoding(tmp_path: Path) -> None:
    values = [Sensitive("t.name", "张测试"), Sensitive("t.id", "130102198805160014")]
    (tmp_path / "a.log").write_bytes(b"xx" + "张测试".encode("gbk") + b"yy")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.db").write_bytes(b"\0" * 100 + "130102198805160014".encode("utf-16-le"))
    (tmp_path / "clean.txt").write_text("张** 1301**********0014", encoding="utf-8")
    hits = scan([tmp_path], values)
    assert {(h.path.name, h.label, h.encoding) for h in hits} == {("a.log", "t.name", "gbk"),
                                                                   ("b.db", "t.id", "utf-16-le")}
    assert "130102198805160014" not in "".join(map(str, hits))  # a report never repeats the value


def test_sensitive_values_cover_all_test_people() -> None:
    values = sensitive_values()
    labels = {v.label for v in values}
    assert len(people_values()) >= 12 * 3
    assert {"idcard_people:hebei_male.name", "idcard_people:hebei_male.id_number"} <= labels
    assert any(label.startswith("smartcard:") and label.endswith(".pan") for label in labels)
    assert any(label.startswith("smartcard:") and label.endswith(".ssn") for label in labels)
