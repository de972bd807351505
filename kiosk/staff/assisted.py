"""Assisted-mode actions (协办模式) as a service layer with no UI.

Every action: checks there is a live staff session (and touches it), checks the role, requires a
reason where it overrides something, records the staff member on the citizen's session or
application, and writes an audit entry — also when it is refused. Other helpers' components
(citizen session, queue, receipt printer) are reached through the small Protocols below so they
can be wired in the composition root.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from kiosk import privacy
from kiosk.audit import audit
from kiosk.devices.base import Completion
from kiosk.staff.auth import StaffAuth, StaffSession
from kiosk.staff.directory import Role

log = logging.getLogger(__name__)

REASON_MIN = 2
REASON_MAX = 200


class Action(StrEnum):
    EXTEND_TIMEOUT = "extend_timeout"
    MANUAL_IDENTITY = "manual_identity"
    REPRINT_RECEIPT = "reprint_receipt"
    VIEW_RECEIPTS = "view_receipts"
    VIEW_QUEUE = "view_queue"
    VIEW_DEAD_LETTERS = "view_dead_letters"
    REDRIVE = "redrive"
    PAUSE = "pause"
    RESUME = "resume"


ALLOWED_ROLES: dict[Action, frozenset[Role]] = {
    Action.EXTEND_TIMEOUT: frozenset({Role.MANAGER}),
    Action.MANUAL_IDENTITY: frozenset({Role.MANAGER}),
    Action.REPRINT_RECEIPT: frozenset({Role.MANAGER}),
    Action.VIEW_RECEIPTS: frozenset({Role.MANAGER}),
    Action.VIEW_QUEUE: frozenset({Role.MANAGER, Role.TECHNICIAN}),
    Action.VIEW_DEAD_LETTERS: frozenset({Role.MANAGER, Role.TECHNICIAN}),
    Action.REDRIVE: frozenset({Role.MANAGER}),
    Action.PAUSE: frozenset({Role.MANAGER, Role.TECHNICIAN}),
    Action.RESUME: frozenset({Role.MANAGER, Role.TECHNICIAN}),
}

# Actions that override a normal rule (or take the kiosk away from citizens) need a reason.
REASON_REQUIRED = frozenset({Action.MANUAL_IDENTITY, Action.REPRINT_RECEIPT, Action.REDRIVE, Action.PAUSE})


# -- ports to other helpers' components ---------------------------------------------------------
class CitizenSessionPort(Protocol):
    """The citizen's current session (shell/journeys)."""

    @property
    def session_ref(self) -> str: ...  # non-personal id of the citizen session

    def extend_idle_timeout(self, seconds: int) -> None: ...

    def accept_manual_identity(self, staff_id: str, reason: str) -> None: ...

    def record_assist(self, staff_id: str, action: str, reason: str | None) -> None: ...


@dataclass(frozen=True)
class QueueEntry:
    """What the queue adapter reports for one application (may hold personal data)."""

    application_id: str
    reference: str
    item_name: str
    state: str
    attempts: int = 0
    last_error: str = ""
    applicant_name: str = ""
    applicant_id_number: str = ""
    created: str = ""


@dataclass(frozen=True)
class MaskedQueueEntry:
    application_id: str
    reference: str
    item_name: str
    state: str
    attempts: int
    last_error: str
    applicant: str
    id_number: str
    created: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def mask_entry(e: QueueEntry) -> MaskedQueueEntry:
    return MaskedQueueEntry(
        application_id=e.application_id, reference=e.reference, item_name=e.item_name, state=e.state,
        attempts=e.attempts, last_error=privacy.redact_text(e.last_error),
        applicant=privacy.mask_name(e.applicant_name),
        id_number=privacy.mask_id_number(e.applicant_id_number) if e.applicant_id_number else "",
        created=e.created)


class QueuePort(Protocol):
    """The offline queue (queue helper)."""

    def pending(self) -> Sequence[QueueEntry]: ...

    def dead_letters(self) -> Sequence[QueueEntry]: ...

    def redrive(self, application_id: str, staff_id: str, reason: str) -> Completion[None]: ...


class ReceiptPort(Protocol):
    """Receipt reprint (:class:`kiosk.staff.receipt_adapter.PrinterReprints`): the receipts this
    kiosk printed lately, and printing one of them again, marked as a reprint (补打). ``reprint``
    blocks until the printer is done: call it off the UI thread."""

    def recent(self) -> Sequence[MaskedQueueEntry]: ...  # newest first, masked as on the paper

    def reprint(self, reference: str, staff_id: str) -> Completion[None]: ...


