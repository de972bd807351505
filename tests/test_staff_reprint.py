"""补打凭条: receipts kept (masked, bounded, memory only) and reprinted on the real printer driver
into the printer simulator (pty), marked as a reprint; unknown references and paper out fail with
clear codes and lose nothing."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from journey_fakes import id_card

from kiosk import audit
from kiosk.config import PrinterConfig
from kiosk.devices.printer import (
    PrinterSimulator,
    ReceiptPrinter,
    get_profile,
    sample_receipt,
    start_printer_runner,
)
from kiosk.devices.printer.layout import render_receipt
from kiosk.devices.qtbridge import DeviceBridge
from kiosk.devices.runner import DeviceRunner
from kiosk.i18n import CATALOGUE
from kiosk.journeys.adapters import ReceiptPrinterGateway
from kiosk.journeys.gateways import ReceiptData, ReceiptEntry
from kiosk.staff import lockout as lk
from kiosk.staff.assisted import AssistedService, ServiceStateStore
from kiosk.staff.auth import Mode, SessionPolicy, StaffAuth
from kiosk.staff.directory import StaffDirectory
from kiosk.staff.receipt_adapter import PrinterReprints
from kiosk.staff.reprints import ReceiptHistory
from tests.staff_fixtures import MANAGER_PIN, FakeCardVerifier, FakeClock, staff_entries

MARK_ZH = CATALOGUE.translate("printer.receipt.reprint_mark", "zh_CN")
AT = datetime(2026, 11, 22, 10, 5)


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_history_keeps_only_what_the_paper_shows_and_is_bounded(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    history = ReceiptHistory(3600.0, 3, clock=clock)
    data = sample_receipt()
    with caplog.at_level(logging.INFO):
        history.record(data, "zh_CN")
    kept = history.get(data.reference)
    assert kept is not None and kept.language == "zh_CN"
    assert kept.data.holder_name == "张**" and kept.data.id_number == "1101**********1234"
    assert data.holder_name not in repr(history.recent()) and data.id_number not in repr(history.recent())
    # Logs carry the reference's last four characters only.
    logged = json.dumps([getattr(r, "fields", {}) for r in caplog.records], ensure_ascii=False)
    assert data.reference not in logged and "…2345" in logged
    # Count: the oldest go first; the same reference again moves to the newest.
    for i in range(1, 4):
        clock.t += 1
        history.record(dataclasses.replace(data, reference=f"ZW-{i}"), "en_US")
    assert [k.data.reference for k in history.recent()] == ["ZW-3", "ZW-2", "ZW-1"]
    history.record(dataclasses.replace(data, reference="ZW-1"), "zh_CN")
    assert [k.data.reference for k in history.recent()] == ["ZW-1", "ZW-3", "ZW-2"]
    # Age: everything older than keep_s is purged (also without anyone reading).
    clock.t += 3600.5
    assert history.purge() == 3 and len(history) == 0 and history.get("ZW-1") is None


def test_reprint_layout_carries_the_copy_mark_and_the_original_does_not() -> None:
    profile = get_profile("generic-80")
    data = sample_receipt()
    original, _ = render_receipt(data, profile)
    copy, _ = render_receipt(data, profile, reprinted_at=AT)
    enc = profile.encoding
    assert data.reference.encode(enc) in original and data.reference.encode(enc) in copy
    assert MARK_ZH.encode(enc) in copy and MARK_ZH.encode(enc) not in original
    assert b"2026-11-22 10:05" in copy
    assert data.id_number.encode(enc) not in copy  # masked on the reprint as on the original


@pytest.fixture
def printer(tmp_path: Path) -> Iterator[tuple[PrinterSimulator, DeviceRunner]]:
    profile = get_profile("generic-80")
    sim = PrinterSimulator(profile, output_dir=tmp_path / "receipts").start()
    device = ReceiptPrinter(PrinterConfig(model="generic-80"), profile, port=sim.port)
    runner = start_printer_runner(device)
    try:
        yield sim, runner
    finally:
        runner.stop()
        device.close()
        sim.stop()


def _journey_receipt() -> ReceiptData:
    from kiosk.catalogue.model import LocalText

    return ReceiptData(kind="application", title=LocalText(zh_CN="受理回执", en_US="Receipt"),
                       entries=(ReceiptEntry(LocalText(zh_CN="社保卡挂失", en_US="Card loss"), "ZW2026112200099001", False),),
                       masked_name="张**", masked_id_number="1301**********0021", printed_at="2026-11-22 09:30")


def _manager_service(tmp_path: Path, reprints: PrinterReprints) -> tuple[AssistedService, Path]:
    audit_file = tmp_path / "audit.jsonl"
    audit.configure(audit_file)
    auth = StaffAuth(StaffDirectory.from_entries(staff_entries()), lk.LockoutStore(tmp_path / "lk.json"),
                     session_policy=SessionPolicy(300, 1800), clock=FakeClock())
    auth.present_card(FakeCardVerifier("CARD-M001"))
    assert auth.login(Mode.ASSISTED, MANAGER_PIN).ok
    return AssistedService(auth, ServiceStateStore(tmp_path / "service.json"), receipts=reprints), audit_file


def test_journey_receipt_is_reprinted_on_the_simulator_as_a_copy(
        printer: tuple[PrinterSimulator, DeviceRunner], tmp_path: Path) -> None:
    sim, runner = printer
    history = ReceiptHistory(3600.0, 10)
    gateway = ReceiptPrinterGateway(runner, runner.device, terminal_id="T-DEMO-0001",  # type: ignore[arg-type]
                                    branch="演示支行", status_url_template="https://example.invalid/q/{reference}",
                                    history=history)
    ident = id_card()
    assert gateway.print_receipt(_journey_receipt(), ident).ok
    assert sim.wait_for_receipts(1, 20)
    original = "\n".join(sim.receipts[0].lines)
    assert "ZW2026112200099001" in original and MARK_ZH not in original
    bridge = DeviceBridge(runner)
    svc, audit_file = _manager_service(tmp_path, PrinterReprints(history, lambda: bridge, clock=lambda: AT))

    # An unknown reference: a clear code, nothing printed.
    r = svc.reprint_receipt("ZW0000000000000000", "群众遗失凭条")
    assert not r.ok and r.error_code == "STF-012" and r.message_key == "staff.err_receipt_unknown"
    assert len(sim.receipts) == 1

    r = svc.reprint_receipt("ZW2026112200099001", "群众遗失凭条")
    assert r.ok, r
    assert sim.wait_for_receipts(2, 20)
    copy = sim.receipts[1]
    text = "\n".join(copy.lines)
    assert "ZW2026112200099001" in text and MARK_ZH in text and "2026-11-22 10:05" in text
    assert CATALOGUE.translate("printer.receipt.reprint_note", "zh_CN") in text
    assert ident.name not in text and ident.id_number not in text
    assert copy.qr_payloads == sim.receipts[0].qr_payloads  # same status link as the original
    entries = [json.loads(x) for x in audit_file.read_text("utf-8").splitlines()]
    last = entries[-1]
    assert last["action"] == "assist.reprint_receipt" and last["actor"] == "M001"
    assert last["fields"]["reason"] == "群众遗失凭条" and last["fields"]["ok"] is True
    assert audit.verify(audit_file).ok


def test_paper_out_fails_clearly_and_the_receipt_stays_for_a_retry(
        printer: tuple[PrinterSimulator, DeviceRunner], tmp_path: Path) -> None:
    sim, runner = printer
    history = ReceiptHistory(3600.0, 10)
    data = sample_receipt()
    history.record(data, "en_US")
    bridge = DeviceBridge(runner)
    svc, _ = _manager_service(tmp_path, PrinterReprints(history, lambda: bridge, clock=lambda: AT))
    sim.set_paper("out")
    r = svc.reprint_receipt(data.reference, "凭条卡纸或缺纸")
    assert not r.ok and r.error_code == "PRN-011" and r.message_key == "printer.status.PRN_011"
    assert sim.receipts == [] and history.get(data.reference) is not None  # nothing lost
    sim.set_paper("ok")
    r = svc.reprint_receipt(data.reference, "凭条卡纸或缺纸")
    assert r.ok, r
    assert sim.wait_for_receipts(1, 20)
    text = "\n".join(sim.receipts[0].lines)
    # Printed in the receipt's own language; the copy mark reads in both.
    assert data.reference in text and CATALOGUE.translate("printer.receipt.reprint_mark", "en_US") in text
    assert "Reprinted" in text


def test_no_printer_is_a_clear_code(tmp_path: Path) -> None:
    history = ReceiptHistory(3600.0, 10)
    history.record(sample_receipt(), "zh_CN")
    svc, _ = _manager_service(tmp_path, PrinterReprints(history, lambda: None))
    r = svc.reprint_receipt(sample_receipt().reference, "凭条卡纸")
    assert not r.ok and r.error_code == "STF-013"
