"""The offline queue (kiosk.offline) as the journey engine's :class:`QueueGateway`.

An application is stored durably (encrypted to the platform's key) and the sync worker delivers
it; the citizen's receipt carries the application id until the platform's case number exists.
Waiting items are found again by reference, or by the masked ID number the queue keeps readable
(first four and last four characters, plus the first character of the name).
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kiosk.catalogue.loader import Catalogue
from kiosk.catalogue.model import LocalText
from kiosk.journeys.gateways import (
    Application,
    Booking,
    CaseStatus,
    CertificateData,
    Delivery,
    FaceMatch,
    GatewayResult,
    GatewayStatus,
    Hall,
    Licence,
    QueryResult,
    ReceiptData,
    Row,
    Slot,
    SubmitReceipt,
)
from kiosk.journeys.identity import Identity
from kiosk.journeys.messages import msg
from kiosk.privacy import mask_id_number

if TYPE_CHECKING:
    from kiosk.devices.base import CancelToken, Completion
    from kiosk.devices.printer.driver import PrintReport, ReceiptPrinter
    from kiosk.devices.printer.layout import ReceiptData as PrinterReceipt
    from kiosk.devices.runner import DeviceRunner
    from kiosk.offline.store import OfflineQueue
    from kiosk.platform.client import PlatformClient
    from kiosk.staff.reprints import ReceiptHistory

PENDING_STATES = ("queued", "sending", "retry")
DELIVERED_STATES = ("delivered", "purged")


class OfflineQueueGateway:
    def __init__(self, queue: OfflineQueue,
                 item_name: Callable[[str], LocalText | None],
                 after_enqueue: Callable[[], None] | None = None,
                 platform_online: Callable[[], bool | None] | None = None,
                 confirm_wait_s: float = 0.0, poll_s: float = 0.1) -> None:
        self.queue = queue
        self.item_name = item_name
        # Wakes the sync worker, so an application goes out at once when the platform is up.
        self.after_enqueue = after_enqueue
        self.platform_online = platform_online
        self.confirm_wait_s = confirm_wait_s
        self.poll_s = poll_s

    def await_delivery(self, reference: str) -> Delivery:
        """Wait (on the journey's worker thread) until the sync worker has delivered the queued
        application, for at most ``confirm_wait_s`` and only while the platform is reachable."""
        deadline = time.monotonic() + self.confirm_wait_s
        while True:
            online = self.platform_online() if self.platform_online is not None else None
            row = self.queue.get(reference)
            if row is not None and row.get("state") in DELIVERED_STATES and row.get("case_number"):
                return Delivery(str(row["case_number"]), platform_reachable=True)
            if online is False or time.monotonic() >= deadline:
                return Delivery(None, platform_reachable=bool(online))
            time.sleep(self.poll_s)

    def enqueue(self, application: Application) -> GatewayResult[str]:
        from kiosk.journeys.online import answers_and_attachments
        from kiosk.offline.store import ApplicationInput, Attachment

        name = self.item_name(application.item_id)
        answers, files = answers_and_attachments(application)
        attachments = [Attachment(a.name, a.mime, a.data) for a in files]
        result = self.queue.enqueue(ApplicationInput(
            item_id=application.item_id, catalogue_version=application.catalogue_version,
            applicant={"name": application.identity.name,
                       "id_number": application.identity.id_number},
            answers=answers, attachments=attachments,
            item_title=name.zh_CN if name else application.item_id,
            application_id=application.application_id))
        if result.ok and result.application_id:
            if self.after_enqueue is not None:
                self.after_enqueue()
            return GatewayResult.success(result.application_id)
        return GatewayResult.failure(GatewayStatus.REJECTED, msg("journeys.notice.queue_failed"),
                                     detail=result.error_code or result.detail)

    def local_cases(self, id_number: str | None,
                    reference: str | None) -> tuple[CaseStatus, ...]:
        masked = mask_id_number(id_number) if id_number else None
        ref = reference.strip().lower() if reference else None
        out = []
        for row in self.queue.items(PENDING_STATES):
            display = row.get("display") or {}
            if (ref is not None and str(row["id"]).lower() == ref) or (
                    masked is not None and display.get("id_number") == masked):
                name = self.item_name(str(row["item_id"])) or LocalText(
                    zh_CN=str(row["item_id"]), en_US=str(row["item_id"]))
                out.append(CaseStatus(reference=str(row["id"]), item_id=str(row["item_id"]),
                                      item_name=name, status="queued",
                                      updated_at=str(row["created_at"] or ""), local=True))
        return tuple(out)


# ---- the platform client ------------------------------------------------------------------

# Catalogue names → the reference platform's (the contract leaves kinds to each platform;
# a real integration extends these tables rather than the catalogue).
CERTIFICATE_KINDS = {"cert.social_insurance_payment": "shebao_jiaofei"}
LICENCE_TYPES = {"household_register": "hukouben", "resident_id_card": "jumin_shenfenzheng",
                 "driving_licence": "jiashizheng"}
STATUS_WORDS = {"已受理": "accepted", "审核中": "in_progress", "办理中": "in_progress",
                "已办结": "done", "已完成": "done", "未通过": "rejected", "不予受理": "rejected",
                "已提交": "submitted"}


def _failure(error: object) -> GatewayResult[Any]:
    from kiosk.platform.errors import FailureKind

    kind = getattr(error, "kind", None)
    status = getattr(error, "status", None)
    code = str(getattr(error, "error_code", "")) + " " + str(getattr(error, "code", "") or "")
    if kind in (FailureKind.NETWORK, FailureKind.TIMEOUT) or (status is not None and
                                                              (status >= 500 or status == 429)):
        return GatewayResult.failure(GatewayStatus.UNAVAILABLE, detail=code.strip())
    if status == 404:
        return GatewayResult.failure(GatewayStatus.NOT_FOUND, detail=code.strip())
    return GatewayResult.failure(GatewayStatus.REJECTED, detail=code.strip())


def _t(text: str) -> LocalText:
    # The platform answers in Chinese only; English screens show the same words.
    return LocalText(zh_CN=text or "—", en_US=text or "—")


class PlatformClientGateway:
    """kiosk.platform.client.PlatformClient as the engine's :class:`PlatformGateway`.

    ``submit`` sends online-only items straight to the platform (kiosk.journeys.online). Every
    other application answers UNAVAILABLE here, so the runner puts it in the durable queue and
    the sync worker delivers it (acknowledged to the citizen only once it is on disk)."""

    def __init__(self, client: PlatformClient, catalogue: Callable[[], Catalogue],
                 region_code: str, chunk_bytes: int = 4 * 1024 * 1024) -> None:
        from kiosk.journeys.online import OnlineSubmitter

        self.client = client
        self.catalogue = catalogue
        self.region_code = region_code
        self.online = OnlineSubmitter(client, region_code=region_code,
                                      item_title=self._item_title, chunk_bytes=chunk_bytes)

    def _item_title(self, item_id: str) -> str:
        item = self.catalogue().items_by_id.get(item_id)
        return item.name.zh_CN if item is not None else item_id

    def wipe(self) -> None:
        """Session end: nothing of this citizen's applications stays in memory."""
        self.online.wipe()

    def certificate(self, item_id: str, identity: Identity) -> GatewayResult[CertificateData]:
        item = self.catalogue().item(item_id)
        template = item.print.certificate_template or ""
        r = self.client.certificate(CERTIFICATE_KINDS.get(template, template), identity.id_number)
        if not r.ok or r.value is None:
            return _failure(r.error)
        d = r.value
        rows = []
        for row in list(d.get("rows", []))[-12:]:
            fields = {k: v for k, v in row.items() if k != "period"}
            value = " · ".join(f"{v}" for v in fields.values())
            rows.append(Row(_t(str(row.get("period", ""))), value))
        return GatewayResult.success(CertificateData(
            item.name, tuple(rows), str(d.get("verification_code", "")), str(d.get("issued_at", "")),
            raw=dict(d)))

    def licence(self, licence_type: str, identity: Identity) -> GatewayResult[Licence]:
        r = self.client.licences(identity.id_number)
        if not r.ok or r.value is None:
            return _failure(r.error)
        wanted = LICENCE_TYPES.get(licence_type, licence_type)
        for lic in r.value:
            if lic.get("licence_type") == wanted:
                return GatewayResult.success(Licence(licence_type, str(lic.get("number", "")),
                                                     _t(str(lic.get("title", "")))))
        return GatewayResult.failure(GatewayStatus.NOT_FOUND)

    def verify_face(self, identity: Identity, image: bytes) -> GatewayResult[FaceMatch]:
        r = self.client.verify_face(identity.id_number, image)
        if not r.ok or r.value is None:
            return _failure(r.error)
        return GatewayResult.success(FaceMatch(bool(r.value.get("match")),
                                               float(r.value.get("score", 0.0))))

    def query(self, item_id: str, identity: Identity) -> GatewayResult[QueryResult]:
        # The reference contract has no generic query; the enrolment certificate rows serve.
        r = self.client.certificate("shebao_jiaofei", identity.id_number)
        if not r.ok or r.value is None:
            return _failure(r.error)
        rows = list(r.value.get("rows", []))
        last = rows[-1] if rows else {}
        out = [Row(LocalText(zh_CN="参保状态", en_US="Status"), "正常参保" if rows else "未参保"),
               Row(LocalText(zh_CN="累计缴费月数", en_US="Months paid"), str(len(rows)))]
        if last:
            out.append(Row(LocalText(zh_CN="最近缴费", en_US="Last payment"),
                           str(last.get("period", ""))))
        return GatewayResult.success(QueryResult(tuple(out)))

    def case_status(self, identity: Identity | None,
                    reference: str | None) -> GatewayResult[tuple[CaseStatus, ...]]:
        if identity is not None:
            r = self.client.cases_by_id_number(identity.id_number)
            if not r.ok or r.value is None:
                return _failure(r.error)
            cases = list(r.value)
        else:
            one = self.client.case_by_number(reference or "")
            if not one.ok or one.value is None:
                failure = _failure(one.error)
                if failure.status is GatewayStatus.NOT_FOUND:
                    return GatewayResult.success(())
                return failure
            cases = [one.value]
        return GatewayResult.success(tuple(
            CaseStatus(reference=str(c.get("case_number", "")), item_id=str(c.get("item_id", "")),
                       item_name=_t(str(c.get("item_title", ""))),
                       status=STATUS_WORDS.get(str(c.get("status", "")), "in_progress"),
                       updated_at=str(c.get("updated_at", ""))) for c in cases))

    def halls(self, item_id: str) -> GatewayResult[tuple[Hall, ...]]:
        r = self.client.halls(self.region_code)
        if not r.ok or r.value is None:
            return _failure(r.error)
        if not r.value:  # nothing in this district: the whole city / province
            r = self.client.halls(None)
            if not r.ok or r.value is None:
                return _failure(r.error)
        return GatewayResult.success(tuple(
            Hall(str(h["hall_id"]), _t(str(h["name"])), _t(str(h["address"]))) for h in r.value))

    def slots(self, item_id: str, hall_id: str) -> GatewayResult[tuple[Slot, ...]]:
        r = self.client.slots(hall_id)
        if not r.ok or r.value is None:
            return _failure(r.error)
        return GatewayResult.success(tuple(
            Slot(str(s["slot_id"]), f"{s['date']}T{s['start']}", f"{s['date']}T{s['end']}",
                 int(s["remaining"])) for s in r.value[:24]))

    def book(self, item_id: str, hall_id: str, slot_id: str, identity: Identity,
             answers: tuple[tuple[str, str], ...]) -> GatewayResult[Booking]:
        # Idempotency key (a UUID): the same person, item and slot is one booking, however often
        # the kiosk retries.
        seed = hashlib.sha256(f"{identity.id_number}|{item_id}|{slot_id}".encode()).hexdigest()
        key = str(uuid.uuid5(uuid.NAMESPACE_OID, seed))
        r = self.client.book(slot_id, identity.id_number, item_id, key)
        if not r.ok or r.value is None:
            return _failure(r.error)
        return GatewayResult.success(Booking(str(r.value["booking_number"])))

    def submit(self, application: Application) -> GatewayResult[SubmitReceipt]:
        if application.online_only:
            return self.online.submit(application)
        return GatewayResult.failure(GatewayStatus.UNAVAILABLE, detail="submitted via the queue")


# ---- the receipt printer -------------------------------------------------------------------

class ReceiptPrinterGateway:
    """The receipt printer (kiosk.devices.printer) on its device runner as a PrintGateway.

    Called on an effect worker thread: each slip is a job on the printer's own thread, waited
    for here. A4 certificates go to ``certificate_printer`` (the A4 device's adapter) when given.
    Each slip is kept in ``history`` (masked, memory only) before it is sent, so a lobby manager
    can reprint it — also, and especially, when this print fails.
    """

    def __init__(self, runner: DeviceRunner, printer: ReceiptPrinter, *, terminal_id: str,
                 branch: str, status_url_template: str,
                 language: Callable[[], str] = lambda: "zh_CN", timeout_s: float = 60.0,
                 certificate_printer: Callable[[str, CertificateData, Identity],
                                               GatewayResult[None]] | None = None,
                 history: ReceiptHistory | None = None) -> None:
        self.runner = runner
        self.history = history
        self.printer = printer
        self.terminal_id = terminal_id
        self.branch = branch
        self.status_url_template = status_url_template
        self.language = language
        self.timeout_s = timeout_s
        self.certificate_printer = certificate_printer

    def print_receipt(self, receipt: ReceiptData,
                      identity: Identity | None = None) -> GatewayResult[None]:
        from kiosk.journeys.printing import printer_receipts

        if identity is None:
            return GatewayResult.failure(GatewayStatus.REJECTED, detail="receipt without identity")
        language = self.language()
        for job in printer_receipts(receipt, identity, terminal_id=self.terminal_id,
                                    branch=self.branch,
                                    status_url_template=self.status_url_template,
                                    language=language):
            if self.history is not None:
                self.history.record(job, language)
            submitted = self.runner.submit(self._job(job, language), timeout_s=self.timeout_s,
                                           label="journey receipt")
            done = submitted.result(self.timeout_s + 5)
            if not done.ok:
                return GatewayResult.failure(GatewayStatus.UNAVAILABLE,
                                             detail=done.error_code or str(done.outcome))
        return GatewayResult.success(None)

    def _job(self, job: PrinterReceipt, language: str
             ) -> Callable[[CancelToken], Completion[PrintReport]]:
        def run(token: CancelToken) -> Completion[PrintReport]:
            return self.printer.print_receipt(job, token, language=language)
        return run

    def print_certificate(self, template: str, data: CertificateData,
                          identity: Identity) -> GatewayResult[None]:
        if self.certificate_printer is None:
            return GatewayResult.failure(GatewayStatus.UNAVAILABLE, detail="A4 printer not wired")
        return self.certificate_printer(template, data, identity)


# ---- the A4 certificate --------------------------------------------------------------------

def social_insurance_payment_data(data: CertificateData, identity: Identity) -> dict[str, Any]:
    """The reference platform's 社保缴费 rows → the A4 template's fields (one row per month)."""
    rows = [r for r in data.raw.get("rows", []) if isinstance(r, dict)]
    months = [{"month": str(r.get("period", "")), "insurance": "城镇职工基本养老保险",
               "base": f"{float(r.get('base', 0)):.2f}",
               "employee": f"{float(r.get('pension_personal', 0)):.2f}",
               "employer_part": f"{float(r.get('pension_employer', 0)):.2f}", "state": "已实缴"}
              for r in rows]
    first = months[0]["month"] if months else ""
    last = months[-1]["month"] if months else ""
    return {"name": identity.name, "id_number": identity.id_number,
            "social_security_number": identity.social_security_number or identity.id_number,
            "employer": str(rows[-1].get("employer", "")) if rows else "",
            "period": f"{first}至{last}", "months": months}


A4_DATA: dict[str, Callable[[CertificateData, Identity], dict[str, Any]]] = {
    "social_insurance_payment": social_insurance_payment_data,
}


def certificate_pdf(template: str, data: CertificateData, identity: Identity, *,
                    verify_url_template: str, issuer: str) -> bytes:
    """The A4 certificate for a print item (kiosk.devices.a4 renders it); raises KeyError for a
    template without a data mapping, TemplateError for data the template refuses."""
    from kiosk.devices.a4.certificate import render_certificate

    template_id = template.removeprefix("cert.")
    fields = A4_DATA[template_id](data, identity)
    return render_certificate(template_id, fields, reference=data.document_number,
                              verify_url=verify_url_template.format(reference=data.document_number),
                              issuer=issuer)
