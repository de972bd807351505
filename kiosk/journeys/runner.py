"""Runs the engine's effects against the gateways and feeds the results back.

Synchronous on purpose: the UI calls :meth:`EffectRunner.execute` on a worker thread and posts
the returned event back to the UI thread; tests call :meth:`EffectRunner.drive` directly.
Submission policy: try the platform; when it is unreachable, queue the application durably
(unless the item needs the platform online) and tell the citizen plainly.
"""

from __future__ import annotations

import logging
from typing import Any

from kiosk.journeys.engine import (
    Booked,
    BookSlot,
    CasesLoaded,
    CertificateLoaded,
    Effect,
    Event,
    FaceChecked,
    FetchCertificate,
    FetchLicence,
    HallsLoaded,
    JourneyEngine,
    JourneyState,
    LicenceLoaded,
    LoadCases,
    LoadHalls,
    LoadSlots,
    PrintDocuments,
    Printed,
    QueryLoaded,
    RunQuery,
    SlotsLoaded,
    SubmitApplications,
    SubmitOutcome,
    Submitted,
    VerifyFace,
)
from kiosk.journeys.gateways import (
    GatewayResult,
    GatewayStatus,
    PlatformGateway,
    PrintGateway,
    QueueGateway,
)
from kiosk.journeys.messages import msg

log = logging.getLogger(__name__)


