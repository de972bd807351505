"""Sample journey states for the screenshot tour and the demo (never for deciding anything).

A journey is data, so the tour can show any step without a platform: the engine is driven with
scripted events, and where it asks for outside data the sample answer is fed in as that effect's
result. The person is fictional (a Hebei resident in Shanghai, a valid test ID number).
"""

from __future__ import annotations

import datetime as dt

from kiosk.catalogue.model import LocalText
from kiosk.catalogue.regions import id_number_facts, make_id_number
from kiosk.journeys import engine as e
from kiosk.journeys.engine import JourneyEngine, JourneyState, StepKind, SubmitOutcome
from kiosk.journeys.gateways import (
    CaseStatus,
    CertificateData,
    FaceMatch,
    GatewayResult,
    GatewayStatus,
    Hall,
    Licence,
    QueryResult,
    Row,
    Slot,
)
from kiosk.journeys.identity import Identity
from kiosk.journeys.messages import msg

SAMPLE_ID = make_id_number("130102", dt.date(1958, 4, 12), 36, male=True)


def sample_identity(method: str = "id_card") -> Identity:
    facts = id_number_facts(SAMPLE_ID)
    assert facts is not None
    return Identity(method=method, id_number=SAMPLE_ID, name="张测试",  # type: ignore[arg-type]
                    sex=facts.sex, birth_date=facts.birth_date,
                    address="河北省石家庄市长安区测试路1号", ethnicity="汉")


def _t(zh: str, en: str) -> LocalText:
    return LocalText(zh_CN=zh, en_US=en)


def _answer(effect: e.Effect, offline: bool) -> e.Event:
    """The sample world's answer to an effect."""
    if isinstance(effect, e.FetchCertificate):
        return e.CertificateLoaded(GatewayResult.success(CertificateData(
            _t("社会保险参保缴费证明", "Social insurance payment certificate"),
            (Row(_t("参保单位", "Employer"), "上海某某科技有限公司"),
             Row(_t("参保险种", "Insurance"), "职工基本养老保险"),
             Row(_t("缴费起止", "Period"), "2016-03 至 2026-10"),
             Row(_t("累计缴费月数", "Months paid"), "128")),
            "ZM20261120000123", "2026-11-20")))
    if isinstance(effect, e.VerifyFace):
        return e.FaceChecked(GatewayResult.success(FaceMatch(True, 0.95)))
    if isinstance(effect, e.FetchLicence):
        if effect.licence_type == "household_register":
            return e.LicenceLoaded(effect.material_id, GatewayResult.success(
                Licence(effect.licence_type, "LIC-1", _t("居民户口簿", "Household register"))))
        return e.LicenceLoaded(effect.material_id, GatewayResult.failure(GatewayStatus.NOT_FOUND))
    if isinstance(effect, e.RunQuery):
        return e.QueryLoaded(GatewayResult.success(QueryResult((
            Row(_t("参保状态", "Status"), "正常参保"),
            Row(_t("参保地", "Insured in"), "上海市"),
            Row(_t("最近缴费", "Last payment"), "2026-10")))))
    if isinstance(effect, e.LoadCases):
        return e.CasesLoaded(
            GatewayResult.success((CaseStatus("SH20261102-0042", "sh.yb.ydba",
                                              _t("异地就医备案", "Medical care registration"),
                                              "done", "2026-11-03"),)),
            (CaseStatus("L-20261120-0007", "he.sb.zy",
                        _t("社会保险关系转移申请", "Transfer social insurance records"), "queued",
                        "2026-11-20 10:12", local=True),))
    if isinstance(effect, e.LoadHalls):
        return e.HallsLoaded(GatewayResult.success((
            Hall("h1", _t("黄浦区婚姻登记中心", "Huangpu Marriage Registry"),
                 _t("黄浦区西藏南路1号", "1 South Xizang Road")),
            Hall("h2", _t("徐汇区婚姻登记中心", "Xuhui Marriage Registry"),
                 _t("徐汇区漕溪北路2号", "2 North Caoxi Road")))))
    if isinstance(effect, e.LoadSlots):
        return e.SlotsLoaded(effect.hall_id, GatewayResult.success(tuple(
            Slot(f"{effect.hall_id}-{d}-{h}", f"2026-11-{d}T{h:02d}:00", f"2026-11-{d}T{h:02d}:30",
                 0 if (d, h) == (23, 9) else 4)
            for d in (23, 24) for h in (9, 10, 14))))
    if isinstance(effect, e.BookSlot):
        return e.Booked(GatewayResult.success("YY20261123-0015"))
    if isinstance(effect, e.SubmitApplications):
        queued = offline
        return e.Submitted(tuple(
            # Offline, an online-only item is refused and nothing is queued (as the runner does).
            SubmitOutcome(a.item_id, None, failure=msg("journeys.notice.online_only"))
            if offline and a.online_only else
            SubmitOutcome(a.item_id, f"L-20261120-00{n + 7}" if queued
                          else f"SH20261120-00{n + 51}", queued=queued)
            for n, a in enumerate(effect.applications)))
    if isinstance(effect, e.PrintDocuments):
        return e.Printed(GatewayResult.success(None))
    raise TypeError(type(effect).__name__)


