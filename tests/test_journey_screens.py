"""The catalogue and journey screens in the real app (pytest-qt), with in-memory gateways."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from journey_fakes import (
    FACE_OK,
    SHANGHAI_ID,
    FakePlatform,
    FakePrinter,
    FakeQueue,
    id_card,
)
from pytestqt.qtbot import QtBot

from kiosk.journeys.controller import InlineDispatcher
from kiosk.journeys.engine import StepKind
from kiosk.qt import Qt, QtWidgets
from kiosk.screens.journey import JourneyScreen
from kiosk.screens.journey_support import ItemRow, services

pytest_plugins = ("tests.shell_helpers",)


class Rig:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.platform, self.queue, self.printer = FakePlatform(), FakeQueue(), FakePrinter()
        app.journey_gateways = (self.platform, self.queue, self.printer)
        app.journey_dispatcher = InlineDispatcher()
        app.journey_capture_face = lambda done: done(FACE_OK)
        app.journey_capture_document = lambda doc_type, done: done((b"page",))
        self.svc = services(app)

    def click(self, qtbot: QtBot, name: str) -> None:
        QtWidgets.QApplication.processEvents()  # newly laid-out widgets are shown queued
        screen = self.app.nav.current_screen
        buttons = [b for b in screen.findChildren(QtWidgets.QPushButton, name) if b.isVisible()]
        assert len(buttons) == 1 and buttons[0].isEnabled(), name
        button = buttons[0]
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    def row(self, qtbot: QtBot, name: str) -> None:
        QtWidgets.QApplication.processEvents()
        screen = self.app.nav.current_screen
        rows = [r for r in screen.findChildren(ItemRow) if r.isVisible()
                and r.name.text().replace("<u>", "").replace("</u>", "") == name]
        assert rows, name
        qtbot.mouseClick(rows[0], Qt.MouseButton.LeftButton)

    @property
    def journey(self) -> JourneyScreen:
        screen = self.app.nav.current_screen
        assert isinstance(screen, JourneyScreen)
        return screen


def test_certificate_journey_by_taps(make_app: Callable[..., Any], qtbot: QtBot) -> None:
    rig = Rig(make_app())
    rig.svc.set_identity(id_card(SHANGHAI_ID))
    rig.app.nav.push("category", category="social_security")
    rig.row(qtbot, "社保缴费证明打印")
    assert rig.app.nav.current_route == "item"
    rig.click(qtbot, "StartJourney")
    state = rig.svc.controller.state
    assert state is not None and state.step.kind is StepKind.PREVIEW
    assert rig.journey.title_label.text() == "社保缴费证明打印"
    rig.click(qtbot, "JourneyPrint")
    state = rig.svc.controller.state
    assert state is not None and state.step.kind is StepKind.CONFIRMATION
    assert rig.printer.certificates and rig.printer.receipts
    taps_before_finish = state.taps_after_identify
    rig.click(qtbot, "JourneyFinish")
    # pick item + start + print + finish
    assert taps_before_finish + 1 == 4 <= 6
    assert rig.app.nav.current_route == "home" and rig.svc.controller.state is None


def test_cross_province_application_offline_by_taps(make_app: Callable[..., Any],
                                                    qtbot: QtBot) -> None:
    rig = Rig(make_app())
    rig.platform.online = False
    rig.svc.set_identity(id_card())  # a Hebei ID in a Shanghai kiosk
    assert rig.svc.recommendations[0].item_id == "he.sb.zy"
    rig.app.nav.push("category", category="social_security")
    QtWidgets.QApplication.processEvents()
    first = [r for r in rig.app.nav.current_screen.findChildren(ItemRow) if r.isVisible()]
    assert "河北省" in first[1].sub.text()  # recommended before the local items (after a theme)
    rig.app.nav.push("item", target="he.sb.zy")
    rig.click(qtbot, "StartJourney")
    answers = [("phone", "13812345678"), ("insurance_type", "pension"),
               ("insured_since", "2016-03-01"), ("employer", "上海某某科技有限公司"),
               ("transfer_reason", "job"), ("new_address", "上海市黄浦区南京东路100号")]
    for fid, value in answers:
        state = rig.svc.controller.state
        assert state is not None and state.step.fields == (fid,)
        if fid in ("insurance_type", "transfer_reason"):
            rig.click(qtbot, f"Choice_{fid}_{value}")
        else:
            field = rig.journey.fields[fid]
            if fid == "phone":
                qtbot.keyClicks(field.edit, "138")
                rig.click(qtbot, "JourneyNext")  # too short: error in its own words, answer kept
                assert rig.journey.fields[fid].error_text == "请输入11位手机号码，例如13812345678"
                assert rig.journey.fields[fid].text() == "138"
                qtbot.keyClicks(rig.journey.fields[fid].edit, value[3:])
            elif value.isascii():
                qtbot.keyClicks(field.edit, value)
            else:  # QTest cannot type Chinese; the input method inserts it like this
                field.edit.insert(value)
        rig.click(qtbot, "JourneyNext")
    state = rig.svc.controller.state
    assert state is not None and state.step.kind is StepKind.MATERIAL
    rig.click(qtbot, "CaptureDoc")
    rig.click(qtbot, "JourneyNext")
    assert rig.svc.controller.state.step.kind is StepKind.CHECK  # type: ignore[union-attr]
    rig.click(qtbot, "Change_3")  # 现工作单位
    assert rig.journey.fields["employer"].text() == "上海某某科技有限公司"
    rig.journey.fields["employer"].edit.setText("新单位")
    rig.click(qtbot, "JourneyNext")
    assert rig.svc.controller.state.step.kind is StepKind.CHECK  # type: ignore[union-attr]
    rig.click(qtbot, "JourneySubmit")
    QtWidgets.QApplication.processEvents()
    refs = [r for r in rig.journey.findChildren(QtWidgets.QLabel, "ReferenceNumber")
            if r.isVisible()]
    ref = refs[0]
    assert ref is not None and "L-0001" in ref.text() and "待发送" in ref.text()
    assert rig.queue.queued[0].item_id == "he.sb.zy"
    assert dict(rig.queue.queued[0].answers)["employer"] == "新单位"
    assert rig.printer.receipts[-1].entries[0].queued
    assert rig.journey.findChild(QtWidgets.QLabel, "TakeCard") is not None


def test_search_as_you_type(make_app: Callable[..., Any], qtbot: QtBot) -> None:
    rig = Rig(make_app())
    rig.app.nav.push("search")
    screen = rig.app.nav.current_screen
    qtbot.keyClicks(screen.field.edit, "gjjtq")

    def shown() -> list[ItemRow]:
        return [r for r in screen.findChildren(ItemRow) if r.isVisible()]

    qtbot.waitUntil(lambda: bool(shown()), timeout=10_000)  # the index builds in the background
    visible = shown()
    assert visible and "公积金提取" in visible[0].name.text().replace("<u>", "").replace("</u>", "")
    qtbot.mouseClick(visible[0], Qt.MouseButton.LeftButton)
    assert rig.app.nav.current_route == "item"


def test_session_end_wipes_the_journey(make_app: Callable[..., Any], qtbot: QtBot) -> None:
    rig = Rig(make_app())
    rig.svc.set_identity(id_card(SHANGHAI_ID))
    rig.app.nav.push("item", target="sh.sb.zy")
    rig.click(qtbot, "StartJourney")
    qtbot.keyClicks(rig.journey.fields["phone"].edit, "138")
    rig.app.end_session("idle")
    assert rig.svc.controller.state is None and rig.svc.identity is None
    assert rig.app.nav.current_route == "home"
    assert not rig.journey_fields_left()


def _journey_fields_left(self: Rig) -> bool:
    screen = self.app.nav.screen("journey")
    return bool(screen and screen.fields)  # type: ignore[attr-defined]


Rig.journey_fields_left = _journey_fields_left  # type: ignore[attr-defined]


def test_card_read_while_a_journey_waits(make_app: Callable[..., Any], qtbot: QtBot) -> None:
    rig = Rig(make_app())
    rig.app.nav.push("item", target="sh.bj.cx")
    rig.click(qtbot, "StartJourney")
    assert rig.svc.controller.state.step.kind is StepKind.IDENTIFY  # type: ignore[union-attr]
    rig.svc.card_read(id_card(SHANGHAI_ID))
    state = rig.svc.controller.state
    assert state is not None and state.step.kind is StepKind.RESULTS


def test_recommended_after_card_read(make_app: Callable[..., Any], qtbot: QtBot) -> None:
    from journey_fakes import HEBEI_RETIREE_ID

    rig = Rig(make_app())
    rig.svc.card_read(id_card(HEBEI_RETIREE_ID))
    rig.app.nav.push("recommended")
    QtWidgets.QApplication.processEvents()
    rows = [r for r in rig.app.nav.current_screen.findChildren(ItemRow) if r.isVisible()]
    assert rows[0].name.text() == "养老待遇领取资格认证"
    assert "河北省" in rows[0].sub.text() and "养老服务" in rows[0].sub.text()
    rig.row(qtbot, "养老待遇领取资格认证")
    rig.click(qtbot, "StartJourney")
    assert rig.svc.controller.state.step.kind is StepKind.FACE  # type: ignore[union-attr]
    rig.click(qtbot, "CaptureFace")
    assert rig.svc.controller.state.step.kind is StepKind.CHECK  # type: ignore[union-attr]
    rig.click(qtbot, "JourneySubmit")
    assert rig.svc.controller.state.step.kind is StepKind.CONFIRMATION  # type: ignore[union-attr]
    assert rig.platform.face_checks == 1


def test_a_card_read_is_held_by_the_session_and_finish_ends_it(make_app: Callable[..., Any],
                                                                qtbot: QtBot) -> None:
    """The identity a card gives makes the visit non-empty (the idle timeout guards it even on
    the home screen), and 完成 ends the visit: the next citizen cannot act under this card."""
    from types import SimpleNamespace

    from kiosk.devices.base import DeviceEvent
    from kiosk.journeys.app_wiring import on_device_event

    rig = Rig(make_app())
    card = SimpleNamespace(ssn=SHANGHAI_ID, gender="female", name="测试乙")
    on_device_event(rig.app, DeviceEvent("card_identified", SimpleNamespace(ok=True, value=card)))
    assert rig.svc.identity is not None and not rig.app.session.is_empty
    rig.app.nav.home()
    assert not rig.app.is_pristine()
    visit = rig.app.session.id
    rig.app.nav.push("item", target="sh.sb.zgrz")  # accepts the social-security card
    for button in ("StartJourney", "CaptureFace", "JourneySubmit", "JourneyFinish"):
        rig.click(qtbot, button)
    assert rig.app.session.id != visit and rig.app.session.is_empty
    assert rig.svc.identity is None and rig.app.is_pristine()
