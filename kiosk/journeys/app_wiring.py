"""Connects the citizen journeys to the kiosk's real parts (the composition root calls these).

- A resident ID card or social-security card read by the device layer identifies the citizen:
  recommendations are recomputed and a journey waiting at "identify" goes on.
- The platform client, the offline queue (through its Qt bridge, so the sync worker wakes at
  once), the receipt printer and the A4 printer become the journey gateways — rebuilt whenever
  one of them arrives, since devices and services start on worker threads after the first frame.
- The document and face cameras capture on their own device threads; results come back to the UI
  thread through the device bridge's ``jobFinished`` signal.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kiosk.i18n import current_language

if TYPE_CHECKING:
    from kiosk.app import KioskApp
    from kiosk.devices.base import CancelToken, Completion, DeviceEvent
    from kiosk.journeys.identity import Identity

log = logging.getLogger(__name__)
CAPTURE_TIMEOUT_S = 30.0


def identity_from_social_security_card(card: Any) -> Identity:
    from kiosk.journeys.identity import Identity

    sex = {"male": "M", "female": "F"}.get(card.gender)
    return Identity(method="social_security_card", id_number=card.ssn, name=card.name, sex=sex,
                    social_security_number=card.ssn)


def on_device_event(app: KioskApp, event: DeviceEvent) -> None:
    """UI thread: a card read becomes the session's identity."""
    from kiosk.screens.journey_support import services

    identity: Identity | None = None
    if event.kind == "card_read" and event.payload is not None:
        from kiosk.journeys.identity import identity_from_id_card

        card = getattr(event.payload, "identity", event.payload)  # a CardRead holds the card
        identity = identity_from_id_card(card)
    elif event.kind == "card_identified":
        reading = event.payload
        card = getattr(reading, "value", None)
        card = getattr(card, "social_security", card)  # the driver's CardReading holds the card
        if getattr(reading, "ok", False) and hasattr(card, "ssn") and hasattr(card, "gender"):
            identity = identity_from_social_security_card(card)
    if identity is None:
        return
    # Held by the session (not only masked in logs): the visit is no longer "empty", so the idle
    # timeout applies even on the home screen, and its end wipes the journey's identity too.
    app.session.set_identity({"name": identity.name, "id_number": identity.id_number,
                              "address": identity.address or ""})
    svc = services(app)
    svc.card_read(identity)
    if svc.recommendations and app.nav.current_route in (None, "home"):
        app.nav.push("recommended")


def connect_gateways(app: KioskApp) -> None:
    """(Re)build the journey gateways from what the app has now; safe to call repeatedly."""
    svc = getattr(app, "journey_services", None)
    if svc is None:
        return  # services(app) builds them from the app's parts on first use
    platform, queue, printer = build_gateways(app, svc)
    runner = svc.controller.runner
    if getattr(runner.platform, "client", None) is not None and \
            getattr(runner.platform, "client", None) is getattr(platform, "client", None):
        # Same platform client (a device arrived): keep the gateway, and with it the sealed
        # online submissions a retry must resend byte for byte.
        platform = runner.platform
    runner.platform, runner.queue, runner.printer = platform, queue, printer


def build_gateways(app: KioskApp, svc: Any) -> tuple[Any, Any, Any]:
    from kiosk.screens.journey_support import NotConnected

    store = svc.catalogue.store
    config = app.config
    platform: Any = NotConnected()
    queue: Any = NotConnected()
    printer: Any = NotConnected()
    if app.platform_client is not None:
        from kiosk.journeys.adapters import PlatformClientGateway

        platform = PlatformClientGateway(app.platform_client, lambda: store.current,
                                         config.terminal.region_code,
                                         chunk_bytes=config.queue.chunk_bytes)
    bridge = app.offline_queue
    if bridge is not None:
        from kiosk.journeys.adapters import OfflineQueueGateway

        def item_name(item_id: str) -> Any:
            item = store.current.items_by_id.get(item_id)
            return item.name if item is not None else None

        raw = getattr(bridge, "queue", bridge)
        worker = getattr(bridge, "worker", None)
        wake = getattr(worker, "notify_enqueued", None)

        def platform_online() -> bool | None:
            return getattr(worker, "online", None)

        queue = OfflineQueueGateway(raw, item_name, after_enqueue=wake,
                                    platform_online=platform_online,
                                    confirm_wait_s=config.queue.confirm_wait_s)
    receipt = app.devices.get("printer")
    if receipt is not None:
        from kiosk.journeys.adapters import ReceiptPrinterGateway

        printer = ReceiptPrinterGateway(
            receipt.runner, receipt.runner.device,  # type: ignore[arg-type]
            terminal_id=config.terminal.id,
            branch=config.terminal.branch_name,
            status_url_template=config.devices.printer.status_url_template,
            language=current_language, certificate_printer=_a4_printer(app),
            history=getattr(app, "receipt_history", None))
    return platform, queue, printer


def _a4_printer(app: KioskApp) -> Callable[..., Any] | None:
    a4 = app.devices.get("a4")
    if a4 is None:
        return None

    def print_certificate(template: str, data: Any, identity: Identity) -> Any:
        from kiosk.journeys.adapters import certificate_pdf
        from kiosk.journeys.gateways import GatewayResult, GatewayStatus

        cfg = app.config.devices.a4
        try:
            pdf = certificate_pdf(template, data, identity,
                                  verify_url_template=cfg.verify_url_template, issuer=cfg.issuer)
        except (KeyError, ValueError) as e:
            return GatewayResult.failure(GatewayStatus.REJECTED, detail=type(e).__name__)
        device: Any = a4.runner.device
        job = a4.runner.submit(lambda token: device.print_pdf(pdf, template, token),
                               timeout_s=CAPTURE_TIMEOUT_S * 4, label="certificate")
        done = job.result(CAPTURE_TIMEOUT_S * 4 + 5)
        if done.ok:
            return GatewayResult.success(None)
        return GatewayResult.failure(GatewayStatus.UNAVAILABLE, detail=done.error_code or str(done.outcome))

    return print_certificate


def _capture(app: KioskApp, device_name: str, run: Callable[[Any, CancelToken], Completion[Any]],
             extract: Callable[[Any], Any], done: Callable[[Any], None]) -> None:
    bridge = app.devices.get(device_name)
    if bridge is None:
        log.warning("capture asked of a missing camera", extra={"fields": {"device": device_name}})
        return
    device = bridge.runner.device
    job = bridge.submit(lambda token: run(device, token), timeout_s=CAPTURE_TIMEOUT_S,
                        label=f"{device_name} capture")

    def finished(job_id: int, completion: Completion[Any]) -> None:
        if job_id != job.id:
            return
        bridge.jobFinished.disconnect(finished)
        if completion.ok and completion.value is not None:
            done(extract(completion.value))
        else:
            log.info("capture failed", extra={"fields": {"device": device_name,
                                                         "outcome": str(completion.outcome),
                                                         "error_code": completion.error_code}})

    bridge.jobFinished.connect(finished)


def wire_journeys(app: KioskApp) -> None:
    """Install the camera capture hooks the journey screens look for."""
    app.journey_capture_document = lambda _document_type, done: _capture(  # type: ignore[attr-defined]
        app, "doc_camera", lambda d, t: d.capture_document(t), lambda c: (c.color_jpeg,), done)
    app.journey_capture_face = lambda done: _capture(  # type: ignore[attr-defined]
        app, "face_camera", lambda d, t: d.capture_face(t), lambda c: c.jpeg, done)
