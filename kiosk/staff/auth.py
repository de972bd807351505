"""Staff login and sessions: a small state machine with an injectable clock.

Assisted mode (lobby manager): staff card (challenge-response, see :class:`StaffCardVerifier`)
then PIN. Diagnostics mode (technician): staff number + PIN behind the hidden gesture, and the
card too where ``technician_requires_card`` is set; a card that *is* presented must match.
Wrong PINs count per staff id (unknown ids share one counter, and cost the same time, so probing
ids teaches nothing); after ``max_attempts`` the id is locked with growing backoff
(:mod:`.lockout`). A session ends on logout, after ``idle_timeout_s`` without activity, or after
``max_session_s`` in any case. Every step is written to the audit log.
"""

from __future__ import annotations

import functools
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Protocol, TypeVar, cast

from kiosk.audit import audit
from kiosk.devices.base import Completion
from kiosk.staff import lockout as lk
from kiosk.staff.directory import Role, StaffDirectory, StaffMember
from kiosk.staff.pins import PinFormatError, PinHash, hash_pin, validate_pin, verify_pin

log = logging.getLogger(__name__)

UNKNOWN_ID_KEY = "?unknown"


class Clock(Protocol):
    def wall(self) -> float: ...  # seconds since the epoch: lockouts (survive reboots)

    def monotonic(self) -> float: ...  # session ages (immune to clock changes)


