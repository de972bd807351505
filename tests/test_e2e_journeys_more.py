"""More journeys end to end through the real app: simulated devices on real links, the reference
platform on loopback behind its fault proxy, the real offline queue."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from pytestqt.qtbot import QtBot

from kiosk.journeys.engine import StepKind
from kiosk.journeys.gateways import Application
from kiosk.journeys.identity import Identity
from kiosk.qt import QtWidgets
from kiosk.screens.journey_support import services
from platform_server.faultproxy import FaultRule
from tests.e2e_helpers import _click, _row, _start_devices, _step, start_live_app

if TYPE_CHECKING:
    from tests.shell_helpers import AppFactory

pytest_plugins = ("tests.shell_helpers",)


@pytest.fixture
def live_app(make_app: AppFactory, qtbot: QtBot) -> Any:
    return start_live_app(make_app, qtbot)

SHANGHAI_ID = "310104199211030029"  # shanghai_female, 李样例


def _start_as_li_yangli(app: Any, qtbot: QtBot, item_id: str) -> None:
    """李样例 places her ID card, opens the item and starts its journey."""
    app.simulators["idcard"].insert_card("shanghai_female")
    qtbot.waitUntil(lambda: services(app).identity is not None, timeout=10_000)
    app.nav.push("item", target=item_id)
    _click(app, qtbot, "StartJourney")


def _labels(app: Any) -> list[str]:
    QtWidgets.QApplication.processEvents()
    return [lb.text() for lb in app.nav.current_screen.findChildren(QtWidgets.QLabel)
            if lb.isVisible()]


def test_progress_query_shows_platform_cases_and_the_locally_queued_one(
        live_app: Any, qtbot: QtBot) -> None:
    app = live_app
    # An application made earlier at this kiosk while the platform was unreachable waits in the
    # real offline queue (through the app's queue gateway, as the journey runner enqueues).
    app.set_platform_offline(True)
    queue_gateway = services(app).controller.runner.queue
    queued = queue_gateway.enqueue(Application(
        application_id="e2e-progress-0001", item_id="sh.sb.cbcx", catalogue_version="test",
        identity=Identity(method="id_card", id_number=SHANGHAI_ID, name="李样例"),
        answers=(("phone", "13812345678"),), materials=()))
    assert queued.ok
    app.simulators["idcard"].insert_card("shanghai_female")
    qtbot.waitUntil(lambda: services(app).identity is not None, timeout=10_000)
    # The platform is back but the item has not gone out yet: hold the sync worker so it cannot
    # deliver it before the query (its backoff after the failed try is random).
    app.offline_queue.worker.stop()
    app.set_platform_offline(False)
    app.nav.push("item", target="sh.bj.cx")
    _click(app, qtbot, "StartJourney")
    qtbot.waitUntil(lambda: _step(app) is StepKind.RESULTS, timeout=20_000)
    qtbot.waitUntil(lambda: len(services(app).controller.state.cases) >= 2, timeout=20_000)
    cases = services(app).controller.state.cases
    local = [c for c in cases if c.local]
    remote = [c for c in cases if not c.local]
    assert [c.reference for c in local] == [queued.value]
    assert local[0].status == "queued"
    # the demo platform holds 李样例's cases (case numbers ZW…), status from the platform
    assert remote and all(c.reference.startswith("ZW") for c in remote)
    shown = "\n".join(_labels(app))
    assert queued.value in shown and remote[0].reference in shown
    assert "参保" in shown  # the queued item is named in Chinese
    _click(app, qtbot, "JourneyFinish")


def test_appointment_booked_at_a_hall_with_a_slot_from_the_platform(
        live_app: Any, qtbot: QtBot) -> None:
    app = live_app
    printer_sim = app.simulators["printer"]
    receipts_before = len(printer_sim.receipts)
    _start_as_li_yangli(app, qtbot, "sh.gjj.yy")
    # the halls come from the reference platform
    qtbot.waitUntil(lambda: _step(app) is StepKind.HALL and bool(
        services(app).controller.state.halls), timeout=20_000)
    hall = services(app).controller.state.halls[0]
    assert hall.id.startswith("H")
    _row(app, qtbot, hall.name.zh_CN)
    qtbot.waitUntil(lambda: _step(app) is StepKind.SLOT and bool(
        services(app).controller.state.slots), timeout=20_000)
    slot = next(s for s in services(app).controller.state.slots if s.remaining > 0)
    assert slot.id.startswith(hall.id + "-")  # the platform's slot ids: hall, day, time
    remaining_before = slot.remaining
    _click(app, qtbot, f"Slot_{slot.id}")
    qtbot.waitUntil(lambda: _step(app) is StepKind.FORM, timeout=10_000)
    qtbot.keyClicks(app.nav.current_screen.fields["phone"].edit, "13812345678")
    _click(app, qtbot, "JourneyNext")
    qtbot.waitUntil(lambda: _step(app) is StepKind.CHECK, timeout=10_000)
    _click(app, qtbot, "JourneySubmit")
    qtbot.waitUntil(lambda: _step(app) is StepKind.CONFIRMATION, timeout=30_000)
    outcome = services(app).controller.state.outcomes[0]
    assert outcome.reference and not outcome.queued
    shown = "\n".join(_labels(app))
    assert outcome.reference in shown
    # the platform really holds the booking: the slot has one place fewer
    after = app.platform_client.slots(hall.id)
    assert after.ok
    booked = next(s for s in after.value if s["slot_id"] == slot.id)
    assert int(booked["remaining"]) == remaining_before - 1
    assert printer_sim.wait_for_receipts(receipts_before + 1, timeout_s=10)
    _click(app, qtbot, "JourneyFinish")


def test_pension_qualification_with_live_face_capture_verified_by_the_platform(
        live_app: Any, qtbot: QtBot) -> None:
    """王演示, a Shanghai retiree: the face camera simulator follows the spoken prompt, the
    production face pipeline captures, the reference platform matches it against his ID."""
    app = live_app
    _start_devices(app, qtbot, {"face_camera"})
    app.simulators["face_camera"].cooperative = True  # he blinks when the kiosk asks him to
    delivered: list[tuple[str, str]] = []
    app.offline_queue.deliveryCompleted.connect(lambda a, c: delivered.append((a, c)))
    app.simulators["idcard"].insert_card("shanghai_retiree")
    qtbot.waitUntil(lambda: services(app).identity is not None, timeout=10_000)
    assert services(app).identity.id_number == "310101195502280135"
    app.nav.push("item", target="sh.sb.zgrz")
    _click(app, qtbot, "StartJourney")
    qtbot.waitUntil(lambda: _step(app) is StepKind.FACE, timeout=10_000)
    _click(app, qtbot, "CaptureFace")
    # capture on the camera's thread, then the platform's face rule (ID known, a real JPEG)
    qtbot.waitUntil(lambda: _step(app) is StepKind.CHECK, timeout=30_000)
    _click(app, qtbot, "JourneySubmit")
    qtbot.waitUntil(lambda: _step(app) is StepKind.CONFIRMATION, timeout=30_000)
    outcome = services(app).controller.state.outcomes[0]
    assert outcome.reference and outcome.failure is None
    assert outcome.reference in "\n".join(_labels(app))
    # it went through the queue and reached the platform while he waited: the case number on
    # screen is the platform's
    assert not outcome.queued
    qtbot.waitUntil(lambda: [c for _a, c in delivered] == [outcome.reference], timeout=30_000)
    cases = app.platform_client.case_by_number(delivered[0][1])
    assert cases.ok and cases.value["item_id"] == "sh.sb.zgrz"
    _click(app, qtbot, "JourneyFinish")


def test_social_security_card_activation_identified_on_the_real_pcsc_stack(
        live_app: Any, qtbot: QtBot) -> None:
    """社保卡激活 accepts only the social-security card: the virtual card in vpcd → pcscd → the
    card reader's SSC application → the citizen's identity → the form → submit."""
    import os
    import shutil

    if shutil.which("pcscd") is None and not os.path.exists("/usr/sbin/pcscd"):
        pytest.skip("pcscd is not installed")
    app = live_app
    _start_devices(app, qtbot, {"smartcard"})
    cards = app.simulators["smartcard"]
    # The virtual reader is shared: a card an earlier test left on it would identify her before
    # the journey asks for one. Start from an empty reader and a fresh visit.
    cards.remove()
    app.end_session("test-start")
    qtbot.waitUntil(lambda: services(app).identity is None, timeout=10_000)
    events: list[Any] = []
    app.devices["smartcard"].eventOccurred.connect(lambda ev: events.append((ev.kind, ev.summary)))
    try:
        app.nav.push("item", target="sh.sb.ssk.jh")
        _click(app, qtbot, "StartJourney")
        qtbot.waitUntil(lambda: _step(app) is StepKind.IDENTIFY, timeout=10_000)
        assert "请插入社保卡" in "\n".join(_labels(app))
        cards.insert("ssc_gen2")
        qtbot.waitUntil(lambda: services(app).identity is not None
                        and services(app).identity.name == "测试乙", timeout=15_000)
        assert ("card_identified", "social_security") in [(k, s.get("kind")) for k, s in events]
        identity = services(app).identity
        assert identity.method == "social_security_card"
        assert identity.name == "测试乙" and identity.id_number == "31011519670405004X"
        qtbot.waitUntil(lambda: _step(app) is StepKind.FORM, timeout=10_000)
        qtbot.keyClicks(app.nav.current_screen.fields["phone"].edit, "13812345678")
        _click(app, qtbot, "JourneyNext")
        qtbot.waitUntil(lambda: _step(app) is StepKind.CHECK, timeout=10_000)
        _click(app, qtbot, "JourneySubmit")
        # online-only: sent straight to the reference platform, not through the queue
        qtbot.waitUntil(lambda: _step(app) is StepKind.CONFIRMATION, timeout=30_000)
        state = services(app).controller.state
        outcome = state.outcomes[0]
        assert outcome.failure is None and not outcome.queued
        assert outcome.reference and outcome.reference.startswith("ZW")  # the platform's number
        assert outcome.reference in "\n".join(_labels(app))
        _assert_one_application_at_the_platform(app, state.application_ids["sh.sb.ssk.jh"],
                                                outcome.reference, "sh.sb.ssk.jh")
        _click(app, qtbot, "JourneyFinish")
    finally:
        cards.remove()


def _assert_one_application_at_the_platform(app: Any, application_id: str, case_number: str,
                                            item_id: str) -> None:
    """The platform's database holds exactly one application under this id, with this case
    number; the kiosk's offline queue holds nothing of it."""
    rows = [a for a in app.platform_server.applications() if a["application_id"] == application_id]
    assert [a["case_number"] for a in rows] == [case_number]
    case = app.platform_client.case_by_number(case_number)
    assert case.ok and case.value["item_id"] == item_id
    queue = app.services.queue
    assert not [i for i in queue.items() if i["item_id"] == item_id]


