"""Staff modes in the running kiosk: gesture/card → login → banner → actions → logout/expiry."""

import json
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from kiosk.devices.base import Completion
from kiosk.screens.assisted import AssistedScreen
from kiosk.screens.diagnostics import SECTIONS, DiagnosticsScreen
from kiosk.screens.staff_login import StaffLoginScreen
from kiosk.staff.auth import Mode
from kiosk.staff.qtfeature import StaffFeature
from tests.staff_fixtures import FakeClock

pytest_plugins = ("tests.shell_helpers",)

TECH_PIN, MANAGER_PIN = "975310", "246810"  # documented demo PINs (config/staff-demo.toml)


def feature(app: Any) -> StaffFeature:
    assert isinstance(app.staff, StaffFeature)
    return app.staff


def audit_actions(tmp: Path) -> list[str]:
    path = tmp / "logs" / "audit.jsonl"
    return [json.loads(x)["action"] for x in path.read_text("utf-8").splitlines()] if path.exists() else []


def type_pin(screen: StaffLoginScreen, pin: str) -> None:
    for digit in pin:
        screen.keypad.press(digit)


def submit(screen: StaffLoginScreen, qtbot: QtBot) -> None:
    """Tap 登录 and wait for the PIN check (it runs off the UI thread)."""
    screen.login_button.click()
    assert not screen.login_button.isEnabled()
    qtbot.waitUntil(screen.login_button.isEnabled, timeout=5000)


def login_technician(app: Any, qtbot: QtBot) -> DiagnosticsScreen:
    """The demo technician T0042 logs in with the PIN; the diagnostics screen is shown."""
    feature(app).open_login(Mode.DIAGNOSTICS)
    login = app.nav.current_screen
    login.staff_id.set_text("T0042")
    type_pin(login, TECH_PIN)
    submit(login, qtbot)
    diag = app.nav.current_screen
    assert isinstance(diag, DiagnosticsScreen)
    return diag


def test_gesture_opens_technician_login_and_wrong_pin_is_cleared(make_app: Any, tmp_data_env: Path,
                                                               qtbot: QtBot) -> None:
    app = make_app()
    app.window.technicianGestureDetected.emit()
    screen = app.nav.current_screen
    assert isinstance(screen, StaffLoginScreen) and screen.mode is Mode.DIAGNOSTICS
    screen.staff_id.set_text("T0042")
    type_pin(screen, "111111")
    submit(screen, qtbot)
    assert screen.pin.text() == ""  # never kept
    assert "还可以再试4次" in screen.pin.error.text()
    assert app.nav.current_route == "staff_login" and not feature(app).banner.isVisible()
    assert audit_actions(tmp_data_env)[-1] == "staff.login_failed"


def test_technician_login_banner_and_logout(make_app: Any, tmp_data_env: Path, qtbot: QtBot) -> None:
    app = make_app()
    f = feature(app)
    f.open_login(Mode.DIAGNOSTICS)
    screen = app.nav.current_screen
    screen.staff_id.set_text("T0042")
    type_pin(screen, TECH_PIN)
    submit(screen, qtbot)
    assert app.nav.current_route == "diagnostics"
    assert f.banner.isVisible() and f.banner.mode_label.text() == "运维模式"
    assert "T0042" in f.banner.who_label.text()
    # Going home keeps the staff session and the banner.
    app.nav.home()
    assert f.banner.isVisible()
    f.banner.exit_button.click()
    assert not f.banner.isVisible() and f.auth.session is None
    assert audit_actions(tmp_data_env)[-1] == "staff.logout"


def test_staff_screens_unreachable_without_login(make_app: Any, qtbot: QtBot) -> None:
    app = make_app()
    app.nav.push("diagnostics")
    assert app.nav.current_route == "staff_login"
    app.nav.home()
    app.nav.push("assisted")
    assert app.nav.current_route == "staff_login"
    assert app.nav.current_screen.mode is Mode.ASSISTED


