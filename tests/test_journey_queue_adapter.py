"""Journeys queue applications in the real offline queue (SQLite + encrypted files)."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

from journey_fakes import SHANGHAI_ID, FakePlatform, FakePrinter, id_card

from kiosk.catalogue.loader import load_catalogue_file
from kiosk.catalogue.model import LocalText
from kiosk.config import PROJECT_ROOT, JourneysConfig
from kiosk.journeys import engine as e
from kiosk.journeys.adapters import OfflineQueueGateway
from kiosk.journeys.engine import JourneyEngine, StepKind
from kiosk.journeys.runner import EffectRunner
from platform_server.runner import PlatformHandle
from tests.queue_support import make_queue

pytest_plugins = ("tests.platform_fixtures",)  # platform, proxy, client

CAT = load_catalogue_file(PROJECT_ROOT / "assets" / "catalogue" / "demo_catalogue.json")


def test_offline_application_lands_in_the_queue_and_is_found_again(
        tmp_path: Path, platform: PlatformHandle) -> None:
    queue = make_queue(tmp_path, platform)
    queue.open()
    try:
        def name(item_id: str) -> LocalText | None:
            item = CAT.items_by_id.get(item_id)
            return item.name if item else None

        gateway = OfflineQueueGateway(queue, name)
        counter = itertools.count(1)
        engine = JourneyEngine(CAT, JourneysConfig(), clock=lambda: dt.datetime(2026, 11, 20, 10),
                               new_id=lambda: f"00000000-0000-4000-8000-00000000000{next(counter)}")
        runner = EffectRunner(FakePlatform(online=False), gateway, FakePrinter())
        ident = id_card(SHANGHAI_ID)
        state = runner.start(engine, "sh.hj.hkqy", ident)
        for ev in [e.SetAnswer("phone", "13812345678"), e.ChooseAnswer("move_reason", "job"),
                   e.SetAnswer("new_address", "上海市黄浦区南京东路100号"), e.Next(),
                   e.UseCamera("household_register"),
                   e.MaterialCaptured("household_register", (b"\xff\xd8page1", b"\xff\xd8page2")),
                   e.Next(), e.Confirm()]:
            state = runner.drive(engine, state, ev)
        assert state.step.kind is StepKind.CONFIRMATION and state.outcomes[0].queued
        ref = state.outcomes[0].reference
        assert ref == "00000000-0000-4000-8000-000000000001"
        assert queue.stats().depth == 1
        # No personal data in the queue's readable columns or files.
        rows = queue.items()
        assert ident.name not in str(rows) and ident.id_number not in str(rows)
        for f in (tmp_path / "files").rglob("*"):
            if f.is_file():
                assert ident.id_number.encode() not in f.read_bytes()
        # Progress query finds it by ID card and by reference; another person sees nothing.
        assert [c.reference for c in gateway.local_cases(ident.id_number, None)] == [ref]
        assert [c.reference for c in gateway.local_cases(None, ref.upper())] == [ref]
        assert gateway.local_cases("110101199003071234", None) == ()
        assert gateway.local_cases(ident.id_number, None)[0].item_name.zh_CN == "户口迁移"
    finally:
        queue.close()


def _journey_to_submit(runner: EffectRunner, engine: JourneyEngine) -> e.JourneyState:
    state = runner.start(engine, "sh.hj.hkqy", id_card(SHANGHAI_ID))
    for ev in [e.SetAnswer("phone", "13812345678"), e.ChooseAnswer("move_reason", "job"),
               e.SetAnswer("new_address", "上海市黄浦区南京东路100号"), e.Next(),
               e.UseCamera("household_register"),
               e.MaterialCaptured("household_register", (b"\xff\xd8page1",)),
               e.Next(), e.Confirm()]:
        state = runner.drive(engine, state, ev)
    return state


def _name(item_id: str) -> LocalText | None:
    item = CAT.items_by_id.get(item_id)
    return item.name if item else None


def test_with_the_platform_up_the_citizen_leaves_with_the_platforms_case_number(
        tmp_path: Path, platform: PlatformHandle) -> None:
    """Offline-capable items always go through the queue; while the platform is reachable the
    sync worker delivers within the wait, so the receipt carries the platform's number and no
    "network is down" wording."""
    from tests.queue_support import make_kiosk

    kiosk = make_kiosk(tmp_path, platform)
    kiosk.worker.start()
    try:
        gateway = OfflineQueueGateway(kiosk.queue, _name, after_enqueue=kiosk.worker.notify_enqueued,
                                      platform_online=lambda: kiosk.worker.online,
                                      confirm_wait_s=10.0)
        engine = JourneyEngine(CAT, JourneysConfig(), clock=lambda: dt.datetime(2026, 11, 20, 10))
        state = _journey_to_submit(EffectRunner(FakePlatform(online=False), gateway, FakePrinter()),
                                   engine)
        assert state.step.kind is StepKind.CONFIRMATION
        outcome = state.outcomes[0]
        assert not outcome.queued and outcome.reference is not None
        assert outcome.reference.startswith("ZW")  # the reference platform's case number
        assert state.notice is None
        delivered = [a for a in platform.applications() if a["case_number"] == outcome.reference]
        assert len(delivered) == 1
    finally:
        kiosk.close()


def test_with_the_platform_down_nobody_waits_and_the_notice_says_so(
        tmp_path: Path, platform: PlatformHandle) -> None:
    import time

    queue = make_queue(tmp_path, platform)
    queue.open()
    try:
        gateway = OfflineQueueGateway(queue, _name, platform_online=lambda: False,
                                      confirm_wait_s=10.0)
        engine = JourneyEngine(CAT, JourneysConfig(), clock=lambda: dt.datetime(2026, 11, 20, 10))
        started = time.monotonic()
        state = _journey_to_submit(EffectRunner(FakePlatform(online=False), gateway, FakePrinter()),
                                   engine)
        assert time.monotonic() - started < 5.0  # not the 10 s wait
        outcome = state.outcomes[0]
        assert outcome.queued and not outcome.sending
        assert state.notice is not None and state.notice.key == "journeys.notice.queued"
    finally:
        queue.close()