def test_social_security_card_loss_report_while_the_platform_is_down_then_retried(
        live_app: Any, qtbot: QtBot) -> None:
    """社保卡挂失 is online-only. With the platform unreachable the citizen is told plainly that
    it needs the network; nothing is queued and nothing she typed is lost. When the platform is
    back she taps 重试 — the first retry's answer is lost on the way back (the platform did take
    it), the second gets the same case number back: one application at the platform."""
    app = live_app
    printer_sim = app.simulators["printer"]
    receipts_before = len(printer_sim.receipts)
    _start_as_li_yangli(app, qtbot, "sh.sb.ssk.gs")
    qtbot.waitUntil(lambda: _step(app) is StepKind.FORM, timeout=10_000)
    while _step(app) is StepKind.FORM:
        fields = services(app).controller.state.step.fields
        for fid in fields:
            if fid == "loss_reason":
                _click(app, qtbot, "Choice_loss_reason_lost")
            else:
                qtbot.keyClicks(app.nav.current_screen.fields[fid].edit, "13812345678")
        _click(app, qtbot, "JourneyNext")
        qtbot.waitUntil(lambda f=fields: _step(app) is not StepKind.FORM
                        or services(app).controller.state.step.fields != f, timeout=10_000)
    assert _step(app) is StepKind.CHECK
    depth_before = app.services.queue.stats().depth
    accepted_before = len(app.platform_server.applications())

    app.set_platform_offline(True)  # the fault proxy refuses connections
    _click(app, qtbot, "JourneySubmit")
    qtbot.waitUntil(lambda: _notice_key(app) == "journeys.notice.online_only", timeout=30_000)
    state = services(app).controller.state
    assert state.step.kind is StepKind.CHECK and state.pending is None
    assert "这个事项需要联网办理" in "\n".join(_labels(app))
    assert app.services.queue.stats().depth == depth_before  # nothing queued
    assert len(app.platform_server.applications()) == accepted_before
    assert state.answers == {"phone": "13812345678", "loss_reason": "lost"}
    application_id = state.application_ids["sh.sb.ssk.gs"]

    app.set_platform_offline(False)
    app.simulators["platform"].add(FaultRule("reset_after", method="POST",
                                             path_prefix="/v1/applications"))
    _click(app, qtbot, "JourneyRetry")  # the platform takes it; the answer is cut
    qtbot.waitUntil(lambda: len(app.platform_server.applications()) == accepted_before + 1
                    and services(app).controller.state.pending is None, timeout=30_000)
    assert _step(app) is StepKind.CHECK and _notice_key(app) == "journeys.notice.online_only"
    _click(app, qtbot, "JourneyRetry")
    qtbot.waitUntil(lambda: _step(app) is StepKind.CONFIRMATION, timeout=30_000)
    state = services(app).controller.state
    outcome = state.outcomes[0]
    assert outcome.failure is None and not outcome.queued and outcome.reference.startswith("ZW")
    assert state.application_ids["sh.sb.ssk.gs"] == application_id
    assert outcome.reference in "\n".join(_labels(app))
    _assert_one_application_at_the_platform(app, application_id, outcome.reference,
                                            "sh.sb.ssk.gs")
    assert len(app.platform_server.applications()) == accepted_before + 1
    assert app.services.queue.stats().depth == depth_before
    assert printer_sim.wait_for_receipts(receipts_before + 1, timeout_s=10)
    _click(app, qtbot, "JourneyFinish")