class EffectRunner:
    def __init__(self, platform: PlatformGateway, queue: QueueGateway,
                 printer: PrintGateway) -> None:
        self.platform = platform
        self.queue = queue
        self.printer = printer

    def execute(self, effect: Effect) -> Event:
        """Do one effect; expected failures come back inside the event, never raised."""
        p = self.platform
        if isinstance(effect, FetchCertificate):
            return CertificateLoaded(p.certificate(effect.item_id, effect.identity))
        if isinstance(effect, VerifyFace):
            return FaceChecked(p.verify_face(effect.identity, effect.image))
        if isinstance(effect, FetchLicence):
            return LicenceLoaded(effect.material_id, p.licence(effect.licence_type, effect.identity))
        if isinstance(effect, RunQuery):
            return QueryLoaded(p.query(effect.item_id, effect.identity))
        if isinstance(effect, LoadCases):
            ident = effect.identity
            local = self.queue.local_cases(ident.id_number if ident else None, effect.reference)
            return CasesLoaded(p.case_status(ident, effect.reference), local)
        if isinstance(effect, LoadHalls):
            return HallsLoaded(p.halls(effect.item_id))
        if isinstance(effect, LoadSlots):
            return SlotsLoaded(effect.hall_id, p.slots(effect.item_id, effect.hall_id))
        if isinstance(effect, BookSlot):
            r = p.book(effect.item_id, effect.hall_id, effect.slot_id, effect.identity,
                       effect.answers)
            ref: GatewayResult[str] = (GatewayResult.success(r.value.reference)
                                       if r.ok and r.value is not None
                                       else GatewayResult.failure(r.status, r.message, r.detail))
            return Booked(ref)
        if isinstance(effect, SubmitApplications):
            return Submitted(tuple(self._submit_one(a) for a in effect.applications))
        if isinstance(effect, PrintDocuments):
            if effect.certificate is not None and effect.certificate_template and effect.identity:
                printed = self.printer.print_certificate(effect.certificate_template,
                                                         effect.certificate, effect.identity)
                if not printed.ok:
                    return Printed(printed)
            return Printed(self.printer.print_receipt(effect.receipt, effect.identity))
        raise TypeError(f"unknown effect {type(effect).__name__}")

    def execute_safely(self, effect: Effect) -> Event:
        """:meth:`execute`, but a gateway that raises (a bug, nonsense from the platform) gives
        the effect's failure result instead of leaving the journey waiting forever."""
        try:
            return self.execute(effect)
        except Exception:
            log.exception("journey_effect_failed", extra={"fields": {"effect": type(effect).__name__}})
            return failure_event(effect)

    def _submit_one(self, app: object) -> SubmitOutcome:
        from kiosk.journeys.gateways import Application

        assert isinstance(app, Application)
        r = self.platform.submit(app)
        if r.ok and r.value is not None:
            log.info("application_submitted", extra={"fields": {
                "item": app.item_id, "application_id": app.application_id}})
            return SubmitOutcome(app.item_id, r.value.case_number)
        if r.status is GatewayStatus.UNAVAILABLE:
            if app.online_only:
                return SubmitOutcome(app.item_id, None,
                                     failure=msg("journeys.notice.online_only"))
            q = self.queue.enqueue(app)
            if q.ok and q.value is not None:
                log.info("application_queued", extra={"fields": {
                    "item": app.item_id, "application_id": app.application_id}})
                # Safe on disk now; while the platform is up the sync worker sends it within a
                # second or two, and the citizen leaves with the platform's case number.
                delivery = self.queue.await_delivery(q.value)
                if delivery.case_number is not None:
                    log.info("application_delivered_while_waiting", extra={"fields": {
                        "item": app.item_id, "application_id": app.application_id}})
                    return SubmitOutcome(app.item_id, delivery.case_number)
                return SubmitOutcome(app.item_id, q.value, queued=True,
                                     sending=delivery.platform_reachable)
            log.error("application_enqueue_failed", extra={"fields": {
                "item": app.item_id, "detail": q.detail}})
            return SubmitOutcome(app.item_id, None, failure=msg("journeys.notice.queue_failed"))
        log.warning("application_rejected", extra={"fields": {
            "item": app.item_id, "status": str(r.status), "detail": r.detail}})
        return SubmitOutcome(app.item_id, None,
                             failure=r.message or msg("journeys.notice.rejected"))

    def drive(self, engine: JourneyEngine, state: JourneyState, event: Event) -> JourneyState:
        """Handle an event and run every effect that follows, until the engine waits for the citizen."""
        transition = engine.handle(state, event)
        effects = list(transition.effects)
        state = transition.state
        while effects:
            result = self.execute_safely(effects.pop(0))
            transition = engine.handle(state, result)
            state = transition.state
            effects.extend(transition.effects)
        return state

    def start(self, engine: JourneyEngine, target_id: str, identity: object = None,
              taps_before: int = 0) -> JourneyState:
        from kiosk.journeys.identity import Identity

        ident = identity if isinstance(identity, Identity) else None
        transition = engine.start(target_id, ident, taps_before)
        state = transition.state
        effects = list(transition.effects)
        while effects:
            transition = engine.handle(state, self.execute_safely(effects.pop(0)))
            state = transition.state
            effects.extend(transition.effects)
        return state


def failure_event(effect: Effect) -> Event:
    """The "platform unavailable" result of any effect."""
    down: GatewayResult[Any] = GatewayResult.failure(GatewayStatus.UNAVAILABLE, detail="error")
    if isinstance(effect, FetchCertificate):
        return CertificateLoaded(down)
    if isinstance(effect, VerifyFace):
        return FaceChecked(down)
    if isinstance(effect, FetchLicence):
        return LicenceLoaded(effect.material_id, down)
    if isinstance(effect, RunQuery):
        return QueryLoaded(down)
    if isinstance(effect, LoadCases):
        return CasesLoaded(down, ())
    if isinstance(effect, LoadHalls):
        return HallsLoaded(down)
    if isinstance(effect, LoadSlots):
        return SlotsLoaded(effect.hall_id, down)
    if isinstance(effect, BookSlot):
        return Booked(down)
    if isinstance(effect, SubmitApplications):
        return Submitted(tuple(SubmitOutcome(a.item_id, None, failure=msg("journeys.notice.offline"))
                               for a in effect.applications))
    if isinstance(effect, PrintDocuments):
        return Printed(down)
    raise TypeError(f"unknown effect {type(effect).__name__}")
