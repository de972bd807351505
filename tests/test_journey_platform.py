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
