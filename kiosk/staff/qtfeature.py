"""Staff modes inside the running kiosk (the Qt side of :mod:`kiosk.staff`).

:func:`attach` is called once by the composition root. It builds the staff components from the
configuration, puts the :class:`~kiosk.ui.widgets.staff_banner.StaffBanner` into the main window,
opens the technician login on the hidden gesture and the manager login when a staff card is
presented, ends staff sessions on time (a 1 s timer; taps count as activity), keeps a paused
kiosk on the 暂停服务 screen, and logs the manager out when the citizen's visit ends.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kiosk import audit as audit_log
from kiosk.devices.base import Completion
from kiosk.qt import QEvent, QObject, Qt, QThread, QTimer, QtWidgets, Signal
from kiosk.staff import lockout as lk
from kiosk.staff.assisted import Action, ActionResult, AssistedService, ServiceState, ServiceStateStore
from kiosk.staff.auth import (
    EndReason,
    LoginOutcome,
    LoginResult,
    Mode,
    StaffAuth,
    StaffCardVerifier,
    StaffSession,
)
from kiosk.staff.directory import StaffDirectory, StaffFileError
from kiosk.staff.factory import SERVICE_STATE_FILE, build_staff

if TYPE_CHECKING:
    from kiosk.app import KioskApp

log = logging.getLogger(__name__)

STAFF_ROUTES = frozenset({"staff_login", "assisted", "diagnostics", "paused"})
MENU_ROUTE = {Mode.ASSISTED: "assisted", Mode.DIAGNOSTICS: "diagnostics"}
_ACTIVITY = (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin, QEvent.Type.KeyPress)


# The smart-card package's staff-card failures (challenge-response failed, no key, bad data).
STAFF_CARD_FAILURES = frozenset({"PCS-050", "PCS-051", "PCS-052"})


class RunnerStaffVerifier:
    """:class:`StaffCardVerifier` over the card reader's runner: the challenge-response runs as a
    job on the reader's own thread (never on the caller's)."""

    def __init__(self, runner: Any, timeout_s: float = 10.0) -> None:
        self.runner = runner
        self.timeout_s = timeout_s

    def verify_staff_card(self) -> Completion[str]:
        device = self.runner.device
        job = self.runner.submit(lambda token: device.authenticate_staff_card(token).map(
            lambda identity: str(identity.staff_id)), timeout_s=self.timeout_s, label="staff-card")
        result: Completion[str] = job.result(self.timeout_s + 1.0)
        return result


class AppCitizenPort:
    """The citizen's visit as the assisted actions see it (shell Session + IdleWatcher).

    The manager is recorded in ``session.flags["assisted_by"]`` (list of {staff, action, reason});
    a manual identity check in ``session.flags["identity_manual"]`` — the journeys copy both onto
    the application they file. An action that ran on a staff worker (a reprint) records through
    ``on_ui``, which hands the write to the UI thread that owns the session."""

    def __init__(self, app: KioskApp,
                 on_ui: Callable[[Callable[[], None]], None] = lambda fn: fn()) -> None:
        self.app = app
        self.on_ui = on_ui

    @property
    def session_ref(self) -> str:
        return str(self.app.session.id)

    def _base_timeout(self) -> float:
        ui = self.app.config.ui
        return float(ui.elderly_idle_timeout_s if self.app.theme.elderly else ui.idle_timeout_s)

    def extend_idle_timeout(self, seconds: int) -> None:
        idle = self.app.idle
        idle.set_timeouts(max(idle.timeout_s, self._base_timeout()) + seconds, idle.warning_s)

    def accept_manual_identity(self, staff_id: str, reason: str) -> None:
        self.app.session.set_flag("identity_manual", {"staff": staff_id, "reason": reason})

    def record_assist(self, staff_id: str, action: str, reason: str | None) -> None:
        def record() -> None:
            done = list(self.app.session.flags.get("assisted_by", []))
            done.append({"staff": staff_id, "action": action, "reason": reason})
            self.app.session.set_flag("assisted_by", done)

        self.on_ui(record)

    def restore_timeout(self) -> None:
        self.app.idle.set_timeouts(self._base_timeout(), self.app.idle.warning_s)


class StaffFeature(QObject):
    sessionChanged = Signal(object)  # StaffSession | None
    serviceStateChanged = Signal(object)  # ServiceState
    cardChecked = Signal(object)  # LoginOutcome of the last staff card
    _cardDone = Signal(object)  # worker → UI thread
    _sessionSet = Signal(object)  # auth listener (any thread) → UI thread
    loginFinished = Signal(object)  # LoginResult of login_async, on the UI thread
    _posted = Signal(object)  # a callable from a worker, run on the UI thread
    _actionDone = Signal(object, object)  # (callback, ActionResult): worker → UI thread

    def __init__(self, app: KioskApp) -> None:
        super().__init__(app)
        self.app = app
        cfg = app.config
        # Staff actions are audited into this kiosk's log directory.
        audit_log.configure(cfg.path(cfg.paths.log_dir) / audit_log.AUDIT_FILE_NAME)
        self.error: str | None = None
        try:
            components = build_staff(cfg)
            self.auth: StaffAuth = components.auth
            self.service_state: ServiceStateStore = components.service_state
        except StaffFileError as e:
            # The kiosk still serves citizens; staff logins fail until the file is fixed.
            self.error = str(e)
            log.error("staff file invalid: staff logins disabled", extra={"fields": {"error": str(e)}})
            self.auth = StaffAuth(StaffDirectory([]), lk.LockoutStore(cfg.data_path(cfg.staff.lockout_file)),
                                  terminal_id=cfg.terminal.id)
            from pathlib import Path

            self.service_state = ServiceStateStore(cfg.data_path(Path(SERVICE_STATE_FILE)))
        self._posted.connect(self._run_posted)
        self._actionDone.connect(self._on_action_done)
        self.citizen = AppCitizenPort(app, on_ui=self.on_ui)
        self.receipts: Any = None
        history = getattr(app, "receipt_history", None)
        if history is not None:
            from kiosk.staff.receipt_adapter import PrinterReprints

            self.receipts = PrinterReprints(history, lambda: app.devices.get("printer"))
        self.assisted = AssistedService(self.auth, self.service_state, citizen=lambda: self.citizen,
                                        max_extension_s=cfg.staff.max_timeout_extension_s,
                                        queue_provider=self._queue_port, receipts=self.receipts)
        self.card_verifier: StaffCardVerifier | None = None
        self.preview: tuple[str, str, str] | None = None

        from kiosk.ui.widgets.staff_banner import StaffBanner

        self.banner = StaffBanner(app.window)
        layout = app.window.layout()
        assert isinstance(layout, QtWidgets.QBoxLayout)
        layout.insertWidget(1, self.banner)  # under the header, above the page bar
        self.banner.menuClicked.connect(self.open_menu)
        self.banner.exitClicked.connect(self.logout)
        self.apply_theme()

        # A login may finish on a worker thread: widgets are touched only on the UI thread.
        self._sessionSet.connect(self._on_session)
        self.auth.on_session_change(self._sessionSet.emit)
        self.service_state.on_change(self.serviceStateChanged.emit)
        self.serviceStateChanged.connect(self._on_service_state)
        self._cardDone.connect(self._on_card_done, Qt.ConnectionType.QueuedConnection)
        app.technicianGestureDetected.connect(lambda: self.open_login(Mode.DIAGNOSTICS))
        # The card reader arrives later (devices are built off the UI thread): watch for it.
        self._card_bridge: Any = None
        devices_built = getattr(app, "devicesBuilt", None)
        if devices_built is not None:
            devices_built.connect(self._watch_devices)
        app.session.on_end(self._on_citizen_end)
        app.nav.currentChanged.connect(self._on_route)
        app.themeChanged.connect(lambda _t: self.apply_theme())
        app.languageChanged.connect(lambda _l: self.banner.retranslate())
        self._last_touch = 0.0
        app.qapp.installEventFilter(self)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.tick)
        self._timer.start(1000)
        if self.service_state.state.paused:
            QTimer.singleShot(0, lambda: self._on_service_state(self.service_state.state))

    def _queue_port(self) -> Any:
        """The offline queue once the composition root has wired it (``app.offline_queue``: the
        queue itself, or a bridge holding it as ``.queue``)."""
        queue = getattr(self.app, "offline_queue", None)
        queue = queue if callable(getattr(queue, "items", None)) else getattr(queue, "queue", None)
        if queue is None or not callable(getattr(queue, "items", None)):
            return None
        from kiosk.staff.queue_adapter import OfflineQueueAdapter

        return OfflineQueueAdapter(queue)

    # -- threads ----------------------------------------------------------------------------
    def on_ui(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` on the UI thread: now when called there, else queued to it."""
        if QThread.currentThread() == self.thread():
            fn()
        else:
            self._posted.emit(fn)

    @staticmethod
    def _run_posted(fn: Callable[[], None]) -> None:
        fn()

    def run_action(self, action: Action, fn: Callable[[], ActionResult],
                   done: Callable[[ActionResult], None]) -> None:
        """An assisted action that waits on a device (a reprint) runs on a worker; ``done`` gets
        its result on the UI thread."""

        def work() -> None:
            try:
                result = fn()
            except Exception:
                log.exception("assisted action crashed", extra={"fields": {"action": str(action)}})
                result = ActionResult(False, action, "STF-010", "staff.err_failed")
            try:
                self._actionDone.emit(done, result)
            except RuntimeError:  # the app closed meanwhile
                pass

        threading.Thread(target=work, name=f"staff-{action}", daemon=True).start()

    @staticmethod
    def _on_action_done(done: Callable[[ActionResult], None], result: ActionResult) -> None:
        done(result)

    # -- entry points -----------------------------------------------------------------------
    def open_login(self, mode: Mode) -> None:
        session = self.auth.session
        if session is not None and session.mode is mode:
            self.open_menu()
            return
        self.app.nav.push("staff_login", mode=str(mode))

    def open_menu(self) -> None:
        session = self.auth.session
        if session is not None:
            self.app.nav.push(MENU_ROUTE[session.mode])

    def present_card(self, verifier: StaffCardVerifier | None = None) -> None:
        """A staff card is in the reader: verify it off the UI thread, then open the login."""
        verifier = verifier or self.card_verifier
        if verifier is None:
            return

        def work() -> None:
            try:
                result = verifier.verify_staff_card()
            except Exception:
                log.exception("staff card verification crashed")
                from kiosk.devices.base import Outcome

                result = Completion.failure(Outcome.HARDWARE_ERROR, "STF-004")
            self._cardDone.emit(result)

        threading.Thread(target=work, name="staff-card", daemon=True).start()

    def card_result(self, result: Completion[str]) -> LoginOutcome:
        """Take a verification result (UI thread): remember the card, open the manager login."""
        outcome = self.auth.card_result(result)
        self.cardChecked.emit(outcome)
        if outcome is LoginOutcome.OK and self.app.nav.current_route != "staff_login":
            self.open_login(Mode.ASSISTED)
        return outcome

    def _watch_devices(self, _wired: object = None) -> None:
        bridge = self.app.devices.get("smartcard")
        if bridge is None or bridge is self._card_bridge:
            return
        self._card_bridge = bridge
        bridge.eventOccurred.connect(self.on_card_event)
        if callable(getattr(bridge.runner.device, "authenticate_staff_card", None)):
            self.card_verifier = RunnerStaffVerifier(bridge.runner)

    def on_card_event(self, event: Any) -> None:
        """The card reader identified a card (its challenge-response already ran for staff cards)."""
        if getattr(event, "kind", "") != "card_identified":
            return
        reading = event.payload
        value = getattr(reading, "value", None)
        staff = getattr(value, "staff", None)
        if getattr(reading, "ok", False) and staff is not None:
            self.card_result(Completion.success(str(staff.staff_id)))
        elif not getattr(reading, "ok", True) and str(getattr(reading, "error_code", "")) in STAFF_CARD_FAILURES:
            self.card_result(Completion(reading.outcome, None, reading.error_code, reading.message_key,
                                        reading.detail))

    def _on_card_done(self, result: Completion[str]) -> None:
        self.card_result(result)

    def login(self, mode: Mode, pin: str, staff_id: str | None = None) -> LoginResult:
        return self.auth.login(mode, pin, staff_id)

    def login_async(self, mode: Mode, pin: str, staff_id: str | None = None) -> None:
        """The PIN check costs a slow hash (~0.1 s): run it off the UI thread; the result comes
        back as :attr:`loginFinished`."""

        def work() -> None:
            try:
                result = self.auth.login(mode, pin, staff_id)
            except Exception:
                log.exception("staff login crashed")
                result = LoginResult(LoginOutcome.CARD_REJECTED)
            try:
                self.loginFinished.emit(result)
            except RuntimeError:  # the app closed meanwhile
                pass

        threading.Thread(target=work, name="staff-login", daemon=True).start()

    def logout(self) -> None:
        self.auth.logout()

    # -- reactions --------------------------------------------------------------------------
    def _on_session(self, session: StaffSession | None) -> None:
        if session is None:
            if self.preview is None:
                self.banner.hide()
            if self.app.nav.current_route in ("assisted", "diagnostics"):
                self.app.nav.home()
        else:
            self.banner.show_for(str(session.mode), session.staff_id, str(session.role))
            self.banner.set_remaining(self.auth.remaining_s())
        self.sessionChanged.emit(session)

    def _on_citizen_end(self, _session_id: str, _reason: str) -> None:
        self.citizen.restore_timeout()
        session = self.auth.session
        if session is not None and session.mode is Mode.ASSISTED:
            # Assisted mode is for one citizen's visit.
            self.auth.end(EndReason.LOGOUT)

    def _on_service_state(self, state: ServiceState) -> None:
        if state.paused and self.app.nav.current_route not in STAFF_ROUTES:
            self.app.nav.replace("paused")
        elif not state.paused and self.app.nav.current_route == "paused":
            self.app.nav.home()

    def _on_route(self, route: str) -> None:
        # While paused, citizens only ever see the 暂停服务 screen.
        if self.service_state.state.paused and route not in STAFF_ROUTES and self.auth.session is None:
            QTimer.singleShot(0, lambda: self._on_service_state(self.service_state.state))

    def tick(self) -> None:
        if self.receipts is not None:
            self.receipts.history.purge()  # kept receipts leave memory on time, not only when read
        if self.auth.check_expiry() is None and self.auth.session is not None:
            self.banner.set_remaining(self.auth.remaining_s())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY and self.auth.current is not None:
            now = time.monotonic()
            if now - self._last_touch >= 1.0:  # a tap is activity; once a second is plenty
                self._last_touch = now
                self.auth.touch()
        return False

    def apply_theme(self) -> None:
        t = self.app.theme
        self.banner.set_height(t.target + 16, t.font_small, t.target)

    # -- screenshot tour ----------------------------------------------------------------------
    def show_preview(self, mode: str, staff_id: str, role: str) -> None:
        """Tour only: show the banner as it looks for a logged-in member of staff (no session)."""
        self.preview = (mode, staff_id, role)
        self.banner.show_for(mode, staff_id, role)
        self.banner.set_remaining(self.auth.session_policy.idle_timeout_s - 1)

    def hide_preview(self) -> None:
        self.preview = None
        if self.auth.current is None:
            self.banner.hide()

    def close(self) -> None:
        self._timer.stop()
        self.app.qapp.removeEventFilter(self)


def attach(app: KioskApp) -> StaffFeature:
    feature = StaffFeature(app)
    app.staff = feature  # type: ignore[attr-defined]
    return feature


def feature_of(app: Any) -> StaffFeature | None:
    feature = getattr(app, "staff", None)
    return feature if isinstance(feature, StaffFeature) else None
