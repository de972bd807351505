"""In-memory fakes of the journey gateways, for unit tests of the engine only.

The end-to-end tests use the real platform client, queue and printer simulators instead.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kiosk.catalogue.model import LocalText
from kiosk.catalogue.regions import make_id_number
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

FACE_OK = b"face-that-matches"

HEBEI_ID = make_id_number("130102", dt.date(1990, 5, 1), 12, male=True)
HEBEI_RETIREE_ID = make_id_number("130102", dt.date(1950, 3, 8), 14, male=False)
SHANGHAI_ID = make_id_number("310104", dt.date(1985, 7, 9), 16, male=True)


def id_card(id_number: str = HEBEI_ID, address: str | None = "河北省石家庄市长安区建设北大街1号",
            method: str = "id_card") -> Identity:
    from kiosk.catalogue.regions import id_number_facts

    facts = id_number_facts(id_number)
    assert facts is not None
    return Identity(method=method, id_number=id_number, name="张三丰",  # type: ignore[arg-type]
                    sex=facts.sex, birth_date=facts.birth_date, address=address, ethnicity="汉")


def _fail(status: GatewayStatus) -> GatewayResult:  # type: ignore[type-arg]
    return GatewayResult.failure(status, detail="fake")


@dataclass
class FakePlatform:
    online: bool = True
    licences: set[str] = field(default_factory=lambda: {"household_register", "birth_certificate"})
    cases: dict[str, tuple[CaseStatus, ...]] = field(default_factory=dict)
    submitted: list[Application] = field(default_factory=list)
    reject_items: set[str] = field(default_factory=set)
    face_checks: int = 0
    full_slots: set[str] = field(default_factory=set)

    def certificate(self, item_id: str, identity: Identity) -> GatewayResult[CertificateData]:
        if not self.online:
            return _fail(GatewayStatus.UNAVAILABLE)
        rows = (Row(LocalText(zh_CN="缴费月数", en_US="Months paid"), "120"),)
        return GatewayResult.success(CertificateData(
            LocalText(zh_CN="社会保险缴费证明", en_US="Payment certificate"), rows,
            "ZM-2026-000123", "2026-11-20"))

    def licence(self, licence_type: str, identity: Identity) -> GatewayResult[Licence]:
        if not self.online:
            return _fail(GatewayStatus.UNAVAILABLE)
        if licence_type not in self.licences:
            return _fail(GatewayStatus.NOT_FOUND)
        return GatewayResult.success(Licence(licence_type, f"LIC-{licence_type}",
                                             LocalText(zh_CN="电子证照", en_US="Licence")))

    def verify_face(self, identity: Identity, image: bytes) -> GatewayResult[FaceMatch]:
        self.face_checks += 1
        if not self.online:
            return _fail(GatewayStatus.UNAVAILABLE)
        ok = image == FACE_OK
        return GatewayResult.success(FaceMatch(ok, 0.93 if ok else 0.2))

    def query(self, item_id: str, identity: Identity) -> GatewayResult[QueryResult]:
        if not self.online:
            return _fail(GatewayStatus.UNAVAILABLE)
        return GatewayResult.success(QueryResult(
            (Row(LocalText(zh_CN="参保状态", en_US="Status"), "正常参保"),)))

    def case_status(self, identity: Identity | None,
                    reference: str | None) -> GatewayResult[tuple[CaseStatus, ...]]:
        if not self.online:
            return _fail(GatewayStatus.UNAVAILABLE)
        if identity is not None:
            return GatewayResult.success(self.cases.get(identity.id_number, ()))
        found = tuple(c for cs in self.cases.values() for c in cs if c.reference == reference)
        return GatewayResult.success(found)

    def halls(self, item_id: str) -> GatewayResult[tuple[Hall, ...]]:
        if not self.online:
            return _fail(GatewayStatus.UNAVAILABLE)
        return GatewayResult.success((
            Hall("h1", LocalText(zh_CN="黄浦区婚姻登记中心", en_US="Huangpu Marriage Registry"),
                 LocalText(zh_CN="黄浦区西藏南路1号", en_US="1 Xizang Rd S")),
            Hall("h2", LocalText(zh_CN="徐汇区婚姻登记中心", en_US="Xuhui Marriage Registry"),
                 LocalText(zh_CN="徐汇区漕溪北路2号", en_US="2 Caoxi Rd N"))))

    def slots(self, item_id: str, hall_id: str) -> GatewayResult[tuple[Slot, ...]]:
        if not self.online:
            return _fail(GatewayStatus.UNAVAILABLE)
        return GatewayResult.success(tuple(
            Slot(f"{hall_id}-s{i}", f"2026-11-2{i}T09:00", f"2026-11-2{i}T09:30",
                 0 if f"{hall_id}-s{i}" in self.full_slots else 3) for i in range(1, 4)))

    def book(self, item_id: str, hall_id: str, slot_id: str, identity: Identity,
             answers: tuple[tuple[str, str], ...]) -> GatewayResult[Booking]:
        if not self.online:
            return _fail(GatewayStatus.UNAVAILABLE)
        return GatewayResult.success(Booking(f"YY-{slot_id}"))

    def submit(self, application: Application) -> GatewayResult[SubmitReceipt]:
        if not self.online:
            return _fail(GatewayStatus.UNAVAILABLE)
        if application.item_id in self.reject_items:
            return _fail(GatewayStatus.REJECTED)
        self.submitted.append(application)
        return GatewayResult.success(SubmitReceipt(f"P-{len(self.submitted):04d}"))


@dataclass
class FakeQueue:
    queued: list[Application] = field(default_factory=list)
    broken: bool = False
    # what await_delivery answers: the platform's case number (delivered in time) or None
    delivered_as: str | None = None
    platform_reachable: bool = False

    def enqueue(self, application: Application) -> GatewayResult[str]:
        if self.broken:
            return GatewayResult.failure(GatewayStatus.REJECTED, detail="disk full")
        self.queued.append(application)
        return GatewayResult.success(f"L-{len(self.queued):04d}")

    def local_cases(self, id_number: str | None,
                    reference: str | None) -> tuple[CaseStatus, ...]:
        out = []
        for n, app in enumerate(self.queued, start=1):
            ref = f"L-{n:04d}"
            if (id_number and app.identity.id_number == id_number) or ref == reference:
                out.append(CaseStatus(ref, app.item_id, LocalText(zh_CN="本机申请", en_US="Local"),
                                      "queued", "2026-11-20 10:00", local=True))
        return tuple(out)

    def await_delivery(self, reference: str) -> Delivery:
        return Delivery(self.delivered_as, self.platform_reachable or self.delivered_as is not None)


@dataclass
class FakePrinter:
    receipts: list[ReceiptData] = field(default_factory=list)
    certificates: list[tuple[str, CertificateData]] = field(default_factory=list)
    paper_out: bool = False

    def print_receipt(self, receipt: ReceiptData,
                      identity: Identity | None = None) -> GatewayResult[None]:
        if self.paper_out:
            return GatewayResult.failure(GatewayStatus.UNAVAILABLE, detail="paper out")
        self.receipts.append(receipt)
        return GatewayResult.success(None)

    def print_certificate(self, template: str, data: CertificateData,
                          identity: Identity) -> GatewayResult[None]:
        if self.paper_out:
            return GatewayResult.failure(GatewayStatus.UNAVAILABLE, detail="paper out")
        self.certificates.append((template, data))
        return GatewayResult.success(None)
