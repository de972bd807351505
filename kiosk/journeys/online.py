"""Direct submission of an online-only item (社保卡挂失, 社保卡激活 …) to the platform.

Offline-capable items go through the durable queue and its sync worker. An online-only item
must not wait in a queue (a loss report that takes effect tomorrow is no loss report), so it is
sealed and sent here, synchronously, on the journey's effect worker thread (the journey
controller runs every gateway call through its dispatcher's thread pool, never on the UI thread).

The same contract and the same format as the sync worker (kiosk.platform.submission): the
application id fixed when the citizen confirms is the ``Idempotency-Key``, and the sealed bytes
are kept for the journey, so a retry after a timeout resends byte-identical content and the
platform answers with the first receipt instead of making a second application.

Attachments go through the same resumable upload endpoint as the sync worker, not inline: the
contract's ``Submission`` only references attachments by SHA-256 (``additionalProperties:
false``), the platform keeps what arrived (a retry after a dropped connection sends only what is
missing, and nothing for a scan it already holds), and one upload path is one thing to test.

Expected failures are values: the platform unreachable (refused, timeout, 5xx, 429) is
UNAVAILABLE, which the runner turns into "this item needs the network" with nothing queued; a
refusal (4xx) is REJECTED with the platform's code; an answer that is not the contract (garbage,
bad signature) or a terminal problem is REJECTED with the client's NET code.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from kiosk.journeys.gateways import Application, GatewayResult, GatewayStatus, SubmitReceipt
from kiosk.journeys.messages import msg
from kiosk.platform import codes, crypto
from kiosk.platform.client import PlatformClient
from kiosk.platform.errors import FailureKind, PlatformError
from kiosk.platform.submission import AttachmentInput, SealedSubmission, seal_submission

log = logging.getLogger(__name__)

# Sealed submissions kept for retries: a journey has at most a theme's handful of items.
MAX_KEPT = 16


def answers_and_attachments(application: Application
                            ) -> tuple[dict[str, object], list[AttachmentInput]]:
    """The application's answers (electronic licences named by material) and its photographs,
    as both the queue and the direct submit send them."""
    answers: dict[str, object] = dict(application.answers)
    attachments = []
    for m in application.materials:
        if m.licence_id:
            answers[f"licence:{m.material_id}"] = m.licence_id
        for n, image in enumerate(m.images):
            attachments.append(AttachmentInput(f"{m.material_id}-{n + 1}.jpg", "image/jpeg",
                                               image))
    return answers, attachments


def _fingerprint(application: Application, answers: dict[str, object],
                 attachments: list[AttachmentInput]) -> str:
    """What the citizen is sending, without the randomness of sealing (never logged)."""
    h = hashlib.sha256(crypto.canonical_json({
        "item": application.item_id, "catalogue": application.catalogue_version,
        "applicant": [application.identity.name, application.identity.id_number],
        "answers": answers}))
    for a in attachments:
        h.update(a.name.encode() + b"\0" + hashlib.sha256(a.data).digest())
    return h.hexdigest()


def _code(err: PlatformError) -> str:
    return f"{err.error_code} {err.code}" if err.code else err.error_code


def submit_failure(err: PlatformError) -> GatewayResult[SubmitReceipt]:
    """A failed online submit as the value the journey shows."""
    status = err.status or 0
    if err.kind in (FailureKind.NETWORK, FailureKind.TIMEOUT) or (
            err.kind is FailureKind.HTTP and (status >= 500 or status in (408, 429))):
        return GatewayResult.failure(GatewayStatus.UNAVAILABLE, detail=_code(err))
    if err.kind is FailureKind.HTTP and err.code == "IDEMPOTENCY_CONFLICT":
        # A first try that timed out did arrive, and the answers were changed since.
        return GatewayResult.failure(GatewayStatus.REJECTED,
                                     msg("journeys.notice.already_submitted", code=_code(err)),
                                     detail=_code(err))
    if err.kind is FailureKind.HTTP and not err.transient:
        return GatewayResult.failure(GatewayStatus.REJECTED,
                                     msg("journeys.notice.submit_rejected", code=_code(err)),
                                     detail=_code(err))
    # Not the contract (garbage, a receipt that does not verify), the terminal refused (401/403)
    # or a 409 that asks to try again: retrying is safe, the citizen sees the code.
    return GatewayResult.failure(GatewayStatus.REJECTED,
                                 msg("journeys.notice.platform_error", code=_code(err)),
                                 detail=_code(err))


class OnlineSubmitter:
    def __init__(self, client: PlatformClient, *, region_code: str,
                 item_title: Callable[[str], str], chunk_bytes: int = 4 * 1024 * 1024,
                 clock: Callable[[], float] = time.time) -> None:
        self.client = client
        self.region_code = region_code
        self.item_title = item_title
        self.chunk_bytes = chunk_bytes
        self.clock = clock
        self._lock = threading.Lock()
        self._sealed: OrderedDict[str, tuple[str, SealedSubmission]] = OrderedDict()
        self._tries: dict[str, int] = {}

    def wipe(self) -> None:
        """Session end: forget the sealed submissions kept for retries."""
        with self._lock:
            self._sealed.clear()
            self._tries.clear()

    def submit(self, application: Application) -> GatewayResult[SubmitReceipt]:
        sealed = self._sealed_for(application)
        if isinstance(sealed, GatewayResult):
            return sealed
        with self._lock:
            attempt = self._tries.get(application.application_id, 0) + 1
            self._tries[application.application_id] = attempt
        fields = {"item": application.item_id, "application_id": application.application_id,
                  "attempt": attempt, "attachments": len(sealed.attachments)}
        started = time.monotonic()
        err = self._upload(sealed, ask_first=attempt > 1)
        if err is None:
            res = self.client.submit_application(sealed.application_id, sealed.manifest)
            if res.error is not None and res.error.code == "ATTACHMENT_INCOMPLETE":
                # The platform lost or never finished a part: upload what it lacks, once.
                err = self._upload(sealed, ask_first=True)
                if err is None:
                    res = self.client.submit_application(sealed.application_id, sealed.manifest)
            err = res.error
            if err is None and res.value is not None:
                self._forget(application.application_id)
                log.info("online_submit.accepted", extra={"fields": {
                    **fields, "case_number": res.value.case_number,
                    "ms": round((time.monotonic() - started) * 1000)}})
                return GatewayResult.success(SubmitReceipt(res.value.case_number))
        assert err is not None
        failure = submit_failure(err)
        log.warning("online_submit.failed", extra={"fields": {
            **fields, "status": str(failure.status), "error_code": err.error_code,
            "detail": err.describe()[:200]}})
        return failure

    def _upload(self, sealed: SealedSubmission, ask_first: bool) -> PlatformError | None:
        for a in sealed.attachments:
            up = self.client.upload_attachment(a.sha256, a.blob, self.chunk_bytes,
                                               ask_first=ask_first, sha256_computed=True)
            if up.error is not None:
                return up.error
        return None

    def _sealed_for(self, application: Application
                    ) -> SealedSubmission | GatewayResult[SubmitReceipt]:
        """The sealed bytes of this application: the ones sent before when nothing changed."""
        answers, attachments = answers_and_attachments(application)
        fingerprint = _fingerprint(application, answers, attachments)
        app_id = application.application_id
        with self._lock:
            kept = self._sealed.get(app_id)
            if kept is not None and kept[0] == fingerprint:
                self._sealed.move_to_end(app_id)
                return kept[1]
        ident = application.identity
        try:
            sealed = seal_submission(
                encryption_key_b64=self.client.platform_keys.encryption, application_id=app_id,
                item_id=application.item_id, catalogue_version=application.catalogue_version,
                created_at=self.clock(), terminal_id=self.client.terminal_id,
                region_code=self.region_code, item_title=self.item_title(application.item_id),
                applicant={"name": ident.name, "id_number": ident.id_number},
                answers=answers, attachments=attachments)
        except crypto.CryptoError:
            log.error("online_submit.seal_failed", extra={"fields": {
                "item": application.item_id, "error_code": codes.CONFIG.code}})
            return GatewayResult.failure(
                GatewayStatus.REJECTED, msg("journeys.notice.platform_error", code=codes.CONFIG.code),
                detail=codes.CONFIG.code)
        with self._lock:
            self._sealed[app_id] = (fingerprint, sealed)
            while len(self._sealed) > MAX_KEPT:
                old, _ = self._sealed.popitem(last=False)
                self._tries.pop(old, None)
        return sealed

    def _forget(self, application_id: str) -> None:
        with self._lock:
            self._sealed.pop(application_id, None)
            self._tries.pop(application_id, None)
