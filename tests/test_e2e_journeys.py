"""End to end through the real app: simulated devices on real links, the reference platform on
loopback, the real offline queue — a citizen inserts an ID card and taps through a journey."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from pytestqt.qtbot import QtBot

from kiosk.journeys.engine import StepKind
from kiosk.qt import QtWidgets
from kiosk.screens.journey_support import services
from tests.e2e_helpers import _click, _row, _step, start_live_app

if TYPE_CHECKING:
    from tests.shell_helpers import AppFactory

pytest_plugins = ("tests.shell_helpers",)


@pytest.fixture
def live_app(make_app: AppFactory, qtbot: QtBot) -> Any:
    return start_live_app(make_app, qtbot)

SHANGHAI_PERSON = "shanghai_female"  # 李样例, known to the reference platform's demo data


def test_certificate_journey_from_card_to_printed_receipt(live_app: Any, qtbot: QtBot) -> None:
    app = live_app
    printer_sim = app.simulators["printer"]
    receipts_before = len(printer_sim.receipts)
    app.simulators["idcard"].insert_card(SHANGHAI_PERSON)
    qtbot.waitUntil(lambda: services(app).identity is not None, timeout=10_000)
    assert services(app).identity.id_number == "310104199211030029"
    app.nav.push("category", category="social_security")
    _row(app, qtbot, "社保缴费证明打印")
    _click(app, qtbot, "StartJourney")
    # the certificate data comes from the reference platform through the fault proxy
    qtbot.waitUntil(lambda: _step(app) is StepKind.PREVIEW, timeout=20_000)
    _click(app, qtbot, "JourneyPrint")
    qtbot.waitUntil(lambda: _step(app) is StepKind.CONFIRMATION, timeout=120_000)
    assert printer_sim.wait_for_receipts(receipts_before + 1, timeout_s=10)
    text = "\n".join(printer_sim.receipts[-1].lines)
    assert "310104199211030029" not in text  # the slip shows the ID number masked
    _click(app, qtbot, "JourneyFinish")
    app.simulators["idcard"].remove_card()
    assert app.nav.current_route == "home"


def test_cross_province_application_queued_offline_then_delivered(live_app: Any, qtbot: QtBot) -> None:
    """A Hebei resident in a Shanghai kiosk applies while the platform is unreachable: the
    application is queued durably, the citizen is told so, and it is delivered once the
    platform is back."""
    app = live_app
    app.start_devices(only={"doc_camera"})
    qtbot.waitUntil(lambda: "doc_camera" in app.devices, timeout=30_000)
    delivered: list[tuple[str, str]] = []
    app.offline_queue.deliveryCompleted.connect(lambda a, c: delivered.append((a, c)))
    app.set_platform_offline(True)
    app.simulators["idcard"].insert_card("hebei_male")
    qtbot.waitUntil(lambda: services(app).identity is not None, timeout=10_000)
    assert services(app).recommendations[0].item_id == "he.sb.zy"
    app.nav.push("item", target="he.sb.zy")
    _click(app, qtbot, "StartJourney")
    answers = [("phone", "13812345678"), ("insurance_type", "pension"),
               ("insured_since", "2016-03-01"), ("employer", "上海某某科技有限公司"),
               ("transfer_reason", "job"), ("new_address", "上海市黄浦区南京东路100号")]
    for fid, value in answers:
        qtbot.waitUntil(lambda f=fid: services(app).controller.state.step.fields == (f,), timeout=10_000)
        if fid in ("insurance_type", "transfer_reason"):
            _click(app, qtbot, f"Choice_{fid}_{value}")
        else:
            field = app.nav.current_screen.fields[fid]
            if value.isascii():
                qtbot.keyClicks(field.edit, value)
            else:  # QTest cannot type Chinese; the input method inserts it like this
                field.edit.insert(value)
        _click(app, qtbot, "JourneyNext")
    qtbot.waitUntil(lambda: _step(app) is StepKind.MATERIAL, timeout=10_000)
    app.simulators["doc_camera"].show("hukou")  # the citizen lays the 户口簿 page on the desk
    _click(app, qtbot, "CaptureDoc")  # the production pipeline finds, flattens and encodes it
    qtbot.waitUntil(lambda: bool(services(app).controller.state.materials), timeout=30_000)
    _click(app, qtbot, "JourneyNext")
    qtbot.waitUntil(lambda: _step(app) is StepKind.CHECK, timeout=10_000)
    _click(app, qtbot, "JourneySubmit")
    qtbot.waitUntil(lambda: _step(app) is StepKind.CONFIRMATION, timeout=30_000)
    qtbot.waitUntil(lambda: any(r.isVisible() for r in app.nav.current_screen.findChildren(
        QtWidgets.QLabel, "ReferenceNumber")), timeout=10_000)
    ref = next(r for r in app.nav.current_screen.findChildren(QtWidgets.QLabel, "ReferenceNumber")
               if r.isVisible())
    assert "待发送" in ref.text()  # told plainly: queued, not yet sent
    notice = services(app).controller.state.notice
    assert notice is not None and notice.key == "journeys.notice.queued"  # "网络暂时不通…"
    assert not delivered
    app.set_platform_offline(False)
    app.offline_queue.sync_now()
    qtbot.waitUntil(lambda: len(delivered) == 1, timeout=60_000)