def test_manager_card_then_pin_then_actions(make_app: Any, tmp_data_env: Path, qtbot: QtBot) -> None:
    app = make_app()
    f = feature(app)
    app.session.set_answer("item", "社保缴费证明")  # a citizen is being served
    base_timeout = app.idle.timeout_s
    f.card_result(Completion.success("M0001"))
    screen = app.nav.current_screen
    assert isinstance(screen, StaffLoginScreen) and screen.mode is Mode.ASSISTED
    assert "M0001" in screen.card_status.text()
    type_pin(screen, MANAGER_PIN)
    submit(screen, qtbot)
    panel = app.nav.current_screen
    assert isinstance(panel, AssistedScreen)
    assert f.banner.mode_label.text() == "协办模式"
    panel.buttons["extend"].click()
    assert app.idle.timeout_s == base_timeout + 300
    assert "延长" in panel.result.text()
    assert app.session.flags["assisted_by"] == [{"staff": "M0001", "action": "extend_timeout", "reason": None}]
    # Manual identity: the dialog insists on a reason, then records it on the citizen's session.
    panel.buttons["manual_identity"].click()
    assert panel.dialog.isVisible()
    panel.dialog.confirm.click()
    assert panel.dialog.isVisible() and panel.dialog.field.error.text()
    panel.dialog._preset_buttons[0].click()
    panel.dialog.confirm.click()
    assert not panel.dialog.isVisible()
    assert app.session.flags["identity_manual"]["staff"] == "M0001"
    # Queue not wired in this build: a clear refusal, no crash.
    panel.buttons["queue"].click()
    assert "STF-010" in panel.result.text()
    actions = audit_actions(tmp_data_env)
    assert actions[-4:] == ["staff.login", "assist.extend_timeout", "assist.manual_identity", "assist.view_queue"]
    # The citizen's visit ends: the manager is logged out and the timeout is back to normal.
    app.end_session("finished")
    assert f.auth.session is None and not f.banner.isVisible()
    assert app.idle.timeout_s == base_timeout


def test_pause_shows_out_of_service_until_resumed(make_app: Any, tmp_data_env: Path,
                                                 qtbot: QtBot) -> None:
    app = make_app()
    f = feature(app)
    f.card_result(Completion.success("M0001"))
    type_pin(app.nav.current_screen, MANAGER_PIN)
    submit(app.nav.current_screen, qtbot)
    panel = app.nav.current_screen
    panel.buttons["pause"].click()
    panel.dialog._preset_buttons[0].click()
    panel.dialog.confirm.click()
    assert f.service_state.state.paused
    f.logout()
    qtbot.waitUntil(lambda: app.nav.current_route == "paused")
    app.nav.home()  # a citizen cannot get past it
    qtbot.waitUntil(lambda: app.nav.current_route == "paused")
    # Resume from the panel.
    f.card_result(Completion.success("M0001"))
    type_pin(app.nav.current_screen, MANAGER_PIN)
    submit(app.nav.current_screen, qtbot)
    app.nav.current_screen.buttons["pause"].click()  # now labelled 恢复服务
    assert not f.service_state.state.paused
    assert "assist.resume" in audit_actions(tmp_data_env)


def test_pause_survives_restart(make_app: Any, qtbot: QtBot) -> None:
    from kiosk.staff.assisted import ServiceState

    first = make_app()
    feature(first).service_state.set(ServiceState(True, "维修", "T0042"))
    second = make_app()
    qtbot.waitUntil(lambda: second.nav.current_route == "paused")


def test_staff_session_expires_on_inactivity(make_app: Any, tmp_data_env: Path, qtbot: QtBot) -> None:
    app = make_app()
    f = feature(app)
    clock = FakeClock()
    f.auth.clock = clock
    f.open_login(Mode.DIAGNOSTICS)
    screen = app.nav.current_screen
    screen.staff_id.set_text("T0042")
    type_pin(screen, TECH_PIN)
    submit(screen, qtbot)
    assert app.nav.current_route == "diagnostics"
    clock.advance(app.config.staff.idle_timeout_s + 1)
    f.tick()
    assert f.auth.session is None and not f.banner.isVisible()
    assert app.nav.current_route == "home"
    assert audit_actions(tmp_data_env)[-1] == "staff.session_expired"


