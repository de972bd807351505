"""What the journey engine needs from the outside world, as small protocols.

The platform client, the offline queue and the printers are written by other parts of the
project; the composition root adapts them to these. Expected failures are returned as
:class:`GatewayResult` values, never raised: ``UNAVAILABLE`` means "no network / platform down"
(an application may then be queued), ``REJECTED`` means the platform said no (a person must
look), ``NOT_FOUND`` means there is nothing (no licence, no case).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar

from kiosk.catalogue.model import LocalText
from kiosk.journeys.identity import Identity
from kiosk.journeys.messages import Message

T = TypeVar("T")


class GatewayStatus(StrEnum):
    OK = "ok"
    UNAVAILABLE = "unavailable"
    REJECTED = "rejected"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class GatewayResult(Generic[T]):
    status: GatewayStatus
    value: T | None = None
    # Shown to the citizen when the platform words its own refusal.
    message: Message | None = None
    # Technician-facing, never personal data.
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status is GatewayStatus.OK

    @staticmethod
    def success(value: T) -> GatewayResult[T]:
        return GatewayResult(GatewayStatus.OK, value)

    @staticmethod
    def failure(status: GatewayStatus, message: Message | None = None,
                detail: str = "") -> GatewayResult[T]:
        return GatewayResult(status, None, message, detail)


@dataclass(frozen=True)
class Row:
    """One labelled value on a results, certificate or receipt view."""

    label: LocalText
    value: str


@dataclass(frozen=True)
class CertificateData:
    title: LocalText
    rows: tuple[Row, ...]
    document_number: str
    issued_at: str
    # The platform's answer as it came (for the A4 template's own fields); personal data.
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class Licence:
    licence_type: str
    licence_id: str
    title: LocalText


@dataclass(frozen=True)
class FaceMatch:
    matched: bool
    score: float


@dataclass(frozen=True)
class QueryResult:
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class CaseStatus:
    reference: str
    item_id: str
    item_name: LocalText
    # submitted / accepted / in_progress / done / rejected / queued (still on this kiosk)
    status: str
    updated_at: str
    local: bool = False


@dataclass(frozen=True)
class Hall:
    id: str
    name: LocalText
    address: LocalText


@dataclass(frozen=True)
class Slot:
    id: str
    start: str  # ISO local time
    end: str
    remaining: int


@dataclass(frozen=True)
class Booking:
    reference: str


@dataclass(frozen=True)
class MaterialEvidence:
    material_id: str
    kind: str  # "camera" | "licence" | "skipped"
    images: tuple[bytes, ...] = field(default=(), repr=False)
    licence_id: str | None = None


@dataclass(frozen=True)
class Application:
    """One item's application; ``application_id`` is the idempotency key, fixed at confirm."""

    application_id: str
    item_id: str
    catalogue_version: str
    identity: Identity
    answers: tuple[tuple[str, str], ...] = field(repr=False)
    materials: tuple[MaterialEvidence, ...] = field(repr=False)
    online_only: bool = False
    theme_id: str | None = None


@dataclass(frozen=True)
class SubmitReceipt:
    case_number: str


@dataclass(frozen=True)
class Delivery:
    """What became of a queued application while the citizen waited: the platform's case number
    when it was delivered in time, and whether the platform was reachable at all."""
    case_number: str | None
    platform_reachable: bool


@dataclass(frozen=True)
class ReceiptEntry:
    item_name: LocalText
    reference: str
    queued: bool


@dataclass(frozen=True)
class ReceiptData:
    kind: str  # "application" | "certificate" | "appointment"
    title: LocalText
    entries: tuple[ReceiptEntry, ...]
    masked_name: str
    masked_id_number: str
    printed_at: str
    next_steps: tuple[LocalText, ...] = ()
    appointment: str | None = None  # "hall name · time" for bookings


class PlatformGateway(Protocol):
    def certificate(self, item_id: str, identity: Identity) -> GatewayResult[CertificateData]: ...

    def licence(self, licence_type: str, identity: Identity) -> GatewayResult[Licence]: ...

    def verify_face(self, identity: Identity, image: bytes) -> GatewayResult[FaceMatch]: ...

    def query(self, item_id: str, identity: Identity) -> GatewayResult[QueryResult]: ...

    def case_status(self, identity: Identity | None,
                    reference: str | None) -> GatewayResult[tuple[CaseStatus, ...]]: ...

    def halls(self, item_id: str) -> GatewayResult[tuple[Hall, ...]]: ...

    def slots(self, item_id: str, hall_id: str) -> GatewayResult[tuple[Slot, ...]]: ...

    def book(self, item_id: str, hall_id: str, slot_id: str, identity: Identity,
             answers: tuple[tuple[str, str], ...]) -> GatewayResult[Booking]: ...

    def submit(self, application: Application) -> GatewayResult[SubmitReceipt]: ...


class QueueGateway(Protocol):
    def enqueue(self, application: Application) -> GatewayResult[str]:
        """Durably store for later delivery; the value is the local reference for the receipt."""
        ...

    def local_cases(self, id_number: str | None,
                    reference: str | None) -> tuple[CaseStatus, ...]: ...

    def await_delivery(self, reference: str) -> Delivery:
        """Wait briefly for the queued application to reach the platform (see adapters)."""
        ...


class PrintGateway(Protocol):
    def print_receipt(self, receipt: ReceiptData,
                      identity: Identity | None = None) -> GatewayResult[None]:
        """``identity`` carries the full name and number for printers that mask them
        themselves (kiosk.devices.printer does); ``receipt`` holds them masked already."""
        ...

    def print_certificate(self, template: str, data: CertificateData,
                          identity: Identity) -> GatewayResult[None]: ...
