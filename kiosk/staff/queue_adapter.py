"""Adapter from the offline queue (``kiosk.offline.store.OfflineQueue``) to :class:`QueuePort`.

Duck-typed on the queue's inspection API — ``items(states) -> list[dict]`` rows with an ``id``,
``state``, ``attempts``, ``last_error_code``/``last_error``, ``case_number``, ``created_at`` and a
``display`` dict already masked by the queue (``name``, ``id_number``, ``item_title``) —
``redrive(item_id) -> bool`` and ``stats()``, so the staff package does not import the queue.
The rows are masked again here (defence in depth); masking a masked value changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from kiosk.devices.base import Completion, Outcome
from kiosk.staff.assisted import QueueEntry

PENDING_STATES = ("queued", "sending", "retry")
DEAD_STATES = ("dead",)


class _Queue(Protocol):
    def items(self, states: Iterable[str] | None = None, limit: int = 200) -> list[dict[str, Any]]: ...

    def redrive(self, item_id: str) -> bool: ...


def _entry(row: Mapping[str, Any]) -> QueueEntry:
    display = row.get("display") or {}
    error = " ".join(str(x) for x in (row.get("last_error_code"), row.get("last_error")) if x)
    return QueueEntry(
        application_id=str(row.get("id", "")),
        reference=str(row.get("case_number") or row.get("id", ""))[:36],
        item_name=str(display.get("item_title", "")),
        state={"dead": "rejected", "retry": "failed", "queued": "pending"}.get(str(row.get("state")),
                                                                            str(row.get("state", ""))),
        attempts=int(row.get("attempts") or 0),
        last_error=error,
        applicant_name=str(display.get("name", "")),
        applicant_id_number=str(display.get("id_number", "")),
        created=str(row.get("created_at", "")))


class OfflineQueueAdapter:
    def __init__(self, queue: _Queue, limit: int = 200) -> None:
        self.queue = queue
        self.limit = limit

    def pending(self) -> Sequence[QueueEntry]:
        return [_entry(r) for r in self.queue.items(PENDING_STATES, self.limit)]

    def dead_letters(self) -> Sequence[QueueEntry]:
        return [_entry(r) for r in self.queue.items(DEAD_STATES, self.limit)]

    def redrive(self, application_id: str, staff_id: str, reason: str) -> Completion[None]:
        # Who and why are in the audit entry the service writes; the queue counts redrives.
        if self.queue.redrive(application_id):
            return Completion.success(None)
        return Completion.failure(Outcome.USER_ERROR, "STF-010", "staff.err_failed",
                                  "not in the dead-letter list, or its files are missing")

    def status(self) -> dict[str, Any]:
        stats = getattr(self.queue, "stats", None)
        value = stats() if callable(stats) else None
        as_dict = getattr(value, "as_dict", None)
        return as_dict() if callable(as_dict) else {"stats": repr(value)}