def test_diagnostics_runs_checks_off_the_ui_thread_and_exports(make_app: Any, tmp_data_env: Path,
                                                                qtbot: QtBot) -> None:
    app = make_app()
    diag = login_technician(app, qtbot)
    diag.run_checks(["system"])
    qtbot.waitUntil(lambda: "audit_chain" in diag.results, timeout=10000)
    assert diag.results["config"].ok
    assert diag.check_table.item(0, 1).text().endswith("通过")
    diag.nav_list.setCurrentRow(SECTIONS.index("logs"))
    diag.nav_list.setCurrentRow(SECTIONS.index("config"))  # secrets removed, shown as JSON
    assert json.loads(diag.config_text.toPlainText())["terminal"]["id"] == "T-DEMO-0001"
    usb = tmp_data_env / "usb"
    usb.mkdir()
    diag.export_path.set_text(str(usb))
    diag.export("report")
    qtbot.waitUntil(lambda: any(usb.glob("kiosk-readiness-*.pdf")), timeout=20000)
    qtbot.waitUntil(lambda: "diag.report_export" in audit_actions(tmp_data_env), timeout=5000)
    qtbot.waitUntil(lambda: "已导出" in diag.status.text(), timeout=5000)
    actions = audit_actions(tmp_data_env)
    for a in ("diag.enter", "diag.selftest", "diag.view_logs", "diag.view_config"):
        assert a in actions


def test_devdock_panel_presents_demo_cards(make_app: Any, qtbot: QtBot) -> None:
    from kiosk.devdock.panels.staff import build_panel
    from kiosk.qt import QtWidgets

    app = make_app()
    panel = build_panel(app)
    assert panel is not None
    buttons = panel.findChildren(QtWidgets.QPushButton)
    buttons[0].click()  # staff card M0001
    screen = app.nav.current_screen
    assert isinstance(screen, StaffLoginScreen) and screen.mode is Mode.ASSISTED
    assert "M0001" in screen.card_status.text()
    buttons[3].click()  # an unrecognised card: the remembered card is dropped
    assert feature(app).auth.card_staff_id() is None
    panel.deleteLater()


def test_staff_card_from_the_card_reader_opens_the_manager_login(make_app: Any, qtbot: QtBot) -> None:
    from kiosk.devices.base import DeviceEvent, Outcome
    from kiosk.devices.smartcard.driver import CardReading
    from kiosk.devices.smartcard.staffcard import StaffCardIdentity
    from kiosk.qt import QObject, Signal

    class FakeBridge(QObject):
        eventOccurred = Signal(object)

        def __init__(self) -> None:
            super().__init__()
            self.runner = type("R", (), {"device": object()})()

    app = make_app()
    bridge = FakeBridge()
    app.devices["smartcard"] = bridge
    app.devicesBuilt.emit([])
    f = feature(app)
    bridge.eventOccurred.emit(DeviceEvent("card_inserted", {}, {}))
    assert app.nav.current_route == "home"
    reading = Completion.success(CardReading("staff", staff=StaffCardIdentity("M0001", "lobby_manager", 1)))
    bridge.eventOccurred.emit(DeviceEvent("card_identified", reading, {}))
    screen = app.nav.current_screen
    assert isinstance(screen, StaffLoginScreen) and screen.mode is Mode.ASSISTED
    assert f.auth.card_staff_id() == "M0001"
    # A card whose challenge-response failed is rejected (and audited), not remembered.
    bridge.eventOccurred.emit(DeviceEvent("card_identified",
                                          Completion.failure(Outcome.USER_ERROR, "PCS-050"), {}))
    assert f.auth.card_staff_id() is None


