"""The production driver against a real PC/SC stack: pcscd + vsmartcard-vpcd + virtual cards.

Each test module run starts its own pcscd (foreground, private reader.conf.d, vpcd on a free port
pair) unless one is already running, in which case the system one is used (and the pcscd restart
test is skipped, because that pcscd is not ours to restart).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from smartcard import scard
from smartcard.System import readers as pyscard_readers

from kiosk.config import SmartCardConfig
from kiosk.devices.base import DeviceEvent, DeviceState, Outcome
from kiosk.devices.runner import Backoff, DeviceRunner
from kiosk.devices.smartcard import emv, pcscd, ssc, staffcard
from kiosk.devices.smartcard.apdu import ApduChannel
from kiosk.devices.smartcard.driver import CardReading, SmartCardReader
from kiosk.devices.smartcard.vcard import VirtualCardController
from kiosk.devices.smartcard.vcard.catalogue import DEMO_STAFF_MASTER, FIXTURES

MISSING = pcscd.missing_binaries()
pytestmark = [pytest.mark.pcsc, pytest.mark.skipif(MISSING is not None, reason=f"PC/SC stack absent: {MISSING}")]

APDU_TIMEOUT_S = 1.0


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[pcscd.VirtualStack]:
    with pcscd.virtual_stack(tmp_path_factory.mktemp("pcscd")) as s:
        yield s


@pytest.fixture
def cards(stack: pcscd.VirtualStack) -> Iterator[VirtualCardController]:
    controller = VirtualCardController("127.0.0.1", stack.port)
    yield controller
    controller.remove()


class Harness:
    """A started DeviceRunner around the driver, recording its events."""

    def __init__(self, device: SmartCardReader) -> None:
        self.device = device
        self.events: list[DeviceEvent] = []
        self._cond = threading.Condition()
        device.status_holder.on_event(self._record)
        self.runner = DeviceRunner(device, backoff=Backoff(base_s=0.1, cap_s=0.5))
        self.runner.set_idle_task(device.poll)

    def _record(self, event: DeviceEvent) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def wait_event(self, kind: str, after: int = 0, timeout_s: float = 10.0,
                   where: Callable[[DeviceEvent], bool] = lambda _e: True) -> DeviceEvent:
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while True:
                for event in self.events[after:]:
                    if event.kind == kind and where(event):
                        return event
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {kind} event in {timeout_s}s; got {[e.kind for e in self.events]}")
                self._cond.wait(left)

    def wait_until(self, predicate: Callable[[], bool], timeout_s: float = 15.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not met; status {self.device.status}")
            time.sleep(0.02)

    def run(self, fn: Callable[[Any], Any], timeout_s: float = 20.0) -> Any:
        return self.runner.submit(fn, timeout_s=timeout_s).result(timeout_s + 5)


@pytest.fixture
def harness(stack: pcscd.VirtualStack) -> Iterator[Harness]:
    config = SmartCardConfig(reader=stack.reader, apdu_timeout_s=APDU_TIMEOUT_S, auto_identify=False,
                             poll_interval_s=0.1)
    device = SmartCardReader(config, keyring=staffcard.StaffKeyring({1: DEMO_STAFF_MASTER}))
    h = Harness(device)
    h.runner.start()
    h.wait_until(lambda: device.status.state is DeviceState.ONLINE)
    yield h
    h.runner.stop()


def insert(h: Harness, cards: VirtualCardController, name: str, **faults: Any) -> None:
    mark = len(h.events)
    cards.insert(name, **faults)
    h.wait_event("card_inserted", after=mark)


def remove(h: Harness, cards: VirtualCardController) -> None:
    mark = len(h.events)
    cards.remove()
    h.wait_event("card_removed", after=mark)


# --- every scripted card, through the production driver ------------------------------------------

@pytest.mark.parametrize("name", ["unionpay_debit", "unionpay_contactless", "unionpay_t0"])
def test_bank_cards(harness: Harness, cards: VirtualCardController, name: str) -> None:
    insert(harness, cards, name)
    result = harness.run(harness.device.read_bank_card)
    assert result.ok, result
    card: emv.BankCard = result.value
    expected = FIXTURES[name]
    assert (card.pan, card.expiry[:4]) == (expected.pan, expected.expiry[:4])
    assert card.cardholder_name == expected.name.strip(" /")
    assert card.interface == ("contactless" if name == "unionpay_contactless" else "contact")
    assert harness.device.status.state is DeviceState.ONLINE
    remove(harness, cards)


@pytest.mark.parametrize("name", ["ssc_gen1", "ssc_gen2"])
def test_social_security_cards(harness: Harness, cards: VirtualCardController, name: str) -> None:
    insert(harness, cards, name)
    result = harness.run(harness.device.read_social_security_card)
    assert result.ok, result
    card: ssc.SocialSecurityCard = result.value
    expected = FIXTURES[name]
    assert (card.ssn, card.name, card.card_number, card.spec_version, card.region_code, card.gender) == (
        expected.ssn, expected.name, expected.card_number, expected.spec_version, expected.region_code, expected.gender)
    assert card.expiry_date == dt.date(2030, 1, 15)


@pytest.mark.parametrize(("name", "code"), [("ssc_gen3", "PCS-042"), ("ssc_pin", "PCS-040")])
def test_social_security_cards_that_refuse(harness: Harness, cards: VirtualCardController, name: str, code: str) -> None:
    insert(harness, cards, name)
    result = harness.run(harness.device.read_social_security_card)
    assert (result.outcome, result.error_code) == (Outcome.USER_ERROR, code)
    assert result.message_key in ("smartcard.ssc_terminal_auth", "smartcard.ssc_pin_required")


@pytest.mark.parametrize(("name", "ok"), [("staff_manager", True), ("staff_technician", True), ("staff_forged", False)])
def test_staff_cards(harness: Harness, cards: VirtualCardController, name: str, ok: bool) -> None:
    insert(harness, cards, name)
    result = harness.run(harness.device.authenticate_staff_card)
    assert result.ok is ok
    if ok:
        assert (result.value.staff_id, result.value.role) == (FIXTURES[name].staff_id, FIXTURES[name].role)
    else:
        assert result.error_code == "PCS-050"


@pytest.mark.parametrize(("name", "kind"), [("unionpay_debit", "bank"), ("ssc_gen2", "social_security"),
                                            ("staff_manager", "staff")])
def test_identify(harness: Harness, cards: VirtualCardController, name: str, kind: str) -> None:
    insert(harness, cards, name)
    result = harness.run(harness.device.identify)
    assert result.ok and isinstance(result.value, CardReading) and result.value.kind == kind


def test_auto_identify_on_insertion(stack: pcscd.VirtualStack, cards: VirtualCardController) -> None:
    device = SmartCardReader(SmartCardConfig(reader=stack.reader, poll_interval_s=0.1))
    h = Harness(device)
    h.runner.start()
    try:
        cards.insert("ssc_gen1")
        # pcscd may still report the previous test's card for a moment: wait for this card.
        event = h.wait_event("card_identified", where=lambda e: e.payload.ok)
        assert event.payload.value.social_security.ssn == FIXTURES["ssc_gen1"].ssn
        assert event.summary["kind"] == "social_security"
        assert FIXTURES["ssc_gen1"].ssn not in json.dumps(dict(event.summary))
    finally:
        h.runner.stop()


# --- the same cards through plain pyscard -------------------------------------------------------

@pytest.mark.parametrize("name", sorted(set(FIXTURES) - {"mute"}))
def test_every_card_through_pyscard(stack: pcscd.VirtualStack, cards: VirtualCardController, name: str) -> None:
    cards.insert(name)
    reader = next(r for r in pyscard_readers() if str(r) == stack.reader)
    connection = reader.createConnection()
    deadline = time.monotonic() + 5
    while True:
        try:
            connection.connect()
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    try:
        channel = ApduChannel(_pyscard_raw(connection))
        expected = FIXTURES[name]
        if name.startswith("unionpay"):
            card = emv.read_bank_card(channel, emv.TerminalParams(),
                                      contactless=emv.is_contactless_atr(bytes(connection.getATR())))
            assert card.pan == expected.pan
        elif name in ("ssc_gen1", "ssc_gen2"):
            assert ssc.read_social_security_card(channel).ssn == expected.ssn
        elif name.startswith("ssc"):
            with pytest.raises((ssc.TerminalAuthRequired, ssc.PinRequired)):
                ssc.read_social_security_card(channel)
        else:
            keyring = staffcard.StaffKeyring({1: DEMO_STAFF_MASTER})
            if name == "staff_forged":
                with pytest.raises(staffcard.StaffAuthFailed):
                    staffcard.authenticate(channel, keyring)
            else:
                assert staffcard.authenticate(channel, keyring).staff_id == expected.staff_id
    finally:
        connection.disconnect()


def _pyscard_raw(connection: Any) -> Callable[[bytes], bytes]:
    def raw(apdu: bytes) -> bytes:
        data, sw1, sw2 = connection.transmit(list(apdu))
        return bytes(data) + bytes([sw1, sw2])
    return raw


# --- faults -------------------------------------------------------------------------------------

def test_card_pulled_mid_read_is_a_removal(harness: Harness, cards: VirtualCardController) -> None:
    insert(harness, cards, "unionpay_debit", pull_after_apdus=4)
    mark = len(harness.events)
    result = harness.run(harness.device.read_bank_card)
    assert (result.outcome, result.error_code) == (Outcome.USER_ERROR, "PCS-011"), result
    harness.wait_event("card_removed", after=mark)
    assert harness.runner.running and harness.device.status.state is DeviceState.ONLINE
    insert(harness, cards, "unionpay_debit")
    assert harness.run(harness.device.read_bank_card).ok


def test_mute_card_times_out_and_device_recovers(harness: Harness, cards: VirtualCardController) -> None:
    insert(harness, cards, "mute")
    started = time.monotonic()
    result = harness.run(harness.device.read_bank_card)
    elapsed = time.monotonic() - started
    assert (result.outcome, result.error_code) == (Outcome.TIMEOUT, "PCS-012")
    assert elapsed < APDU_TIMEOUT_S + 2.0
    assert harness.device.status.detail["media"] == "mute"
    remove(harness, cards)  # pulling the card releases the stuck PC/SC call
    insert(harness, cards, "ssc_gen2")
    assert harness.run(harness.device.read_social_security_card).ok


def test_read_is_exclusive(harness: Harness, cards: VirtualCardController, stack: pcscd.VirtualStack) -> None:
    insert(harness, cards, "unionpay_debit", apdu_delay_s=0.15)
    job = harness.runner.submit(harness.device.read_bank_card, timeout_s=20)
    # The card has seen an APDU: our exclusive session is connected and mid-read (8 APDUs × 0.15 s).
    harness.wait_until(lambda: cards.apdu_count >= 1, timeout_s=5)
    assert harness.device.status.state is DeviceState.BUSY
    hr, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    try:
        hr, _handle, _proto = scard.SCardConnect(ctx, stack.reader, scard.SCARD_SHARE_SHARED,
                                                scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
        assert hr & 0xFFFFFFFF == 0x8010000B  # SCARD_E_SHARING_VIOLATION while we read
    finally:
        scard.SCardReleaseContext(ctx)
    assert job.result(20).ok


def test_no_card_is_a_clear_result(harness: Harness, cards: VirtualCardController) -> None:
    cards.remove()
    harness.wait_until(lambda: harness.device.status.detail.get("media") == "absent")
    result = harness.run(harness.device.read_bank_card)
    assert (result.outcome, result.error_code) == (Outcome.USER_ERROR, "PCS-010")


def test_pcscd_restart_is_survived(stack: pcscd.VirtualStack, harness: Harness, cards: VirtualCardController) -> None:
    if stack.pcscd is None:
        pytest.skip("pcscd was already running and is not ours to restart")
    insert(harness, cards, "unionpay_debit")
    stack.pcscd.stop()
    try:
        harness.wait_until(lambda: harness.device.status.state is DeviceState.NO_DEVICE)
        assert harness.device.status.error_code in ("PCS-001", "PCS-003"), harness.device.last_fault_detail
    finally:
        stack.pcscd.start()  # the rest of the module needs it, whatever happened above
    harness.wait_until(lambda: harness.device.status.state is DeviceState.ONLINE)
    mark = len(harness.events)
    cards.insert("ssc_gen1")  # the old card's vpcd connection died with pcscd
    harness.wait_event("card_inserted", after=mark)
    assert harness.run(harness.device.read_social_security_card).ok
    assert harness.runner.running


# --- Qt bridge and CLI ----------------------------------------------------------------------------

def test_events_reach_qt_as_signals(qtbot: Any, harness: Harness, cards: VirtualCardController) -> None:
    from kiosk.devices.qtbridge import DeviceBridge

    bridge = DeviceBridge(harness.runner)
    with qtbot.waitSignal(bridge.eventOccurred, timeout=10000,
                          check_params_cb=lambda e: e.kind == "card_inserted"):
        cards.insert("staff_manager")
    with qtbot.waitSignal(bridge.eventOccurred, timeout=10000,
                          check_params_cb=lambda e: e.kind == "card_removed"):
        cards.remove()


def test_diag_card_commands(stack: pcscd.VirtualStack, cards: VirtualCardController, tmp_data_env: Path,
                            monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from kiosk.diag.cli import main

    monkeypatch.setenv("KIOSK__DEVICES__SMARTCARD__START_PCSCD", "false")
    monkeypatch.setenv("KIOSK__DEVICES__SMARTCARD__VPCD_PORT", str(stack.port))
    cards.insert("ssc_gen2")
    time.sleep(0.3)
    assert main(["card", "readers", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert any(r["reader"] == stack.reader and r["card_present"] for r in rows)
    assert main(["card", "read", "--reader", stack.reader, "--json"]) == 0
    masked = capsys.readouterr().out
    assert FIXTURES["ssc_gen2"].ssn not in masked and json.loads(masked)["card"]["kind"] == "social_security"
    assert main(["card", "read", "--reader", stack.reader, "--json", "--reveal"]) == 0
    revealed = json.loads(capsys.readouterr().out)
    assert revealed["card"]["ssn"] == FIXTURES["ssc_gen2"].ssn
    audit_lines = (tmp_data_env / "logs" / "audit.jsonl").read_text().splitlines()
    entry = json.loads(audit_lines[-1])
    assert entry["action"] == "card.reveal" and FIXTURES["ssc_gen2"].ssn not in audit_lines[-1]
    cards.remove()
    time.sleep(0.3)
    assert main(["card", "read", "--reader", stack.reader]) == 1


# --- vendor SDK adapter (a real shared library, built here) --------------------------------------

def _build_vendor_library(tmp_path: Path, answer: str) -> Path:
    import shutil
    import subprocess

    if shutil.which("gcc") is None:
        pytest.skip("gcc absent: cannot build the stand-in vendor library")
    escaped = "".join(f"\\x{b:02x}" for b in answer.encode("gbk"))
    source = tmp_path / "vendor.c"
    source.write_text('#include <string.h>\n'
                      'long iReadCardBas(int iType, char *pOutInfo) {\n'
                      '  if (iType != 3) return -11;\n'
                      f'  strcpy(pOutInfo, "{escaped}");\n'
                      '  return 0;\n}\n')
    library = tmp_path / "libvendor.so"
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(library), str(source)], check=True)
    return library


def test_third_generation_card_through_vendor_sdk(stack: pcscd.VirtualStack, cards: VirtualCardController,
                                                  tmp_path: Path) -> None:
    from kiosk.devices.smartcard.vendor_sdk import VendorSdk

    expected = FIXTURES["ssc_gen3"]
    answer = (f"310106|{expected.ssn}|C00000003|310106D15600000500|测试丙|3B68|3.00|20200115|20300115|T1|D1|")
    library = _build_vendor_library(tmp_path, answer)
    config = SmartCardConfig(reader=stack.reader, auto_identify=False, poll_interval_s=0.1)
    device = SmartCardReader(config, vendor_sdk=VendorSdk(library))
    assert device.capabilities.has("ssc_terminal_auth")
    h = Harness(device)
    h.runner.start()
    try:
        h.wait_until(lambda: device.status.state is DeviceState.ONLINE)
        insert(h, cards, "ssc_gen3")
        result = h.run(device.read_social_security_card)
        assert result.ok, result
        assert (result.value.ssn, result.value.name, result.value.spec_version) == (expected.ssn, "测试丙", "3.00")
        broken = SmartCardReader(config, vendor_sdk=VendorSdk(tmp_path / "missing.so"))
        broken.open()
        failed = broken.read_social_security_card()
        broken.close()
        assert (failed.outcome, failed.error_code) == (Outcome.HARDWARE_ERROR, "PCS-043")
    finally:
        h.runner.stop()