# -- service state: paused / in service ----------------------------------------------------------
@dataclass(frozen=True)
class ServiceState:
    paused: bool = False
    reason: str = ""
    by: str = ""


class ServiceStateStore:
    """Pause state in the data directory, so a paused kiosk stays paused over a restart."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._listeners: list[Callable[[ServiceState], None]] = []
        try:
            raw = json.loads(path.read_text("utf-8"))
            self._state = ServiceState(bool(raw["paused"]), str(raw["reason"]), str(raw["by"]))
        except FileNotFoundError:
            self._state = ServiceState()
        except (OSError, ValueError, KeyError, TypeError):
            log.error("service state file unreadable; starting in service")
            self._state = ServiceState()

    @property
    def state(self) -> ServiceState:
        return self._state

    def on_change(self, listener: Callable[[ServiceState], None]) -> None:
        self._listeners.append(listener)

    def set(self, state: ServiceState) -> None:
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".service-", dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(asdict(state), f, ensure_ascii=False)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
            self._state = state
        for listener in list(self._listeners):
            listener(state)


# -- results ------------------------------------------------------------------------------------
class Refusal(StrEnum):
    NO_SESSION = "STF-009"
    ROLE = "STF-011"
    REASON_REQUIRED = "STF-007"
    NOT_WIRED = "STF-010"
    FAILED = "STF-010"


@dataclass(frozen=True)
class ActionResult:
    ok: bool
    action: Action
    error_code: str | None = None
    message_key: str | None = None
    data: Any = None
    extra: Mapping[str, Any] = field(default_factory=dict)


class AssistedService:
    def __init__(self, auth: StaffAuth, service_state: ServiceStateStore, *,
                 citizen: Callable[[], CitizenSessionPort | None] = lambda: None,
                 queue: QueuePort | None = None, receipts: ReceiptPort | None = None,
                 max_extension_s: int = 600,
                 queue_provider: Callable[[], QueuePort | None] | None = None) -> None:
        self.auth = auth
        self.service_state = service_state
        self._citizen = citizen
        self._queue = queue
        # The queue may be wired after start-up (the composition root sets it later).
        self._queue_provider = queue_provider
        self.receipts = receipts
        self.max_extension_s = max_extension_s

    @property
    def queue(self) -> QueuePort | None:
        if self._queue is not None:
            return self._queue
        return self._queue_provider() if self._queue_provider is not None else None

    # -- the gate every action passes -------------------------------------------------------
    def _gate(self, action: Action, reason: str | None,
              **fields: Any) -> tuple[StaffSession | None, ActionResult | None, str | None]:
        session = self.auth.session
        if session is None:
            audit("assist.denied", actor="unknown", assist_action=str(action), why="no_session", **fields)
            return None, self._fail(action, Refusal.NO_SESSION, "staff.err_no_session"), None
        if session.role not in ALLOWED_ROLES[action]:
            audit("assist.denied", actor=session.staff_id, assist_action=str(action), why="role",
                  role=str(session.role), **fields)
            return None, self._fail(action, Refusal.ROLE, "staff.err_role"), None
        clean = (reason or "").strip()
        if action in REASON_REQUIRED and not REASON_MIN <= len(clean) <= REASON_MAX:
            audit("assist.denied", actor=session.staff_id, assist_action=str(action), why="reason_required",
                  **fields)
            return None, self._fail(action, Refusal.REASON_REQUIRED, "staff.err_reason"), None
        self.auth.touch()
        return session, None, clean or None

    @staticmethod
    def _fail(action: Action, refusal: Refusal, key: str) -> ActionResult:
        return ActionResult(False, action, refusal.value, key)

    def _done(self, session: StaffSession, action: Action, reason: str | None, ok: bool = True,
              data: Any = None, **fields: Any) -> ActionResult:
        audit(f"assist.{action}", actor=session.staff_id, session=session.session_id,
              reason=reason, ok=ok, **fields)
        log.info("assisted action", extra={"fields": {"action": str(action), "ok": ok}})
        if ok:
            return ActionResult(True, action, data=data)
        return ActionResult(False, action, Refusal.FAILED.value, "staff.err_failed", data=data)

    # -- actions ----------------------------------------------------------------------------
    def extend_timeout(self, seconds: int, reason: str | None = None) -> ActionResult:
        action = Action.EXTEND_TIMEOUT
        session, refused, clean = self._gate(action, reason, seconds=seconds)
        if refused is not None or session is None:
            return refused or self._fail(action, Refusal.NO_SESSION, "staff.err_no_session")
        citizen = self._citizen()
        if citizen is None or not 0 < seconds <= self.max_extension_s:
            return self._done(session, action, clean, ok=False, seconds=seconds,
                              why="no_citizen_session" if citizen is None else "out_of_range")
        citizen.extend_idle_timeout(seconds)
        citizen.record_assist(session.staff_id, str(action), clean)
        return self._done(session, action, clean, seconds=seconds, citizen_session=citizen.session_ref)

    def accept_manual_identity(self, reason: str) -> ActionResult:
        action = Action.MANUAL_IDENTITY
        session, refused, clean = self._gate(action, reason)
        if refused is not None or session is None or clean is None:
            return refused or self._fail(action, Refusal.REASON_REQUIRED, "staff.err_reason")
        citizen = self._citizen()
        if citizen is None:
            return self._done(session, action, clean, ok=False, why="no_citizen_session")
        citizen.accept_manual_identity(session.staff_id, clean)
        citizen.record_assist(session.staff_id, str(action), clean)
        return self._done(session, action, clean, citizen_session=citizen.session_ref)

    def reprint_receipt(self, reference: str, reason: str) -> ActionResult:
        action = Action.REPRINT_RECEIPT
        session, refused, clean = self._gate(action, reason, reference=reference)
        if refused is not None or session is None or clean is None:
            return refused or self._fail(action, Refusal.REASON_REQUIRED, "staff.err_reason")
        if self.receipts is None:
            return self._done(session, action, clean, ok=False, reference=reference, why="not_wired")
        result = self.receipts.reprint(reference, session.staff_id)
        citizen = self._citizen()
        if citizen is not None:
            citizen.record_assist(session.staff_id, str(action), clean)
        done = self._done(session, action, clean, ok=result.ok, reference=reference,
                          error_code=result.error_code)
        if result.ok or not result.error_code:
            return done
        # The port's own code says what went wrong (STF-012 unknown reference, PRN-011 paper out …).
        return replace(done, error_code=result.error_code, message_key=result.message_key or done.message_key)

    def view_receipts(self) -> ActionResult:
        """The receipts this kiosk printed lately (masked), to pick the one to reprint."""
        action = Action.VIEW_RECEIPTS
        session, refused, _ = self._gate(action, None)
        if refused is not None or session is None:
            return refused or self._fail(action, Refusal.NO_SESSION, "staff.err_no_session")
        if self.receipts is None:
            return self._done(session, action, None, ok=False, why="not_wired")
        rows = list(self.receipts.recent())
        return self._done(session, action, None, data=rows, count=len(rows))

    def view_queue(self) -> ActionResult:
        return self._view(Action.VIEW_QUEUE)

    def view_dead_letters(self) -> ActionResult:
        return self._view(Action.VIEW_DEAD_LETTERS)

    def _view(self, action: Action) -> ActionResult:
        session, refused, _ = self._gate(action, None)
        if refused is not None or session is None:
            return refused or self._fail(action, Refusal.NO_SESSION, "staff.err_no_session")
        queue = self.queue
        if queue is None:
            return self._done(session, action, None, ok=False, why="not_wired")
        entries = queue.pending() if action is Action.VIEW_QUEUE else queue.dead_letters()
        masked = [mask_entry(e) for e in entries]
        # Viewing (masked) personal data is an access: audited with the count, not the content.
        return self._done(session, action, None, data=masked, count=len(masked))

    def redrive(self, application_id: str, reason: str) -> ActionResult:
        action = Action.REDRIVE
        session, refused, clean = self._gate(action, reason, application=application_id)
        if refused is not None or session is None or clean is None:
            return refused or self._fail(action, Refusal.REASON_REQUIRED, "staff.err_reason")
        queue = self.queue
        if queue is None:
            return self._done(session, action, clean, ok=False, application=application_id, why="not_wired")
        result = queue.redrive(application_id, session.staff_id, clean)
        return self._done(session, action, clean, ok=result.ok, application=application_id,
                          error_code=result.error_code)

    def pause(self, reason: str) -> ActionResult:
        action = Action.PAUSE
        session, refused, clean = self._gate(action, reason)
        if refused is not None or session is None or clean is None:
            return refused or self._fail(action, Refusal.REASON_REQUIRED, "staff.err_reason")
        self.service_state.set(ServiceState(True, clean, session.staff_id))
        return self._done(session, action, clean)

    def resume(self) -> ActionResult:
        action = Action.RESUME
        session, refused, _ = self._gate(action, None)
        if refused is not None or session is None:
            return refused or self._fail(action, Refusal.NO_SESSION, "staff.err_no_session")
        was = self.service_state.state
        self.service_state.set(ServiceState())
        return self._done(session, action, None, was_paused=was.paused, paused_by=was.by or None)