def test_runner_verifier_runs_the_challenge_on_the_reader_thread() -> None:
    import threading

    from kiosk.devices.base import CancelToken, Capabilities, DeviceState, DeviceStatus, Outcome, StatusHolder
    from kiosk.devices.runner import DeviceRunner
    from kiosk.devices.smartcard.staffcard import StaffCardIdentity
    from kiosk.staff.qtfeature import RunnerStaffVerifier

    class Reader:
        name = "smartcard"

        def __init__(self) -> None:
            self.status_holder = StatusHolder()
            self.threads: list[str] = []
            self.fail = False

        @property
        def capabilities(self) -> Capabilities:
            return Capabilities("smartcard")

        @property
        def status(self) -> DeviceStatus:
            return self.status_holder.status

        def open(self) -> Completion[None]:
            self.status_holder.update(DeviceState.ONLINE)
            return Completion.success(None)

        def close(self) -> None:
            pass

        def authenticate_staff_card(self, token: CancelToken) -> Completion[StaffCardIdentity]:
            self.threads.append(threading.current_thread().name)
            if self.fail:
                return Completion.failure(Outcome.USER_ERROR, "PCS-050")
            return Completion.success(StaffCardIdentity("T0042", "technician", 1))

    reader = Reader()
    runner = DeviceRunner(reader)
    runner.start()
    try:
        verifier = RunnerStaffVerifier(runner, timeout_s=3)
        assert verifier.verify_staff_card().value == "T0042"
        reader.fail = True
        assert verifier.verify_staff_card().error_code == "PCS-050"
        assert reader.threads == ["device-smartcard", "device-smartcard"]
    finally:
        runner.stop()


def test_queue_lists_and_redrive_once_the_queue_is_wired(make_app: Any, tmp_data_env: Path, qtbot: QtBot) -> None:
    from tests.test_staff_queue_adapter import QueueLike

    app = make_app()
    f = feature(app)
    f.card_result(Completion.success("M0001"))
    type_pin(app.nav.current_screen, MANAGER_PIN)
    submit(app.nav.current_screen, qtbot)
    panel = app.nav.current_screen
    panel.buttons["dead_letters"].click()
    assert "STF-010" in panel.result.text()  # not wired yet
    queue = QueueLike()
    app.offline_queue = queue
    panel.buttons["dead_letters"].click()
    assert panel.table.rowCount() == 1 and panel.table.item(0, 2).text() == "李**"
    assert "13912345678" not in panel.table.item(0, 5).text()
    panel.table.selectRow(0)
    panel.redrive_button.click()
    panel.dialog._preset_buttons[0].click()
    panel.dialog.confirm.click()
    assert queue.redriven == ["u-2"] and "重新提交" in panel.result.text()
    assert audit_actions(tmp_data_env)[-1] == "assist.redrive"


def test_virtual_staff_card_on_the_real_pcsc_stack_logs_a_manager_in(make_app: Any, tmp_data_env: Path,
                                                                     qtbot: QtBot) -> None:
    """End to end: the demo's virtual staff card in vpcd → pcscd → the card reader's challenge-
    response → the manager login → PIN → assisted mode. A forged card is refused."""
    import os
    import shutil

    from kiosk.devices.base import DeviceState

    if shutil.which("pcscd") is None and not os.path.exists("/usr/sbin/pcscd"):
        pytest.skip("pcscd is not installed")
    app = make_app()
    app.start_devices(only={"smartcard"})
    qtbot.waitUntil(lambda: "smartcard" in app.devices, timeout=15_000)
    qtbot.waitUntil(lambda: app.devices["smartcard"].runner.device.status.state is DeviceState.ONLINE,
                    timeout=15_000)
    cards = app.simulators["smartcard"]
    try:
        cards.insert("staff_forged")
        qtbot.waitUntil(lambda: "staff.card_rejected" in audit_actions(tmp_data_env), timeout=10_000)
        assert app.nav.current_route == "home"
        cards.remove()
        cards.insert("staff_manager")
        qtbot.waitUntil(lambda: app.nav.current_route == "staff_login", timeout=10_000)
        screen = app.nav.current_screen
        assert screen.mode is Mode.ASSISTED and "M0001" in screen.card_status.text()
        type_pin(screen, MANAGER_PIN)
        submit(screen, qtbot)
        assert app.nav.current_route == "assisted" and feature(app).banner.isVisible()
    finally:
        cards.remove()