def _notice_key(app: Any) -> str | None:
    state = services(app).controller.state
    return None if state is None or state.notice is None else state.notice.key


def test_id_card_replacement_with_face_and_document_capture_queued_then_delivered(
        live_app: Any, qtbot: QtBot) -> None:
    """居民身份证补领: the ID card is lost, so 测试乙 identifies with her social-security card on
    the real PC/SC stack, passes the live face check, photographs her photo receipt on the
    document camera; the 户口簿 comes from the platform as an electronic licence when it has one."""
    import os
    import shutil

    if shutil.which("pcscd") is None and not os.path.exists("/usr/sbin/pcscd"):
        pytest.skip("pcscd is not installed")
    app = live_app
    _start_devices(app, qtbot, {"smartcard", "doc_camera", "face_camera"})
    app.simulators["face_camera"].cooperative = True
    delivered: list[tuple[str, str]] = []
    app.offline_queue.deliveryCompleted.connect(lambda a, c: delivered.append((a, c)))
    cards = app.simulators["smartcard"]
    try:
        app.nav.push("item", target="sh.hj.sfzbl")
        _click(app, qtbot, "StartJourney")
        qtbot.waitUntil(lambda: _step(app) is StepKind.IDENTIFY, timeout=10_000)
        cards.insert("ssc_gen2")
        qtbot.waitUntil(lambda: _step(app) is StepKind.FACE, timeout=15_000)
        assert services(app).identity.id_number == "31011519670405004X"
        _click(app, qtbot, "CaptureFace")
        answers = {"replace_reason": "lost", "phone": "13812345678", "delivery": "counter"}
        while True:
            qtbot.waitUntil(lambda: _step(app) is not StepKind.FACE, timeout=30_000)
            if _step(app) is not StepKind.FORM:
                break
            fields = services(app).controller.state.step.fields
            for fid in fields:
                if fid in ("replace_reason", "delivery"):
                    _click(app, qtbot, f"Choice_{fid}_{answers[fid]}")
                elif fid in answers:
                    qtbot.keyClicks(app.nav.current_screen.fields[fid].edit, answers[fid])
            _click(app, qtbot, "JourneyNext")
            qtbot.waitUntil(lambda f=fields: services(app).controller.state.step.fields != f,
                            timeout=10_000)
        while _step(app) is StepKind.MATERIAL:
            state = services(app).controller.state
            mid = state.step.material
            if mid == "photo_receipt":
                app.simulators["doc_camera"].show("form")  # the receipt slip on the desk
                _click(app, qtbot, "CaptureDoc")
                qtbot.waitUntil(lambda m=mid: m in services(app).controller.state.materials,
                                timeout=30_000)
            else:  # the 户口簿: the platform has her electronic licence (demo data)
                qtbot.waitUntil(lambda m=mid: m in services(app).controller.state.materials,
                                timeout=10_000)
                assert services(app).controller.state.materials[mid].kind == "licence"
            _click(app, qtbot, "JourneyNext")
            qtbot.waitUntil(lambda m=mid: services(app).controller.state.step.material != m,
                            timeout=10_000)
        assert _step(app) is StepKind.CHECK
        materials = services(app).controller.state.materials
        assert materials["photo_receipt"].images  # the production pipeline's JPEG
        _click(app, qtbot, "JourneySubmit")
        qtbot.waitUntil(lambda: _step(app) is StepKind.CONFIRMATION, timeout=30_000)
        outcome = services(app).controller.state.outcomes[0]
        assert outcome.reference and outcome.failure is None and not outcome.queued
        qtbot.waitUntil(lambda: [c for _a, c in delivered] == [outcome.reference], timeout=30_000)
        case = app.platform_client.case_by_number(delivered[0][1])
        assert case.ok and case.value["item_id"] == "sh.hj.sfzbl"
    finally:
        cards.remove()


