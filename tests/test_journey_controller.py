"""The controller: effects off the UI thread, late results after a wipe are dropped."""

from __future__ import annotations

from collections.abc import Callable

from journey_fakes import SHANGHAI_ID, FakePlatform, FakePrinter, FakeQueue, id_card

from kiosk.catalogue.loader import load_catalogue_file
from kiosk.config import PROJECT_ROOT, JourneysConfig
from kiosk.journeys import engine as e
from kiosk.journeys.controller import InlineDispatcher, JourneyController
from kiosk.journeys.engine import JourneyEngine, JourneyState, StepKind
from kiosk.journeys.runner import EffectRunner

CAT = load_catalogue_file(PROJECT_ROOT / "assets" / "catalogue" / "demo_catalogue.json")


class DeferredDispatcher:
    def __init__(self) -> None:
        self.jobs: list[tuple[Callable[[], e.Event], Callable[[e.Event], None]]] = []

    def run(self, work: Callable[[], e.Event], done: Callable[[e.Event], None]) -> None:
        self.jobs.append((work, done))

    def finish_all(self) -> None:
        while self.jobs:
            work, done = self.jobs.pop(0)
            done(work())


def make(dispatcher: object) -> tuple[JourneyController, FakePrinter, list[JourneyState | None]]:
    printer = FakePrinter()
    seen: list[JourneyState | None] = []
    ctl = JourneyController(JourneyEngine(CAT, JourneysConfig()),
                            EffectRunner(FakePlatform(), FakeQueue(), printer),
                            dispatcher, seen.append)  # type: ignore[arg-type]
    return ctl, printer, seen


def test_inline_run_to_preview_and_print() -> None:
    ctl, printer, seen = make(InlineDispatcher())
    ctl.start("sh.sb.jfzm", id_card(SHANGHAI_ID))
    assert ctl.state is not None and ctl.state.step.kind is StepKind.PREVIEW
    assert ctl.state.certificate is not None and not ctl.busy
    ctl.send(e.Confirm())
    assert ctl.state.step.kind is StepKind.CONFIRMATION and printer.certificates
    assert len(seen) >= 4


def test_results_after_wipe_are_dropped() -> None:
    d = DeferredDispatcher()
    ctl, _printer, seen = make(d)
    ctl.start("sh.sb.jfzm", id_card(SHANGHAI_ID))
    assert ctl.busy and len(d.jobs) == 1
    ctl.wipe()
    d.finish_all()
    assert ctl.state is None and seen[-1] is None
    # A new journey is not touched by the old one's result either.
    ctl.start("sh.sb.jfzm", id_card(SHANGHAI_ID))
    old = d.jobs.pop()
    ctl.wipe()
    ctl.start("sh.sb.cbcx", id_card(SHANGHAI_ID))
    old[1](old[0]())
    assert ctl.state is not None and ctl.state.certificate is None
    d.finish_all()
    assert ctl.state.step.kind is StepKind.RESULTS and ctl.state.query is not None


def test_a_gateway_that_raises_does_not_hang_the_journey() -> None:
    class Broken(FakePlatform):
        def certificate(self, item_id: str, identity: object) -> object:  # type: ignore[override]
            raise ValueError("nonsense from the platform")

    ctl = JourneyController(JourneyEngine(CAT, JourneysConfig()),
                            EffectRunner(Broken(), FakeQueue(), FakePrinter()), InlineDispatcher())
    ctl.start("sh.sb.jfzm", id_card(SHANGHAI_ID))
    assert ctl.state is not None and not ctl.busy
    assert ctl.state.notice is not None and ctl.state.notice.key == "journeys.notice.offline"
    # Every effect has a failure result.
    from kiosk.journeys.runner import failure_event
    for effect in [e.FetchCertificate("x", id_card()), e.LoadHalls("x"), e.LoadSlots("x", "h"),
                   e.RunQuery("x", id_card()), e.LoadCases(None, "R"),
                   e.FetchLicence("m", "t", id_card()), e.VerifyFace(id_card(), b""),
                   e.SubmitApplications(()), e.BookSlot("x", "h", "s", id_card(), ())]:
        assert isinstance(failure_event(effect), e.Event)