def test_reprint_from_the_assisted_screen_on_the_printer_simulator(make_app: Any, tmp_data_env: Path,
                                                                   qtbot: QtBot) -> None:
    """补打凭条 end to end: the kept receipts are listed (masked), the chosen one is printed again by
    the real driver into the simulator off the UI thread, marked as a reprint, audited and recorded
    on the citizen's visit; paper out gives the printer's code and the receipt can be retried."""
    from kiosk.devices.base import DeviceState
    from kiosk.devices.printer import sample_receipt
    from kiosk.i18n import tr

    app = make_app()
    app.start_devices(only={"printer"})
    qtbot.waitUntil(lambda: "printer" in app.devices, timeout=30_000)
    qtbot.waitUntil(lambda: app.devices["printer"].runner.device.status.state is DeviceState.ONLINE,
                    timeout=30_000)
    sim: Any = app.simulators["printer"]
    data = sample_receipt()
    app.receipt_history.record(data, "zh_CN")  # what the journeys' printer gateway does
    f = feature(app)
    f.card_result(Completion.success("M0001"))
    type_pin(app.nav.current_screen, MANAGER_PIN)
    submit(app.nav.current_screen, qtbot)
    panel = app.nav.current_screen
    assert isinstance(panel, AssistedScreen)
    # First tap: the list of receipts printed here, masked.
    panel.buttons["reprint"].click()
    assert panel.list_kind == "receipts" and panel.table.rowCount() == 1
    assert panel.table.item(0, 0).text() == data.reference
    assert panel.table.item(0, 2).text() == "张**" and panel.table.item(0, 3).text() == "1101**********1234"
    assert not panel.dialog.isVisible() and audit_actions(tmp_data_env)[-1] == "assist.view_receipts"
    assert panel.table.currentRow() == -1 and panel.result.text() == tr("staff.pick_receipt")
    panel.table.selectRow(0)
    panel.buttons["reprint"].click()
    assert panel.dialog.isVisible()
    panel.dialog._preset_buttons[0].click()
    panel.dialog.confirm.click()
    # The print runs on a worker; the UI thread is back at once with the buttons held.
    assert not panel.buttons["reprint"].isEnabled()
    qtbot.waitUntil(lambda: panel.buttons["reprint"].isEnabled(), timeout=30_000)
    assert tr("staff.done_reprint") in panel.result.text()
    assert sim.wait_for_receipts(1, 20)
    text = "\n".join(sim.receipts[-1].lines)
    assert data.reference in text and tr("printer.receipt.reprint_mark") in text
    assert app.session.flags["assisted_by"][-1] == {"staff": "M0001", "action": "reprint_receipt",
                                                    "reason": tr("staff.preset_paper_jam")}
    assert audit_actions(tmp_data_env)[-1] == "assist.reprint_receipt"
    # Paper out: the printer's code on the screen, nothing printed, the receipt still there.
    sim.set_paper("out")
    panel.table.selectRow(0)
    panel.buttons["reprint"].click()
    panel.dialog._preset_buttons[1].click()
    panel.dialog.confirm.click()
    qtbot.waitUntil(lambda: panel.buttons["reprint"].isEnabled(), timeout=30_000)
    assert "PRN-011" in panel.result.text() and tr("printer.status.PRN_011") in panel.result.text()
    assert len(sim.receipts) == 1 and app.receipt_history.get(data.reference) is not None