def test_theme_bundle_asks_shared_answers_once_and_submits_every_item(
        live_app: Any, qtbot: QtBot) -> None:
    """我要开劳务公司 (一件事一次办): four items, the shared answers asked once, each item an
    application of its own, all delivered to the platform."""
    app = live_app
    delivered: list[tuple[str, str]] = []
    app.offline_queue.deliveryCompleted.connect(lambda a, c: delivered.append((a, c)))
    _start_as_li_yangli(app, qtbot, "theme.labour_company")
    answers = {"phone": "13812345678", "company_name": "上海样例劳务服务有限公司",
               "company_address": "上海市徐汇区漕溪北路88号", "capital": "500000"}
    asked: list[str] = []
    qtbot.waitUntil(lambda: _step(app) is StepKind.FORM, timeout=10_000)
    while _step(app) is StepKind.FORM:
        fields = services(app).controller.state.step.fields
        asked += fields
        for fid in fields:
            value = answers[fid]  # a KeyError here: a question no item of the theme asks
            edit = app.nav.current_screen.fields[fid].edit
            if value.isascii():
                qtbot.keyClicks(edit, value)
            else:  # QTest cannot type Chinese; the input method inserts it like this
                edit.insert(value)
        _click(app, qtbot, "JourneyNext")
        qtbot.waitUntil(lambda f=fields: _step(app) is not StepKind.FORM
                        or services(app).controller.state.step.fields != f, timeout=10_000)
    assert sorted(asked) == sorted(answers)  # each shared answer asked exactly once
    while _step(app) is StepKind.MATERIAL:  # the optional business licence: none yet, skip
        mid = services(app).controller.state.step.material
        _click(app, qtbot, "SkipMaterial")
        qtbot.waitUntil(lambda m=mid: services(app).controller.state.step.material != m,
                        timeout=10_000)
    qtbot.waitUntil(lambda: _step(app) is StepKind.CHECK, timeout=10_000)
    _click(app, qtbot, "JourneySubmit")
    qtbot.waitUntil(lambda: _step(app) is StepKind.CONFIRMATION, timeout=30_000)
    outcomes = services(app).controller.state.outcomes
    assert [o.item_id for o in outcomes] == ["sh.qy.kb", "sh.qy.xkz", "sh.qy.sbdj", "sh.qy.gjjdj"]
    assert all(o.reference and o.failure is None for o in outcomes)
    assert len({o.reference for o in outcomes}) == 4
    assert not any(o.queued for o in outcomes)  # delivered while the citizen waited
    qtbot.waitUntil(lambda: len(delivered) == 4, timeout=40_000)
    assert {c for _a, c in delivered} == {o.reference for o in outcomes}
    for _a, case_number in delivered:
        case = app.platform_client.case_by_number(case_number)
        assert case.ok and case.value["item_id"].startswith("sh.qy.")
    _click(app, qtbot, "JourneyFinish")
