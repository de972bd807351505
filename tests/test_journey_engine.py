"""The journey engine, driven with in-memory fakes through every kind of journey."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest
from journey_fakes import (
    FACE_OK,
    SHANGHAI_ID,
    FakePlatform,
    FakePrinter,
    FakeQueue,
    id_card,
)

from kiosk.catalogue.loader import Catalogue, load_catalogue_file
from kiosk.config import PROJECT_ROOT, JourneysConfig
from kiosk.journeys import engine as e
from kiosk.journeys.engine import JourneyEngine, JourneyState, StepKind
from kiosk.journeys.runner import EffectRunner

DEMO = PROJECT_ROOT / "assets" / "catalogue" / "demo_catalogue.json"


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue_file(Path(DEMO))


class Rig:
    def __init__(self, catalogue: Catalogue, **cfg: object) -> None:
        counter = itertools.count(1)
        self.engine = JourneyEngine(catalogue, JourneysConfig(**cfg),  # type: ignore[arg-type]
                                    clock=lambda: dt.datetime(2026, 11, 20, 10, 30),
                                    new_id=lambda: f"app-{next(counter)}")
        self.platform = FakePlatform()
        self.queue = FakeQueue()
        self.printer = FakePrinter()
        self.runner = EffectRunner(self.platform, self.queue, self.printer)

    def start(self, target: str, identity: object = None, taps_before: int = 0) -> JourneyState:
        return self.runner.start(self.engine, target, identity, taps_before)

    def do(self, state: JourneyState, *events: e.Event) -> JourneyState:
        for event in events:
            state = self.runner.drive(self.engine, state, event)
        return state

    def fill(self, state: JourneyState, answers: dict[str, str]) -> JourneyState:
        """Answer every form page in turn with ``answers`` (choices are taps)."""
        while state.step.kind is StepKind.FORM:
            for fid in state.step.fields:
                field = self.engine.field(state, fid)
                cls = e.ChooseAnswer if field.type == "choice" else e.SetAnswer
                state = self.do(state, cls(fid, answers[fid]))
            state = self.do(state, e.Next())
            assert not state.errors, state.errors
        return state


@pytest.fixture
def rig(catalogue: Catalogue) -> Rig:
    return Rig(catalogue)


def kinds(state: JourneyState) -> list[str]:
    return [s.kind.value for s in state.steps]


# ---- journey 1: print a certificate ---------------------------------------------------------

def test_certificate_journey_prints_a4_and_receipt_within_six_taps(rig: Rig) -> None:
    # Card read at home, then one tap picks the item.
    state = rig.start("sh.sb.jfzm", id_card(SHANGHAI_ID), taps_before=1)
    assert kinds(state) == ["identify", "preview", "confirmation"]
    assert state.step.kind is StepKind.PREVIEW and state.certificate is not None
    state = rig.do(state, e.Confirm())
    assert state.step.kind is StepKind.CONFIRMATION
    assert [t for t, _ in rig.printer.certificates] == ["cert.social_insurance_payment"]
    assert len(rig.printer.receipts) == 1 and rig.printer.receipts[0].kind == "certificate"
    assert rig.engine.remind_take_card(state)
    state = rig.do(state, e.Finish())
    assert state.exit == "done"
    assert state.taps_after_identify == 3 <= 6


def test_certificate_needs_the_platform(rig: Rig) -> None:
    rig.platform.online = False
    state = rig.start("sh.sb.jfzm", id_card(SHANGHAI_ID))
    assert state.step.kind is StepKind.PREVIEW and state.certificate is None
    assert state.notice is not None and state.notice.key == "journeys.notice.offline"
    rig.platform.online = True
    state = rig.do(state, e.Retry())
    assert state.certificate is not None and state.notice is None


def test_printer_failure_keeps_the_preview_and_retry_prints(rig: Rig) -> None:
    state = rig.start("sh.sb.jfzm", id_card(SHANGHAI_ID))
    rig.printer.paper_out = True
    state = rig.do(state, e.Confirm())
    assert state.step.kind is StepKind.PREVIEW
    assert state.notice is not None and state.notice.key == "journeys.notice.print_failed"
    rig.printer.paper_out = False
    state = rig.do(state, e.Retry())
    assert state.step.kind is StepKind.CONFIRMATION and len(rig.printer.certificates) == 1


# ---- journey 2: cross-province application, online and offline ---------------------------

ANSWERS = {"phone": "13812345678", "insurance_type": "pension", "insured_since": "2015-03-01",
           "employer": "上海某某科技有限公司", "transfer_reason": "job",
           "new_address": "上海市黄浦区南京东路100号"}


def test_cross_province_transfer_one_question_per_screen(rig: Rig) -> None:
    state = rig.start("he.sb.zy")
    assert state.step.kind is StepKind.IDENTIFY
    state = rig.do(state, e.IdentityRead(id_card()))
    form = [s for s in state.steps if s.kind is StepKind.FORM]
    assert len(form) == 6 and all(len(s.fields) == 1 for s in form)
    assert form[0].page == 1 and form[0].pages == 6
    state = rig.fill(state, ANSWERS)
    # Electronic licence fetched without a tap, then on to check.
    assert state.step.kind is StepKind.MATERIAL
    assert rig.platform.licences and "payment_record" not in state.materials
    # The fake has no social-insurance licence: the engine falls back to the camera.
    assert state.notice is not None and state.notice.key == "journeys.notice.licence_use_camera"
    state = rig.do(state, e.MaterialCaptured("payment_record", (b"jpeg-1",)), e.Next())
    assert state.step.kind is StepKind.CHECK
    state = rig.do(state, e.Confirm())
    assert state.step.kind is StepKind.CONFIRMATION
    assert state.outcomes[0].reference == "P-0001" and not state.outcomes[0].queued
    app = rig.platform.submitted[0]
    assert app.application_id == "app-1" and dict(app.answers)["phone"] == "13812345678"
    assert app.materials[0].images == (b"jpeg-1",)
    assert rig.printer.receipts[-1].entries[0].reference == "P-0001"


def test_offline_application_is_queued_and_the_receipt_says_so(rig: Rig) -> None:
    rig.platform.online = False
    state = rig.start("he.sb.zy", id_card())
    state = rig.fill(state, ANSWERS)
    # Offline: no licence, so the camera is used.
    state = rig.do(state, e.MaterialCaptured("payment_record", (b"jpeg",)), e.Next(), e.Confirm())
    assert state.step.kind is StepKind.CONFIRMATION
    assert state.outcomes[0].queued and state.outcomes[0].reference == "L-0001"
    assert state.notice is not None and state.notice.key == "journeys.notice.queued"
    assert rig.queue.queued[0].item_id == "he.sb.zy"
    receipt = rig.printer.receipts[-1]
    assert receipt.entries[0].queued and receipt.entries[0].reference == "L-0001"
    assert rig.engine.voice_prompt(state).key == "journeys.voice.confirmation_queued"


def test_online_only_item_offline_is_refused_plainly(rig: Rig) -> None:
    rig.platform.online = False
    state = rig.start("sh.sb.ssk.gs", id_card(SHANGHAI_ID, method="social_security_card"))
    state = rig.fill(state, {"phone": "13812345678", "loss_reason": "lost"})
    state = rig.do(state, e.Confirm())
    assert state.step.kind is StepKind.CHECK
    assert state.notice is not None and state.notice.key == "journeys.notice.online_only"
    assert not rig.queue.queued
    assert state.answers["loss_reason"] == "lost"  # nothing to type again
    first_id = state.application_ids["sh.sb.ssk.gs"]
    rig.platform.online = True
    state = rig.do(state, e.Retry())
    assert state.step.kind is StepKind.CONFIRMATION
    # The retry is the same application (its idempotency key), not a new one.
    assert [a.application_id for a in rig.platform.submitted] == [first_id]


def test_queue_failure_is_not_reported_as_success(rig: Rig) -> None:
    rig.platform.online = False
    rig.queue.broken = True
    state = rig.start("sh.sb.zy", id_card(SHANGHAI_ID))
    state = rig.fill(state, {"phone": "13812345678", "insurance_type": "pension",
                             "new_address": "上海市黄浦区南京东路100号"})
    state = rig.do(state, e.Confirm())
    assert state.step.kind is StepKind.CHECK
    assert state.notice is not None and state.notice.key == "journeys.notice.queue_failed"


# ---- forms: validation, prefill, change links --------------------------------------------

def test_errors_speak_the_fields_words_and_keep_the_answers(rig: Rig) -> None:
    state = rig.start("sh.sb.zy", id_card(SHANGHAI_ID))
    assert state.step.kind is StepKind.FORM and len(state.step.fields) == 3
    state = rig.do(state, e.SetAnswer("phone", "1381234"), e.SetAnswer("new_address", "上海"),
                   e.Next())
    assert state.step.kind is StepKind.FORM
    assert state.errors["phone"].text is not None
    assert state.errors["phone"].render("zh_CN") == "请输入11位手机号码，例如13812345678"
    assert state.errors["insurance_type"].render("zh_CN") == "请选择转移险种"
    assert state.errors["new_address"].render("zh_CN") == "转入地详细地址至少要填5个字"
    assert state.answers["phone"] == "1381234" and state.answers["new_address"] == "上海"
    # Correcting a field removes its error as they type.
    state = rig.do(state, e.SetAnswer("phone", "138 1234 5678"))
    assert "phone" not in state.errors
    state = rig.do(state, e.ChooseAnswer("insurance_type", "medical"),
                   e.SetAnswer("new_address", "上海市黄浦区南京东路100号"), e.Next())
    assert state.step.kind is StepKind.CHECK and state.answers["phone"] == "13812345678"


def test_never_asks_what_the_card_told_us(rig: Rig, catalogue: Catalogue) -> None:
    # Address is prefilled from the ID card for a field with prefill=address…
    from kiosk.catalogue.model import FormField, Item, LocalText, Region

    item = Item(id="t.prefill", name=LocalText(zh_CN="测试", en_US="Test"), category="archives",
                kind="apply", region=Region(level="province", code="310000"),
                identification=("id_card", "social_security_card"),
                form=(FormField(id="name", label=LocalText(zh_CN="姓名", en_US="Name"),
                                prefill="name"),
                      FormField(id="home", label=LocalText(zh_CN="住址", en_US="Address"),
                                type="address", prefill="address"),
                      FormField(id="phone", label=LocalText(zh_CN="电话", en_US="Phone"),
                                type="phone")))
    cat = Catalogue(catalogue.document, {**catalogue.items_by_id, item.id: item},
                    catalogue.themes_by_id, catalogue.categories_by_id)
    r = Rig(cat)
    state = r.start("t.prefill", id_card(SHANGHAI_ID))
    assert state.step.fields == ("phone",)
    assert state.answers["name"] == "张三丰" and state.answers["home"].startswith("河北省")
    # …but a social-security card carries no address, so then it is asked.
    state = r.start("t.prefill", id_card(SHANGHAI_ID, address=None, method="social_security_card"))
    assert state.step.fields == ("home", "phone")
    rows = r.engine.check_rows(r.fill(state, {"home": "上海市黄浦区南京东路100号",
                                              "phone": "13812345678"}))
    name_row = next(x for x in rows if x.label.zh_CN == "姓名")
    assert name_row.change_step is None and name_row.value == "张三丰"


def test_change_link_returns_to_check(rig: Rig) -> None:
    state = rig.start("he.sb.zy", id_card())
    state = rig.fill(state, ANSWERS)
    state = rig.do(state, e.MaterialCaptured("payment_record", (b"j",)), e.Next())
    assert state.step.kind is StepKind.CHECK
    rows = rig.engine.check_rows(state)
    employer = next(r for r in rows if r.label.zh_CN == "现工作单位")
    assert employer.value == ANSWERS["employer"]
    reason = next(r for r in rows if r.label.zh_CN == "转移原因")
    assert reason.value.zh_CN == "工作调动"  # type: ignore[union-attr]
    state = rig.do(state, e.Change(employer.change_step or 0))
    assert state.step.fields == ("employer",) and state.return_to_check
    assert state.answers["employer"] == ANSWERS["employer"]  # shown for editing, not cleared
    state = rig.do(state, e.SetAnswer("employer", "新单位"), e.Next())
    assert state.step.kind is StepKind.CHECK and state.answers["employer"] == "新单位"
    # Back from a change also returns to check, without losing anything.
    state = rig.do(state, e.Change(employer.change_step or 0), e.SetAnswer("employer", ""),
                   e.Back())
    assert state.step.kind is StepKind.CHECK
    # Changing a material means photographing it again.
    mat = next(r for r in rig.engine.check_rows(state) if r.label.zh_CN == "参保缴费凭证")
    state = rig.do(state, e.Change(mat.change_step or 0))
    assert state.step.kind is StepKind.MATERIAL and not state.pending
    state = rig.do(state, e.MaterialCaptured("payment_record", (b"j2",)), e.Next())
    assert state.step.kind is StepKind.CHECK and state.materials["payment_record"].images == (b"j2",)


def test_back_walks_back_and_leaves_at_the_start(rig: Rig) -> None:
    state = rig.start("sh.sb.zy", id_card(SHANGHAI_ID))
    state = rig.fill(state, {"phone": "13812345678", "insurance_type": "pension",
                             "new_address": "上海市黄浦区南京东路100号"})
    assert state.step.kind is StepKind.CHECK
    state = rig.do(state, e.Back())
    assert state.step.kind is StepKind.FORM and state.answers["phone"] == "13812345678"
    state = rig.do(state, e.Back())  # the identify step is not shown again
    assert state.exit == "back"


def test_home_ends_the_journey_even_while_busy(rig: Rig) -> None:
    t = rig.engine.start("sh.sb.jfzm", id_card(SHANGHAI_ID))
    assert t.state.pending is not None and isinstance(t.effects[0], e.FetchCertificate)
    state = rig.engine.handle(t.state, e.Next()).state  # ignored while busy
    assert state.pending is not None
    state = rig.engine.handle(state, e.Home()).state
    assert state.exit == "home" and state.pending is None
    # A late result after leaving changes nothing.
    late = rig.runner.execute(t.effects[0])
    assert rig.engine.handle(state, late).state == state


def test_wrong_card_is_refused(rig: Rig) -> None:
    state = rig.start("sh.sb.ssk.jh")  # activation needs the social-security card itself
    state = rig.do(state, e.IdentityRead(id_card(SHANGHAI_ID)))
    assert state.step.kind is StepKind.IDENTIFY
    assert state.notice is not None and state.notice.key == "journeys.notice.wrong_card"
    state = rig.do(state, e.IdentityRead(id_card(SHANGHAI_ID, method="social_security_card")))
    assert state.step.kind is StepKind.FORM


# ---- journey 3: pension certification with face -------------------------------------------

def test_pension_certification_with_face(rig: Rig) -> None:
    state = rig.start("he.sb.zgrz", id_card())
    assert kinds(state) == ["identify", "face", "check", "confirmation"]
    assert state.step.kind is StepKind.FACE
    assert rig.engine.voice_prompt(state).render("zh_CN") == "请正对摄像头，保持不动"
    state = rig.do(state, e.FaceCaptured(b"someone else"))
    assert state.step.kind is StepKind.FACE
    assert state.notice is not None and state.notice.param_dict["left"] == 2
    state = rig.do(state, e.FaceCaptured(FACE_OK))
    assert state.step.kind is StepKind.CHECK and state.face_verified
    state = rig.do(state, e.Confirm())
    assert state.step.kind is StepKind.CONFIRMATION and state.outcomes[0].reference
    # Back from check skips the (done) face step and leaves.
    assert rig.do(rig.start("he.sb.zgrz", id_card()), e.FaceCaptured(FACE_OK),
                  e.Back()).exit == "back"


def test_face_fails_three_times_then_counter(rig: Rig) -> None:
    state = rig.start("he.sb.zgrz", id_card())
    for _ in range(3):
        state = rig.do(state, e.FaceCaptured(b"nope"))
    assert state.blocked and state.notice is not None
    assert state.notice.key == "journeys.notice.face_failed_final"
    assert rig.do(state, e.FaceCaptured(FACE_OK)).step.kind is StepKind.FACE
    assert rig.platform.face_checks == 3


# ---- journey 4: social-security card loss / activation -----------------------------------

def test_ssc_loss_report(rig: Rig) -> None:
    card = id_card(SHANGHAI_ID, address=None, method="social_security_card")
    state = rig.start("sh.sb.ssk.gs", card)
    state = rig.fill(state, {"phone": "13812345678", "loss_reason": "stolen"})
    state = rig.do(state, e.Confirm())
    assert state.step.kind is StepKind.CONFIRMATION
    assert dict(rig.platform.submitted[0].answers)["loss_reason"] == "stolen"
    assert rig.engine.remind_take_card(state)


# ---- journey 5: ID card replacement with document capture --------------------------------

def test_id_card_replacement_with_camera_and_licence(rig: Rig) -> None:
    card = id_card(SHANGHAI_ID, address=None, method="social_security_card")
    state = rig.start("sh.hj.sfzbl", card)
    assert state.step.kind is StepKind.FACE
    state = rig.do(state, e.FaceCaptured(FACE_OK))
    state = rig.fill(state, {"replace_reason": "lost", "phone": "13812345678",
                             "delivery": "post", "post_address": "上海市徐汇区漕溪北路2号"})
    assert state.step.material == "photo_receipt"
    state = rig.do(state, e.Next())
    assert state.errors["photo_receipt"].key == "journeys.error.material_missing"
    state = rig.do(state, e.MaterialCaptured("photo_receipt", (b"page1",)), e.Next())
    # The household register comes as an electronic licence, no tap needed.
    assert state.step.material == "household_register"
    assert state.materials["household_register"].kind == "licence"
    state = rig.do(state, e.Next(), e.Confirm())
    app = rig.platform.submitted[0]
    assert {m.kind for m in app.materials} == {"camera", "licence"}


def test_citizen_may_photograph_instead_of_licence(rig: Rig) -> None:
    state = rig.start("sh.hj.hkqy", id_card(SHANGHAI_ID))
    state = rig.fill(state, {"phone": "13812345678", "move_reason": "job",
                             "new_address": "上海市黄浦区南京东路100号"})
    assert state.materials["household_register"].kind == "licence"
    state = rig.do(state, e.UseCamera("household_register"))
    assert "household_register" not in state.materials
    state = rig.do(state, e.MaterialCaptured("household_register", (b"p1", b"p2")), e.Next())
    assert state.step.kind is StepKind.CHECK


# ---- journey 6: progress query ------------------------------------------------------------

def test_progress_query_shows_platform_and_local_queued(rig: Rig) -> None:
    from kiosk.catalogue.model import LocalText
    from kiosk.journeys.gateways import CaseStatus

    ident = id_card()
    rig.platform.cases[ident.id_number] = (CaseStatus(
        "P-9", "he.sb.zy", LocalText(zh_CN="社会保险关系转移申请", en_US="Transfer"),
        "in_progress", "2026-11-19", False),)
    rig.platform.online = False
    queued = rig.fill(rig.start("he.sb.zy", ident), ANSWERS)
    rig.do(queued, e.MaterialCaptured("payment_record", (b"j",)), e.Next(), e.Confirm())
    # Offline: only what waits on this kiosk, and the citizen is told why.
    state = rig.start("sh.bj.cx", ident)
    assert [c.reference for c in state.cases] == ["L-0001"]
    assert state.notice is not None and state.notice.key == "journeys.notice.cases_offline"
    rig.platform.online = True
    state = rig.start("sh.bj.cx", ident)
    assert [c.reference for c in state.cases] == ["L-0001", "P-9"]
    assert state.cases[0].local and state.cases[0].status == "queued"
    assert rig.do(state, e.Finish()).exit == "done"


def test_progress_query_lists_the_newest_cases_only(catalogue: Catalogue) -> None:
    from kiosk.catalogue.model import LocalText
    from kiosk.journeys.gateways import CaseStatus

    rig = Rig(catalogue, max_cases_shown=3)
    ident = id_card()
    rig.platform.cases[ident.id_number] = tuple(CaseStatus(
        f"P-{n}", "he.sb.zy", LocalText(zh_CN="社会保险关系转移申请", en_US="Transfer"),
        "in_progress", f"2026-11-{19 - n:02d}", False) for n in range(10))  # newest first
    rig.platform.online = False
    queued = rig.fill(rig.start("he.sb.zy", ident), ANSWERS)
    rig.do(queued, e.MaterialCaptured("payment_record", (b"j",)), e.Next(), e.Confirm())
    rig.platform.online = True
    state = rig.start("sh.bj.cx", ident)
    assert [c.reference for c in state.cases] == ["L-0001", "P-0", "P-1"]


def test_progress_query_by_reference_number(rig: Rig) -> None:
    rig.platform.online = False
    queued = rig.fill(rig.start("he.sb.zy", id_card()), ANSWERS)
    rig.do(queued, e.MaterialCaptured("payment_record", (b"j",)), e.Next(), e.Confirm())
    state = rig.start("sh.bj.cx")
    assert rig.engine.voice_prompt(state).render("zh_CN").startswith("请放身份证")
    state = rig.do(state, e.ReferenceEntered("x"))
    assert state.errors["reference"].key == "journeys.error.reference"
    state = rig.do(state, e.ReferenceEntered("l-0001"))
    assert state.step.kind is StepKind.RESULTS and [c.reference for c in state.cases] == ["L-0001"]


def test_platform_query(rig: Rig) -> None:
    state = rig.start("sh.sb.cbcx", id_card(SHANGHAI_ID))
    assert state.step.kind is StepKind.RESULTS and state.query is not None
    assert state.query.rows[0].value == "正常参保"


# ---- journey 7: appointment ---------------------------------------------------------------

def test_appointment_booking_and_changing_the_hall_resets_the_slot(rig: Rig) -> None:
    rig.platform.full_slots = {"h1-s1"}
    state = rig.start("sh.mz.hyyy", id_card(SHANGHAI_ID))
    assert kinds(state)[:3] == ["identify", "hall", "slot"]
    assert len(state.halls) == 2
    state = rig.do(state, e.PickHall("h1"))
    assert state.step.kind is StepKind.SLOT and len(state.slots) == 3
    state = rig.do(state, e.PickSlot("h1-s1"))
    assert state.notice is not None and state.notice.key == "journeys.notice.slot_full"
    state = rig.do(state, e.PickSlot("h1-s2"))
    state = rig.fill(state, {"phone": "13812345678", "marriage_type": "marry"})
    assert state.step.kind is StepKind.CHECK
    hall_row = rig.engine.check_rows(state)[0]
    state = rig.do(state, e.Change(hall_row.change_step or 0), e.PickHall("h2"))
    assert state.step.kind is StepKind.SLOT and state.slot_id is None
    state = rig.do(state, e.PickSlot("h2-s3"))
    assert state.step.kind is StepKind.CHECK  # returned to check after the slot
    state = rig.do(state, e.Confirm())
    assert state.step.kind is StepKind.CONFIRMATION
    assert state.outcomes[0].reference == "YY-h2-s3"
    assert rig.printer.receipts[-1].appointment is not None
    assert "徐汇" in rig.printer.receipts[-1].appointment  # type: ignore[operator]


# ---- journey 8: theme bundle --------------------------------------------------------------

def test_newborn_theme_asks_shared_fields_once_and_submits_each_item(rig: Rig) -> None:
    state = rig.start("theme.newborn", id_card(SHANGHAI_ID))
    asked = [f for s in state.steps if s.kind is StepKind.FORM for f in s.fields]
    assert len(asked) == len(set(asked))
    assert {"phone", "baby_name", "baby_birth_date", "baby_sex", "delivery"} == set(asked)
    materials = [s.material for s in state.steps if s.kind is StepKind.MATERIAL]
    assert materials == ["birth_certificate", "household_register", "marriage_certificate"]
    state = rig.fill(state, {"phone": "13812345678", "baby_name": "张小宝",
                             "baby_birth_date": "2026/11/1", "baby_sex": "M", "delivery": "post"})
    assert state.answers["baby_birth_date"] == "2026-11-01"
    for _ in materials:
        if state.step.material not in state.materials:
            state = rig.do(state, e.MaterialCaptured(state.step.material or "", (b"img",)))
        state = rig.do(state, e.Next())
    assert state.step.kind is StepKind.CHECK
    state = rig.do(state, e.Confirm())
    assert state.step.kind is StepKind.CONFIRMATION
    items = [a.item_id for a in rig.platform.submitted]
    assert items == ["sh.hj.xsrhk", "sh.yb.xsrcb", "sh.sb.xsrssk", "sh.wj.yfjz"]
    assert len({a.application_id for a in rig.platform.submitted}) == 4
    assert all(dict(a.answers)["baby_name"] == "张小宝" for a in rig.platform.submitted)
    # Each item gets only its own fields.
    assert "delivery" not in dict(rig.platform.submitted[0].answers)
    receipt = rig.printer.receipts[-1]
    assert receipt.title.zh_CN == "新生儿出生一件事" and len(receipt.entries) == 4


def test_theme_partly_rejected(rig: Rig) -> None:
    rig.platform.reject_items = {"sh.qy.xkz"}
    state = rig.start("theme.labour_company", id_card(SHANGHAI_ID))
    state = rig.fill(state, {"phone": "13812345678", "company_name": "上海某某劳务有限公司",
                             "company_address": "上海市黄浦区南京东路100号", "capital": "200"})
    state = rig.do(state, e.SkipMaterial("business_licence")) \
        if state.step.kind is StepKind.MATERIAL and "business_licence" not in state.materials \
        else rig.do(state, e.Next())
    state = rig.do(state, e.Confirm())
    assert state.step.kind is StepKind.CONFIRMATION
    assert state.notice is not None and state.notice.key == "journeys.notice.partly_submitted"
    assert len(rig.printer.receipts[-1].entries) == 3


# ---- taps, voice, wiping -------------------------------------------------------------------

def test_taps_are_counted_and_typing_is_not(rig: Rig) -> None:
    state = rig.start("sh.sb.zy")
    assert state.taps == 0
    state = rig.do(state, e.IdentityRead(id_card(SHANGHAI_ID)))
    state = rig.do(state, e.SetAnswer("phone", "13812345678"), e.ChooseAnswer("insurance_type",
                                                                              "pension"))
    assert state.taps == 1 and state.taps_after_identify == 1


def test_every_step_has_a_voice_prompt_in_both_languages(rig: Rig, catalogue: Catalogue) -> None:
    for target in ["sh.sb.jfzm", "he.sb.zy", "sh.mz.hyyy", "theme.newborn", "sh.sb.cbcx"]:
        state = rig.engine.start(target).state
        for i in range(len(state.steps)):
            s = JourneyState(**{**state.__dict__, "index": i})
            for lang in ("zh_CN", "en_US"):
                text = rig.engine.voice_prompt(s).render(lang)
                assert text and not text.startswith("journeys."), (target, i, lang)


def test_state_repr_holds_no_personal_data(rig: Rig) -> None:
    state = rig.fill(rig.start("he.sb.zy", id_card()), ANSWERS)
    text = repr(state)
    assert "张三丰" not in text and id_card().id_number not in text
    assert "13812345678" not in text


def test_a_card_from_the_id_card_simulator_drives_a_journey(rig: Rig, catalogue: Catalogue) -> None:
    from kiosk.catalogue.recommend import recommend
    from kiosk.devices.idcard.parser import parse_text
    from kiosk.devices.idcard.simulator import load_people
    from kiosk.journeys.identity import identity_from_id_card

    person = next(p for p in load_people().values() if p.fields.get("id_number", "")
                  .startswith("13"))
    card = parse_text(person.text_block())
    ident = identity_from_id_card(card)
    assert ident.method == "id_card" and ident.sex in ("M", "F") and ident.address
    recs = recommend(catalogue, ident.id_number, "310000", dt.date(2026, 11, 20),
                     JourneysConfig())
    assert recs[0].item_id.startswith("he.")
    state = rig.start(recs[0].item_id, ident, taps_before=1)
    assert state.step.kind is not StepKind.IDENTIFY and state.identity is ident


def test_receipts_map_to_printer_jobs(rig: Rig) -> None:
    from kiosk.devices.printer.layout import render_receipt
    from kiosk.devices.printer.profiles import load_profiles
    from kiosk.journeys.printing import printer_receipts

    rig.platform.online = False
    state = rig.fill(rig.start("he.sb.zy", id_card()), ANSWERS)
    rig.do(state, e.MaterialCaptured("payment_record", (b"j",)), e.Next(), e.Confirm())
    receipt = rig.printer.receipts[-1]
    jobs = printer_receipts(receipt, id_card(), terminal_id="T-1", branch="演示支行",
                            status_url_template="https://example.invalid/q/{reference}")
    assert len(jobs) == 1 and jobs[0].state == "queued" and jobs[0].reference == "L-0001"
    assert jobs[0].item_name == "社会保险关系转移申请"
    profile = next(iter(load_profiles().values()))
    data, lossy = render_receipt(jobs[0], profile)
    assert len(data) > 100 and lossy == 0
    assert id_card().id_number.encode() not in data  # the printer masks it
