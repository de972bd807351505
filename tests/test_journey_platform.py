"""Journeys against the reference platform over loopback: real client, real queue, real sync.

Certificate, appointment, face verification, and an application that is queued while the
platform is down and delivered when it is back (then found by the progress query).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from journey_fakes import FakePrinter

from kiosk.catalogue.loader import Catalogue, load_catalogue_file
from kiosk.catalogue.model import LocalText
from kiosk.catalogue.regions import id_number_facts
from kiosk.config import PROJECT_ROOT, JourneysConfig
from kiosk.journeys import engine as e
from kiosk.journeys.adapters import OfflineQueueGateway, PlatformClientGateway
from kiosk.journeys.engine import JourneyEngine, StepKind
from kiosk.journeys.identity import Identity
from kiosk.journeys.runner import EffectRunner
from kiosk.platform.client import Timeouts
from platform_server.faultproxy import FaultProxy, FaultRule
from platform_server.runner import PlatformHandle, start_local_platform
from tests.queue_support import PERSON_ID, PERSON_NAME, Kiosk, drain, make_kiosk

CAT = load_catalogue_file(PROJECT_ROOT / "assets" / "catalogue" / "demo_catalogue.json")
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8 + b"\xff\xd9"


def person() -> Identity:
    facts = id_number_facts(PERSON_ID)
    assert facts is not None
    return Identity("id_card", PERSON_ID, PERSON_NAME, facts.sex, facts.birth_date,
                    "上海市徐汇区漕溪北路100号")


class World:
    def __init__(self, kiosk: Kiosk, catalogue: Catalogue) -> None:
        self.kiosk = kiosk
        self.printer = FakePrinter()
        self.engine = JourneyEngine(catalogue, JourneysConfig())

        def name(item_id: str) -> LocalText | None:
            item = catalogue.items_by_id.get(item_id)
            return item.name if item else None

        self.runner = EffectRunner(PlatformClientGateway(kiosk.client, lambda: catalogue, "310104"),
                                   OfflineQueueGateway(kiosk.queue, name), self.printer)

    def go(self, state: e.JourneyState, *events: e.Event) -> e.JourneyState:
        for ev in events:
            state = self.runner.drive(self.engine, state, ev)
        return state


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[World, PlatformHandle]]:
    handle = start_local_platform(tmp_path / "platform")
    kiosk = make_kiosk(tmp_path / "kiosk", handle)
    yield World(kiosk, CAT), handle
    kiosk.close()
    handle.stop()


def test_certificate_appointment_and_face(world: tuple[World, PlatformHandle]) -> None:
    w, _handle = world
    state = w.runner.start(w.engine, "sh.sb.jfzm", person(), taps_before=1)
    assert state.step.kind is StepKind.PREVIEW and state.certificate is not None
    assert len(state.certificate.rows) > 3
    state = w.go(state, e.Confirm(), e.Finish())
    assert state.exit == "done" and state.taps_after_identify == 3
    assert w.printer.certificates[0][0] == "cert.social_insurance_payment"

    state = w.runner.start(w.engine, "sh.mz.hyyy", person())
    assert state.halls, state.notice
    state = w.go(state, e.PickHall(state.halls[0].id))
    free = next(s for s in state.slots if s.remaining > 0)
    state = w.go(state, e.PickSlot(free.id), e.SetAnswer("phone", "13812345678"),
                 e.ChooseAnswer("marriage_type", "marry"), e.Next(), e.Confirm())
    assert state.step.kind is StepKind.CONFIRMATION and state.outcomes[0].reference

    state = w.runner.start(w.engine, "sh.sb.zgrz", person())
    state = w.go(state, e.FaceCaptured(JPEG[:-2] + b"NOMATCH" + b"\xff\xd9"))
    assert state.step.kind is StepKind.FACE and state.face_attempts == 1
    state = w.go(state, e.FaceCaptured(JPEG))
    assert state.step.kind is StepKind.CHECK


def test_queued_while_down_delivered_when_back(world: tuple[World, PlatformHandle],
                                               tmp_path: Path) -> None:
    w, handle = world
    handle.stop()
    state = w.runner.start(w.engine, "sh.sb.zy", person())
    state = w.go(state, e.SetAnswer("phone", "13812345678"), e.ChooseAnswer("insurance_type",
                                                                             "pension"),
                 e.SetAnswer("new_address", "上海市黄浦区南京东路100号"), e.Next(), e.Confirm())
    assert state.step.kind is StepKind.CONFIRMATION and state.outcomes[0].queued
    reference = state.outcomes[0].reference
    assert w.printer.receipts[-1].entries[0].queued
    # Progress query while down: only the local item, and the citizen is told why.
    state = w.runner.start(w.engine, "sh.bj.cx", person())
    assert [c.reference for c in state.cases] == [reference]
    assert state.notice is not None and state.notice.key == "journeys.notice.cases_offline"
    # The platform is back on the same port and keys: the queue drains.
    back = start_local_platform(tmp_path / "platform", port=int(handle.base_url.rsplit(":", 1)[1]))
    try:
        drain(w.kiosk.worker)
        state = w.runner.start(w.engine, "sh.bj.cx", person())
        assert any(not c.local and c.item_id == "sh.sb.zy" for c in state.cases), state.cases
        assert not any(c.local for c in state.cases)
    finally:
        back.stop()


def test_certificate_from_the_platform_renders_as_a4_pdf(world: tuple[World, PlatformHandle]) -> None:
    from kiosk.journeys.adapters import certificate_pdf

    w, _handle = world
    state = w.runner.start(w.engine, "sh.sb.jfzm", person())
    assert state.certificate is not None
    pdf = certificate_pdf("cert.social_insurance_payment", state.certificate, person(),
                          verify_url_template="https://example.invalid/v/{reference}",
                          issuer="演示支行")
    assert pdf.startswith(b"%PDF") and len(pdf) < 400_000


# ---- online-only items: straight to the platform, never queued ------------------------------

LOSS_ANSWERS = (e.SetAnswer("phone", "13812345678"), e.ChooseAnswer("loss_reason", "lost"),
                e.Next())


@pytest.fixture
def proxied(tmp_path: Path) -> Iterator[tuple[World, PlatformHandle, FaultProxy]]:
    """The platform behind the fault proxy; short timeouts so a withheld answer times out fast."""
    handle = start_local_platform(tmp_path / "platform")
    proxy = FaultProxy(handle.port).start()
    kiosk = make_kiosk(tmp_path / "kiosk", handle, base_url=proxy.base_url,
                       timeouts=Timeouts(2, 2, 2))
    yield World(kiosk, CAT), handle, proxy
    kiosk.close()
    proxy.stop()
    handle.stop()


def _loss_report_at_check(w: World) -> e.JourneyState:
    state = w.runner.start(w.engine, "sh.sb.ssk.gs", person())
    state = w.go(state, *LOSS_ANSWERS)
    assert state.step.kind is StepKind.CHECK, state.notice
    return state


def test_online_only_loss_report_is_sent_straight_to_the_platform(
        proxied: tuple[World, PlatformHandle, FaultProxy]) -> None:
    w, handle, proxy = proxied
    state = w.go(_loss_report_at_check(w), e.Confirm())
    assert state.step.kind is StepKind.CONFIRMATION, state.notice
    outcome = state.outcomes[0]
    assert not outcome.queued and outcome.failure is None
    assert outcome.reference and outcome.reference.startswith("ZW")  # the platform's case number
    app_id = state.application_ids["sh.sb.ssk.gs"]
    assert [(a["application_id"], a["case_number"]) for a in handle.applications()] == [
        (app_id, outcome.reference)]
    case = w.kiosk.client.case_by_number(outcome.reference)
    assert case.ok and case.value is not None and case.value["item_id"] == "sh.sb.ssk.gs"
    assert case.value["item_title"] == "社保卡挂失"
    assert w.kiosk.queue.stats().depth == 0 and not w.kiosk.queue.items()
    assert [r.path for r in proxy.requests("POST", "/v1/applications")] == ["/v1/applications"]
    assert w.printer.receipts[-1].entries[0].reference == outcome.reference


def test_platform_refused_tells_the_citizen_queues_nothing_and_the_retry_goes_through(
        proxied: tuple[World, PlatformHandle, FaultProxy]) -> None:
    w, handle, proxy = proxied
    proxy.set_refusing(True)
    state = w.go(_loss_report_at_check(w), e.Confirm())
    assert state.step.kind is StepKind.CHECK
    assert state.notice is not None and state.notice.key == "journeys.notice.online_only"
    assert state.answers == {"phone": "13812345678", "loss_reason": "lost"}
    assert handle.applications() == [] and w.kiosk.queue.stats().depth == 0
    proxy.set_refusing(False)
    state = w.go(state, e.Retry())
    assert state.step.kind is StepKind.CONFIRMATION and not state.outcomes[0].queued
    assert [a["case_number"] for a in handle.applications()] == [state.outcomes[0].reference]


@pytest.mark.parametrize("mode,notice,code", [
    ("reset_after", "journeys.notice.online_only", None),
    ("timeout", "journeys.notice.online_only", None),
    ("garbage", "journeys.notice.platform_error", "NET-030"),
    ("bad_signature", "journeys.notice.platform_error", "NET-031"),
])
def test_retry_after_a_lost_answer_is_still_one_application(
        proxied: tuple[World, PlatformHandle, FaultProxy], mode: str, notice: str,
        code: str | None) -> None:
    """The platform accepted the application but its answer never arrived intact: the citizen
    is told, retries, and gets the first case number back (the same sealed bytes under the same
    idempotency key), never a second application."""
    w, handle, proxy = proxied
    proxy.add(FaultRule(mode, method="POST", path_prefix="/v1/applications", delay_s=3.0))
    state = w.go(_loss_report_at_check(w), e.Confirm())
    assert state.step.kind is StepKind.CHECK
    assert state.notice is not None and state.notice.key == notice
    if code is not None:
        assert code in state.notice.render("zh_CN") and code in state.notice.render("en_US")
    accepted = handle.applications()
    assert len(accepted) == 1  # it did arrive
    state = w.go(state, e.Retry())
    assert state.step.kind is StepKind.CONFIRMATION, state.notice
    assert state.outcomes[0].reference == accepted[0]["case_number"]
    assert handle.applications() == accepted
    assert len(proxy.requests("POST", "/v1/applications")) == 2
    assert w.kiosk.queue.stats().depth == 0


def test_platform_refusal_is_a_validation_message_with_its_code(
        proxied: tuple[World, PlatformHandle, FaultProxy]) -> None:
    from kiosk.journeys.gateways import Application, GatewayStatus

    w, handle, _proxy = proxied
    bad = Identity("id_card", PERSON_ID[:-1], PERSON_NAME)  # 17 characters: PAYLOAD_INVALID
    r = w.runner.platform.submit(Application(
        "9b0e6c1e-8f0a-4e53-a1c1-0c7f1d1f0001", "sh.sb.ssk.gs", CAT.version, bad,
        (("phone", "13812345678"),), (), online_only=True))
    assert r.status is GatewayStatus.REJECTED and r.message is not None
    assert r.message.key == "journeys.notice.submit_rejected"
    assert "NET-050 PAYLOAD_INVALID" in r.message.render("zh_CN")
    assert handle.applications() == []


def test_online_submit_uploads_attachments_through_the_upload_endpoint(
        proxied: tuple[World, PlatformHandle, FaultProxy]) -> None:
    from kiosk.journeys.gateways import Application, MaterialEvidence

    w, handle, proxy = proxied
    photo = JPEG * 40  # 80 KB
    app = Application("9b0e6c1e-8f0a-4e53-a1c1-0c7f1d1f0002", "sh.sb.ssk.gs", CAT.version,
                      person(), (("phone", "13812345678"),),
                      (MaterialEvidence("photo", "camera", (photo,)),), online_only=True)
    # The first upload is cut after the platform stored it: the retry finds it there.
    proxy.add(FaultRule("reset_after", method="PUT", path_prefix="/v1/attachments/"))
    first = w.runner.platform.submit(app)
    assert first.status.value == "unavailable" and handle.applications() == []
    again = w.runner.platform.submit(app)
    assert again.ok and again.value is not None
    assert [a["case_number"] for a in handle.applications()] == [again.value.case_number]
    puts = proxy.requests("PUT", "/v1/attachments/")
    assert len(puts) == 1  # the retry asked (GET) and found the attachment complete
    assert proxy.requests("GET", "/v1/attachments/")