class SystemClock:
    def wall(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()


class StaffCardVerifier(Protocol):
    """Provided by the smart-card package: runs the challenge-response with the inserted staff
    card and returns the card's staff id, or a failure (no card, wrong card, bad response).
    Blocking — call it on the device worker, then hand the result to :meth:`StaffAuth.card_result`."""

    def verify_staff_card(self) -> Completion[str]: ...


class Mode(StrEnum):
    ASSISTED = "assisted"  # 协办模式
    DIAGNOSTICS = "diagnostics"  # 运维模式


MODE_ROLE = {Mode.ASSISTED: Role.MANAGER, Mode.DIAGNOSTICS: Role.TECHNICIAN}


class LoginOutcome(StrEnum):
    OK = "ok"
    WRONG_PIN = "wrong_pin"  # also for unknown staff ids (do not reveal which ids exist)
    LOCKED = "locked"
    CARD_REQUIRED = "card_required"
    CARD_REJECTED = "card_rejected"  # challenge-response failed or card not provisioned
    ROLE_NOT_ALLOWED = "role_not_allowed"
    BAD_PIN_FORMAT = "bad_pin_format"


OUTCOME_CODES = {
    LoginOutcome.WRONG_PIN: "STF-001", LoginOutcome.LOCKED: "STF-002",
    LoginOutcome.CARD_REQUIRED: "STF-003", LoginOutcome.CARD_REJECTED: "STF-004",
    LoginOutcome.ROLE_NOT_ALLOWED: "STF-005", LoginOutcome.BAD_PIN_FORMAT: "STF-001",
}


class EndReason(StrEnum):
    LOGOUT = "logout"
    IDLE = "idle"
    MAX_AGE = "max_age"


@dataclass(frozen=True)
class StaffSession:
    session_id: str
    staff_id: str
    role: Role
    mode: Mode
    started: float  # monotonic
    last_activity: float  # monotonic


@dataclass(frozen=True)
class SessionPolicy:
    idle_timeout_s: float = 300.0
    max_session_s: float = 3600.0


def expiry_reason(session: StaffSession, now: float, policy: SessionPolicy) -> EndReason | None:
    """Pure: why this session is over at ``now``, or None while it is still valid."""
    if now - session.started >= policy.max_session_s:
        return EndReason.MAX_AGE
    if now - session.last_activity >= policy.idle_timeout_s:
        return EndReason.IDLE
    return None


def remaining_s(session: StaffSession, now: float, policy: SessionPolicy) -> float:
    """Pure: seconds until the session ends by itself (whichever limit comes first)."""
    return max(0.0, min(session.last_activity + policy.idle_timeout_s,
                        session.started + policy.max_session_s) - now)


@dataclass(frozen=True)
class LoginResult:
    outcome: LoginOutcome
    session: StaffSession | None = None
    attempts_left: int | None = None
    locked_for_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.outcome is LoginOutcome.OK

    @property
    def error_code(self) -> str | None:
        return OUTCOME_CODES.get(self.outcome)


_F = TypeVar("_F", bound=Callable[..., Any])


def _locked(method: _F) -> _F:
    @functools.wraps(method)
    def wrapper(self: StaffAuth, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return method(self, *args, **kwargs)

    return cast(_F, wrapper)


class StaffAuth:
    # A card read is good for this long; after that the manager must present it again.
    CARD_VALID_S = 120.0

    def __init__(self, directory: StaffDirectory, lockouts: lk.LockoutStore,
                 lockout_policy: lk.LockoutPolicy | None = None,
                 session_policy: SessionPolicy | None = None,
                 technician_requires_card: bool = False, clock: Clock | None = None,
                 terminal_id: str = "") -> None:
        self.directory = directory
        self.lockouts = lockouts
        self.lockout_policy = lockout_policy or lk.LockoutPolicy()
        self.session_policy = session_policy or SessionPolicy()
        self.technician_requires_card = technician_requires_card
        self.clock: Clock = clock or SystemClock()
        self.terminal_id = terminal_id
        self._card: tuple[str, float] | None = None  # (staff id, monotonic time read)
        self._session: StaffSession | None = None
        self._listeners: list[Callable[[StaffSession | None], None]] = []
        # Unknown ids must cost as much as known ones (no timing oracle on which ids exist).
        self._dummy: PinHash | None = None
        # One lock for the state; UI thread (timers, taps) and a login worker both use it.
        self._lock = threading.RLock()

    # -- observers (the UI shows/hides the banner) ------------------------------------------
    def on_session_change(self, listener: Callable[[StaffSession | None], None]) -> None:
        self._listeners.append(listener)

    def _set_session(self, session: StaffSession | None) -> None:
        self._session = session
        for listener in list(self._listeners):
            listener(session)

    # -- card -------------------------------------------------------------------------------
    @_locked
    def card_result(self, result: Completion[str]) -> LoginOutcome:
        """Take the staff card verifier's answer (from the device worker)."""
        self._card = None
        member = self.directory.by_card(result.value) if result.ok and result.value else None
        if member is None:
            audit("staff.card_rejected", actor="system", terminal=self.terminal_id,
                  outcome=str(result.outcome), error_code=result.error_code)
            return LoginOutcome.CARD_REJECTED
        self._card = (member.id, self.clock.monotonic())
        audit("staff.card_accepted", actor=member.id, terminal=self.terminal_id)
        return LoginOutcome.OK

    def present_card(self, verifier: StaffCardVerifier) -> LoginOutcome:
        """Blocking convenience for the CLI and tests: verify and take the result."""
        return self.card_result(verifier.verify_staff_card())

    @_locked
    def card_staff_id(self) -> str | None:
        if self._card is None:
            return None
        staff_id, when = self._card
        if self.clock.monotonic() - when > self.CARD_VALID_S:
            self._card = None
            return None
        return staff_id

    # -- PIN --------------------------------------------------------------------------------
    def login(self, mode: Mode, pin: str, staff_id: str | None = None) -> LoginResult:
        """Check the PIN for ``mode``; the staff id comes from the card, else from ``staff_id``.

        Thread-safe, and meant to be called off the UI thread: the slow hash runs outside the
        lock, so the UI's expiry timer never waits for it."""
        with self._lock:
            card_id = self.card_staff_id()
            card_needed = mode is Mode.ASSISTED or self.technician_requires_card
            if card_needed and card_id is None:
                return self._refuse(mode, staff_id, LoginOutcome.CARD_REQUIRED)
            if card_id is not None and staff_id is not None and staff_id != card_id:
                return self._refuse(mode, staff_id, LoginOutcome.CARD_REJECTED)
            claimed = card_id or staff_id or ""
            member = self.directory.get(claimed)
            key = member.id if member is not None else UNKNOWN_ID_KEY
            remaining = lk.locked_for(self.lockouts.get(key), self.clock.wall())
            if remaining > 0:
                return self._refuse(mode, claimed, LoginOutcome.LOCKED, locked_for_s=remaining)
        try:
            validate_pin(pin)
            well_formed = True
        except PinFormatError:
            well_formed = False
        good = verify_pin(pin, member.pin if member is not None else self._dummy_hash())
        with self._lock:
            now = self.clock.wall()
            record = self.lockouts.get(key)  # again: another attempt may have counted meanwhile
            remaining = lk.locked_for(record, now)
            if remaining > 0:
                return self._refuse(mode, claimed, LoginOutcome.LOCKED, locked_for_s=remaining)
            if not (good and well_formed and member is not None):
                record = lk.after_failure(record, now, self.lockout_policy)
                self.lockouts.put(key, record)
                locked = lk.locked_for(record, now)
                if locked > 0:
                    audit("staff.lockout", actor=claimed or "unknown", mode=str(mode),
                          terminal=self.terminal_id, lockouts=record.lockouts, locked_for_s=round(locked))
                    log.warning("staff lockout", extra={"fields": {
                        "staff_id": claimed, "lockouts": record.lockouts, "locked_for_s": round(locked)}})
                    return LoginResult(LoginOutcome.LOCKED, locked_for_s=locked)
                left = self.lockout_policy.max_attempts - record.failures
                outcome = LoginOutcome.WRONG_PIN if well_formed else LoginOutcome.BAD_PIN_FORMAT
                return self._refuse(mode, claimed, outcome, attempts_left=left)
            self.lockouts.put(key, lk.after_success(record))
            if member.role is not MODE_ROLE[mode]:
                # Right PIN, wrong job: not a guessing attempt, so it does not count towards lockout.
                return self._refuse(mode, claimed, LoginOutcome.ROLE_NOT_ALLOWED)
            return self._start(member, mode)

    def _dummy_hash(self) -> PinHash:
        """Made on first use (not at start-up: it costs one slow hash)."""
        if self._dummy is None:
            self._dummy = PinHash.parse(hash_pin("000000", log2_n=_dummy_cost(self.directory)))
        return self._dummy

    def _refuse(self, mode: Mode, staff_id: str | None, outcome: LoginOutcome, *,
                attempts_left: int | None = None, locked_for_s: float = 0.0) -> LoginResult:
        audit("staff.login_failed", actor=staff_id or "unknown", mode=str(mode), outcome=str(outcome),
              terminal=self.terminal_id, attempts_left=attempts_left,
              locked_for_s=round(locked_for_s) if locked_for_s else None)
        log.info("staff login refused", extra={"fields": {"mode": str(mode), "outcome": str(outcome)}})
        return LoginResult(outcome, attempts_left=attempts_left, locked_for_s=locked_for_s)

    def _start(self, member: StaffMember, mode: Mode) -> LoginResult:
        if self._session is not None:
            self.end(EndReason.LOGOUT)
        now = self.clock.monotonic()
        session = StaffSession(secrets.token_hex(8), member.id, member.role, mode, now, now)
        self._card = None
        audit("staff.login", actor=member.id, mode=str(mode), role=str(member.role),
              session=session.session_id, terminal=self.terminal_id)
        log.info("staff login", extra={"fields": {"mode": str(mode), "role": str(member.role)}})
        self._set_session(session)
        return LoginResult(LoginOutcome.OK, session=session)

    # -- session ----------------------------------------------------------------------------
    @property
    def session(self) -> StaffSession | None:
        """The current session, ending it first if it has expired."""
        with self._lock:
            self.check_expiry()
            return self._session

    @property
    def current(self) -> StaffSession | None:
        """The session as it stands, without ending it if it has expired (for cheap polling)."""
        return self._session

    @_locked
    def check_expiry(self) -> EndReason | None:
        """Call from a UI timer: ends and audits an expired session; returns why it ended."""
        if self._session is None:
            return None
        reason = expiry_reason(self._session, self.clock.monotonic(), self.session_policy)
        if reason is not None:
            self.end(reason)
        return reason

    @_locked
    def remaining_s(self) -> float:
        session = self._session
        return remaining_s(session, self.clock.monotonic(), self.session_policy) if session else 0.0

    @_locked
    def touch(self) -> bool:
        """Staff activity (a tap, an action): pushes the idle deadline; False if no session."""
        if self.session is None:
            return False
        assert self._session is not None
        self._session = replace(self._session, last_activity=self.clock.monotonic())
        return True

    @_locked
    def logout(self) -> None:
        if self._session is not None:
            self.end(EndReason.LOGOUT)

    @_locked
    def end(self, reason: EndReason) -> None:
        session = self._session
        if session is None:
            return
        action = "staff.logout" if reason is EndReason.LOGOUT else "staff.session_expired"
        audit(action, actor=session.staff_id, mode=str(session.mode), reason=str(reason),
              session=session.session_id, terminal=self.terminal_id,
              duration_s=round(self.clock.monotonic() - session.started))
        self._set_session(None)

    @_locked
    def unlock(self, staff_id: str, by: StaffSession) -> bool:
        """A technician clears someone's lockout (audited)."""
        if by.role is not Role.TECHNICIAN:
            return False
        self.lockouts.put(staff_id, lk.LockoutRecord())
        audit("staff.unlock", actor=by.staff_id, staff=staff_id, terminal=self.terminal_id)
        return True


def _dummy_cost(directory: StaffDirectory) -> int:
    costs = [m.pin.log2_n for m in directory.members()]
    return max(costs) if costs else 10
