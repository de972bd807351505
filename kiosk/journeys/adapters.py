"""The offline queue (kiosk.offline) as the journey engine's :class:`QueueGateway`.

An application is stored durably (encrypted to the platform's key) and the sync worker delivers
it; the citizen's receipt carries the application id until the platform's case number exists.
Waiting items are found again by reference, or by the masked ID number the queue keeps readable
(first four and last four characters, plus the first character of the name).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from kiosk.catalogue.model import LocalText
from kiosk.journeys.gateways import Application, CaseStatus, GatewayResult, GatewayStatus
from kiosk.journeys.messages import msg
from kiosk.privacy import mask_id_number

if TYPE_CHECKING:
    from kiosk.offline.store import OfflineQueue

PENDING_STATES = ("queued", "sending", "retry")


class OfflineQueueGateway:
    def __init__(self, queue: OfflineQueue,
                 item_name: Callable[[str], LocalText | None]) -> None:
        self.queue = queue
        self.item_name = item_name

    def enqueue(self, application: Application) -> GatewayResult[str]:
        from kiosk.offline.store import ApplicationInput, Attachment

        name = self.item_name(application.item_id)
        attachments = [Attachment(f"{m.material_id}-{n + 1}.jpg", "image/jpeg", image)
                       for m in application.materials for n, image in enumerate(m.images)]
        answers: dict[str, object] = dict(application.answers)
        for m in application.materials:
            if m.licence_id:
                answers[f"licence:{m.material_id}"] = m.licence_id
        result = self.queue.enqueue(ApplicationInput(
            item_id=application.item_id, catalogue_version=application.catalogue_version,
            applicant={"name": application.identity.name,
                       "id_number": application.identity.id_number},
            answers=answers, attachments=attachments,
            item_title=name.zh_CN if name else application.item_id,
            application_id=application.application_id))
        if result.ok and result.application_id:
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