def drive(engine: JourneyEngine, transition: e.Transition, *events: e.Event,
          offline: bool = False) -> JourneyState:
    state = transition.state
    effects = list(transition.effects)
    pending = list(events)
    while True:
        while effects:
            t = engine.handle(state, _answer(effects.pop(0), offline))
            state, effects = t.state, effects + list(t.effects)
        if not pending:
            return state
        t = engine.handle(state, pending.pop(0))
        state, effects = t.state, list(t.effects)


TRANSFER_ANSWERS = {"phone": "13812345678", "insurance_type": "pension",
                    "insured_since": "2016-03-01", "employer": "上海某某科技有限公司",
                    "transfer_reason": "job", "new_address": "上海市黄浦区南京东路100号"}

SAMPLES = ("identify", "face", "form_question", "form_error", "form_page", "material_camera",
           "material_licence", "hall", "slot", "check", "preview", "confirmation",
           "confirmation_queued", "check_online_only", "confirmation_online", "results_query",
           "results_cases", "theme_check")


def sample_state(engine: JourneyEngine, name: str) -> JourneyState:
    """One named step of a sample journey (see :data:`SAMPLES`)."""
    ident = sample_identity()
    offline = name in ("confirmation_queued", "check_online_only")
    if name == "identify":
        return drive(engine, engine.start("he.sb.zy"))
    if name == "face":
        return drive(engine, engine.start("he.sb.zgrz", ident, taps_before=1))
    transfer = [e.SetAnswer(k, v) if k not in ("insurance_type", "transfer_reason")
                else e.ChooseAnswer(k, v) for k, v in TRANSFER_ANSWERS.items()]
    nexts = []
    for ev in transfer:
        nexts += [ev, e.Next()]
    if name == "form_question":
        return drive(engine, engine.start("he.sb.zy", ident), *nexts[:4])
    if name == "form_error":
        return drive(engine, engine.start("he.sb.zy", ident), e.SetAnswer("phone", "1381234"),
                     e.Next())
    if name == "form_page":
        return drive(engine, engine.start("sh.sb.ssk.gs", sample_identity("social_security_card")),
                     e.SetAnswer("phone", "1391234"))
    if name in ("material_camera", "check", "confirmation", "confirmation_queued"):
        state = drive(engine, engine.start("he.sb.zy", ident), *nexts)
        if name == "material_camera":
            return state
        state = drive(engine, e.Transition(state),
                      e.MaterialCaptured("payment_record", (b"sample",)), e.Next())
        if name == "check":
            return state
        return drive(engine, e.Transition(state), e.Confirm(), offline=offline)
    if name in ("check_online_only", "confirmation_online"):
        # 社保卡挂失 is online-only: sent straight to the platform, or refused while it is down.
        return drive(engine, engine.start("sh.sb.ssk.gs", sample_identity("social_security_card")),
                     e.SetAnswer("phone", "13812345678"), e.ChooseAnswer("loss_reason", "lost"),
                     e.Next(), e.Confirm(), offline=offline)
    if name == "material_licence":
        return drive(engine, engine.start("sh.hj.hkqy", ident), e.SetAnswer("phone", "13812345678"),
                     e.ChooseAnswer("move_reason", "job"),
                     e.SetAnswer("new_address", "上海市黄浦区南京东路100号"), e.Next())
    if name == "hall":
        return drive(engine, engine.start("sh.mz.hyyy", ident))
    if name == "slot":
        return drive(engine, engine.start("sh.mz.hyyy", ident), e.PickHall("h2"))
    if name == "preview":
        return drive(engine, engine.start("sh.sb.jfzm", ident, taps_before=1))
    if name == "results_query":
        return drive(engine, engine.start("sh.sb.cbcx", ident))
    if name == "results_cases":
        return drive(engine, engine.start("sh.bj.cx", ident))
    if name == "theme_check":
        state = drive(engine, engine.start("theme.newborn", ident), e.SetAnswer("phone", "13812345678"),
                      e.SetAnswer("baby_name", "张小宝"), e.SetAnswer("baby_birth_date", "2026-11-01"),
                      e.ChooseAnswer("baby_sex", "M"), e.ChooseAnswer("delivery", "post"), e.Next())
        while state.step.kind is StepKind.MATERIAL:
            if state.step.material not in state.materials:
                state = drive(engine, e.Transition(state),
                              e.MaterialCaptured(state.step.material or "", (b"sample",)))
            state = drive(engine, e.Transition(state), e.Next())
        return state
    raise KeyError(name)
