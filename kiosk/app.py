"""The composition root: builds the kiosk from its configuration, and ``main`` (console ``kiosk``).

``KioskApp`` owns the pieces and wires them; features plug in through plain attributes:

- ``devices: dict[str, DeviceBridge]`` — add one with :meth:`KioskApp.add_device` (status bar and
  dev dock follow it); ``simulators: dict[str, object]`` — simulator control objects (demo);
- optional parts built elsewhere stay ``None`` until wired: ``platform_client``, ``offline_queue``,
  ``catalogue``, ``voice``, ``platform_server``, ``platform_offline_hook``.

Start-up stays light: nothing here imports OpenCV, SQLAlchemy, requests or reportlab; the dev
dock and the local platform start after the home screen is on screen.
"""

from __future__ import annotations

import gc
import getopt
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.config import ConfigError, KioskConfig, load_config
from kiosk.i18n import CATALOGUE, LANGUAGES, current_language, tr
from kiosk.qt import QObject, Qt, QtCore, QtGui, QTimer, QtWidgets, Signal
from kiosk.screens import discover, screen_modules
from kiosk.screens.base import Screen
from kiosk.session import Session
from kiosk.staff import SERVICE_STATE_FILE
from kiosk.ui.idle import IdleWatcher
from kiosk.ui.main_window import KeyGuard, MainWindow
from kiosk.ui.navigation import Navigator
from kiosk.ui.theme import Theme, build_qss, theme_for

if TYPE_CHECKING:
    from kiosk.devices.base import DeviceStatus
    from kiosk.devices.qtbridge import DeviceBridge

log = logging.getLogger("kiosk.app")

_T0 = time.perf_counter()
DEVDOCK_DELAY_MS = 400
BACKGROUND_START_DELAY_MS = 300  # devices and services start once the home screen is up
CRASH_LIMIT = 5  # crashes within CRASH_WINDOW_S before the process gives up and exits
CRASH_WINDOW_S = 60.0
CRASH_EXIT_CODE = 70  # EX_SOFTWARE: the service manager restarts the kiosk


USAGE = """\
usage: kiosk [-h] [--profile PROFILE] [--config FILE] [--windowed] [--screenshot-tour DIR]

Government-services kiosk

options:
  -h, --help             show this help message and exit
  --profile PROFILE      configuration profile (demo, production …)
  --config FILE          extra TOML file over the profile
  --windowed             development: a normal window, keyboard escapes allowed
  --screenshot-tour DIR  render every screen (both themes, both languages) to PNGs in DIR,
                         then exit
"""
_LONG_OPTIONS = ["help", "profile=", "config=", "windowed", "screenshot-tour=",
                 "exit-when-ready"]  # the last: the start-up benchmark's, not in the usage


class UsageError(ValueError):
    """A command line the kiosk does not take (the message says what is wrong)."""


class CommandLine:
    """The kiosk's options. Read with getopt, not argparse: building an argparse parser looks
    for gettext catalogues and imports ``locale`` (~4 ms of a ~250 ms start, bench_startup)."""

    __slots__ = ("config", "exit_when_ready", "help", "profile", "screenshot_tour", "windowed")

    def __init__(self) -> None:
        self.profile: str | None = None
        self.config: Path | None = None
        self.windowed = False
        self.screenshot_tour: Path | None = None
        self.exit_when_ready = False
        self.help = False


def parse_command_line(argv: Sequence[str]) -> CommandLine:
    """Long options as ``--name value`` or ``--name=value`` (a unique prefix will do)."""
    try:
        options, rest = getopt.getopt(list(argv), "h", _LONG_OPTIONS)
    except getopt.GetoptError as e:
        raise UsageError(str(e)) from None
    if rest:
        raise UsageError(f"unexpected argument {rest[0]!r}")
    line = CommandLine()
    for name, value in options:
        if name in ("-h", "--help"):
            line.help = True
        elif name == "--profile":
            line.profile = value
        elif name == "--config":
            line.config = Path(value)
        elif name == "--windowed":
            line.windowed = True
        elif name == "--screenshot-tour":
            line.screenshot_tour = Path(value)
        elif name == "--exit-when-ready":
            line.exit_when_ready = True
    return line


def _offscreen() -> bool:
    return os.environ.get("QT_QPA_PLATFORM", "").split(":")[0] in ("offscreen", "minimal")


def configure_input_method(config: KioskConfig) -> None:
    """Qt Virtual Keyboard must be chosen before QApplication exists (not offscreen)."""
    if config.ui.virtual_keyboard and not _offscreen() and "QT_IM_MODULE" not in os.environ:
        os.environ["QT_IM_MODULE"] = "qtvirtualkeyboard"


def freeze_startup_heap() -> None:
    """Move everything allocated so far (modules, screens, drivers) out of the cyclic GC's reach.

    A full (generation 2) collection walks every tracked object; with Qt, reportlab, numpy and the
    drivers loaded that took 80-170 ms on the UI thread in the fault-matrix test — a visible
    freeze. Start-up objects live as long as the process, so the collector need not look at them."""
    gc.freeze()


YOUNG_GC_INTERVAL_MS = 2000


def take_over_garbage_collection() -> None:
    """Run Python's cyclic garbage collector only on the UI thread.

    Automatic collection runs on whichever thread happens to allocate; when it collects a
    reference cycle that holds a Qt object (a lambda connected to a signal, a screen's callback)
    on a device, sync or platform thread, the object is destroyed off its own thread and the
    process can crash (seen as a segfault inside GC on the platform thread). So automatic
    collection is off, and the app collects the young generations on a timer and everything at
    each session end, always on the UI thread."""
    gc.disable()


class KioskApp(QObject):
    crashed = Signal()  # emitted from any thread by the crash handler; handled on the UI thread
    technicianGestureDetected = Signal()
    devicesBuilt = Signal(object)  # list[WiredDevice], from the builder thread
    servicesStarted = Signal(object)  # QueueServices, from the start-up thread
    servicesReady = Signal()  # the queue, platform client (and demo platform) are wired
    warmedUp = Signal(object)  # the catalogue store (or None), loaded on the warm-up thread
    languageChanged = Signal(str)
    themeChanged = Signal(object)  # Theme

    def __init__(self, config: KioskConfig, *, kiosk_mode: bool | None = None,
                 show_devdock: bool | None = None, defer_staff: bool = False) -> None:
        qapp = QtWidgets.QApplication.instance()
        if qapp is None:
            raise RuntimeError("create the QApplication before KioskApp")
        super().__init__()
        self.qapp: QtWidgets.QApplication = qapp  # type: ignore[assignment]
        self.config = config
        self.kiosk_mode = config.ui.fullscreen if kiosk_mode is None else kiosk_mode
        self._show_devdock = config.devdock.enabled if show_devdock is None else show_devdock

        # Devices and simulators (the device features add theirs in _wire_devices).
        self.devices: dict[str, DeviceBridge] = {}
        self.simulators: dict[str, object] = {}
        # Parts built by other features: None until wired.
        self.platform_client: Any = None
        self.platform_server: Any = None
        self.offline_queue: Any = None
        self.catalogue: Any = None
        self.voice: Any = None
        self.platform_offline_hook: Callable[[bool], None] | None = None
        self.devdock: Any = None
        self._receipt_history: Any = None  # see receipt_history
        self._closed = False
        self._devdock_shortcut: QtGui.QShortcut | None = None

        self.session = Session(config.path(config.paths.temp_dir))
        self.theme: Theme = theme_for(config.ui.elderly_mode)
        # Only the home screen's module now; the rest after the first frame (see show()).
        self._pending_screen_modules = [m for m in screen_modules() if m != "home"]
        discover(["home"])

        self.window = MainWindow(kiosk_mode=self.kiosk_mode)
        self.window.header.set_branch(config.terminal.branch_name)
        self.window.status_bar.set_terminal_id(config.terminal.id)
        self.window.status_bar.set_network(None)
        self.nav = Navigator(self.window.stack, self._make_screen)
        self.nav.currentChanged.connect(self._on_screen_changed)
        self.nav.before_lookup = self.finish_screen_discovery
        self.window.page_bar.back.clicked.connect(self.nav.back)
        self.window.page_bar.home.clicked.connect(self.nav.home)
        self.window.technicianGestureDetected.connect(self._on_technician_gesture)

        self.idle = IdleWatcher(self.window, self._idle_applies, self._idle_timeout_s(),
                                config.ui.idle_warning_s, config.ui.time_scale)
        self.idle.expired.connect(lambda: self.end_session("idle"))
        self.keyboard_focus: Any = None  # kiosk.ui.input.VirtualKeyboardFocus
        self.key_guard: KeyGuard | None = None

        self._crashes: list[float] = []
        take_over_garbage_collection()
        self._gc_timer = QTimer(self)
        self._gc_timer.timeout.connect(lambda: gc.collect(1))
        self._gc_timer.start(YOUNG_GC_INTERVAL_MS)
        self.session.on_end(self._on_session_ended)
        self.crashed.connect(self._recover_later)
        CATALOGUE.add_listener(self._on_language)
        if current_language() != config.ui.language:
            CATALOGUE.set_language(config.ui.language)
        QtCore.QLocale.setDefault(QtCore.QLocale(current_language()))
        self._apply_theme()
        self._retranslate_all()
        self._wire_devices()
        # Assisted and diagnostics modes (banner, gesture, pause). ``main`` defers them until
        # the home screen is up, like the devices: citizens do not need them to start.
        self.staff: Any = None
        # A kiosk paused before a restart goes straight to its pause screen: with a pause state
        # on disk the staff feature is attached now.
        self._staff_deferred = defer_staff and not config.data_path(Path(SERVICE_STATE_FILE)).exists()
        if not self._staff_deferred:
            self._attach_staff()
        self.nav.home()
        if os.environ.get("QT_IM_MODULE") == "qtvirtualkeyboard":
            from kiosk.ui.input import VirtualKeyboardFocus

            self.keyboard_focus = VirtualKeyboardFocus(self)
        if self.kiosk_mode:
            self.key_guard = KeyGuard(self)
        # Application-wide event filters see every event, and PySide wraps each event and its
        # receiver for them (the first QStyle receiver alone builds ~700 enum members, ~7 ms).
        # They go in with the background start, once the home screen is up: the ~1,500 events of
        # building, showing and painting it skip them. Until then nothing is at stake: the idle
        # timer has nothing to end, and no window or dialog can be closed by a key (closeEvent).
        self._filters_installed = False
        QTimer.singleShot(BACKGROUND_START_DELAY_MS, self, self.install_event_filters)
        self.idle.start()
        self.watchdog: Any = None
        if config.watchdog.enabled:  # a log line per UI-thread stall (off by default)
            from kiosk.diag.watchdog import UiWatchdog

            self.watchdog = UiWatchdog(config.watchdog.stall_ms, config.watchdog.heartbeat_ms,
                                       log_stalls=True).start()

    def install_event_filters(self) -> None:
        """The idle watch, the kiosk key guard, the virtual keyboard's focus watch and the
        technician gesture's corner taps (idempotent)."""
        if self._closed or self._filters_installed:
            return
        self._filters_installed = True
        self.window.watch_corner_taps()
        self.qapp.installEventFilter(self.idle)
        if self.keyboard_focus is not None:
            self.qapp.installEventFilter(self.keyboard_focus)
        if self.key_guard is not None:
            self.qapp.installEventFilter(self.key_guard)

    def _attach_staff(self) -> None:
        if self.staff is not None or self._closed:
            return
        from kiosk.staff.qtfeature import attach as attach_staff

        self.staff = attach_staff(self)

    @property
    def receipt_history(self) -> Any:
        """Receipts printed here, kept masked in memory for the assisted reprint (补打); made
        when the printer or the staff feature first asks, not during start-up."""
        if self._receipt_history is None:
            from kiosk.staff.reprints import history_from_config

            self._receipt_history = history_from_config(self.config.devices.printer)
        return self._receipt_history

    # --- wiring points for the other features ----------------------------------------------
    def _wire_devices(self) -> None:
        from kiosk.journeys.app_wiring import wire_journeys

        wire_journeys(self)
        self._wired: list[Any] = []
        self.services: Any = None
        self.devicesBuilt.connect(self._add_built_devices)
        self.servicesStarted.connect(self._add_services)
        self.catalogue_store: Any = None
        self.warmedUp.connect(self._on_warmed_up)

    def start_devices(self, only: set[str] | None = None) -> threading.Thread:
        """Build the configured devices on a worker thread (ptys, simulators, driver threads);
        each arrives on the UI thread through ``devicesBuilt``. ``only`` limits it (tests)."""
        from kiosk.wiring import build_devices

        def build() -> None:
            self.devicesBuilt.emit(build_devices(self.config, only))

        thread = threading.Thread(target=build, name="device-builder", daemon=True)
        thread.start()
        return thread

    def _add_built_devices(self, wired: list[Any]) -> None:
        from kiosk.devices.qtbridge import DeviceBridge

        if self._closed:
            for device in wired:
                device.stop()
            return
        from kiosk.journeys.app_wiring import connect_gateways, on_device_event

        for device in wired:
            self._wired.append(device)
            bridge = DeviceBridge(device.runner, self)
            self.add_device(device.name, bridge, device.simulator)
            if device.name in ("idcard", "smartcard"):  # a card read identifies the citizen
                bridge.eventOccurred.connect(lambda event: on_device_event(self, event))
        connect_gateways(self)
        freeze_startup_heap()

    def add_device(self, name: str, bridge: DeviceBridge, simulator: object | None = None) -> None:
        self.devices[name] = bridge
        if simulator is not None:
            self.simulators[name] = simulator
        bridge.statusChanged.connect(
            lambda status, _changes, n=name: self.set_device_status(n, status))
        from kiosk.devices.base import DeviceStatus  # with the devices, after start-up

        status = getattr(bridge.runner.device, "status", None)
        if isinstance(status, DeviceStatus):
            self.set_device_status(name, status)

    def start_services(self) -> threading.Thread:
        """Start the offline queue and its sync worker (and, in the demo, the local reference
        platform behind a fault-injecting proxy) on a worker thread; they arrive on the UI
        thread through ``servicesStarted``."""
        def run() -> None:
            try:
                from kiosk.offline import start_queue_services

                services = start_queue_services(self.config, self._device_health)
            except Exception as e:  # the kiosk still serves query-free items without a queue
                log.exception("queue services failed to start",
                              extra={"fields": {"error": type(e).__name__}})
                return
            self.servicesStarted.emit(services)

        thread = threading.Thread(target=run, name="services-start", daemon=True)
        thread.start()
        return thread

    def _device_health(self) -> dict[str, str]:
        """For the heartbeat (called on the sync thread): each device's state and error code."""
        return {name: f"{b.runner.device.status.state}"
                + (f" {b.runner.device.status.error_code}" if b.runner.device.status.error_code else "")
                for name, b in list(self.devices.items())}

    def _add_services(self, services: Any) -> None:
        from kiosk.offline.qtbridge import QueueBridge

        if self._closed:
            services.stop()
            return
        self.services = services
        bridge = services.bridge = QueueBridge(services.worker, self)
        bridge.queueChanged.connect(lambda depth, _age: self.set_queue(depth))
        bridge.networkStateChanged.connect(self.set_network)
        self.offline_queue = bridge
        self.platform_client = services.client
        self.platform_server = services.platform
        if services.faults is not None:
            self.simulators["platform"] = services.faults
            self.platform_offline_hook = services.faults.set_refusing
        from kiosk.journeys.app_wiring import connect_gateways

        connect_gateways(self)
        self.servicesReady.emit()

    def set_platform_offline(self, offline: bool) -> None:
        """Dev dock switch; calls ``platform_offline_hook`` when the platform feature set one."""
        log.info("platform offline switch", extra={"fields": {"offline": offline,
                                                              "wired": self.platform_offline_hook is not None}})
        if self.platform_offline_hook is not None:
            self.platform_offline_hook(offline)

    # --- status bar inputs (connect signals to these) --------------------------------------
    def set_network(self, online: bool | None) -> None:
        self.window.status_bar.set_network(online)

    def set_queue(self, depth: int) -> None:
        self.window.status_bar.set_queue(depth)

    def set_device_status(self, name: str, status: DeviceStatus) -> None:
        if self._closed:  # status changes of stopping devices may still be queued
            return
        self.window.status_bar.set_device_status(name, status)

    # --- language and theme ----------------------------------------------------------------
    def set_language(self, language: str) -> None:
        CATALOGUE.set_language(language)  # listeners (→ _on_language) retranslate everything

    def _on_language(self, language: str) -> None:
        QtCore.QLocale.setDefault(QtCore.QLocale(language))
        self._retranslate_all()
        self.languageChanged.emit(language)

    def set_elderly_mode(self, on: bool) -> None:
        if on == self.theme.elderly:
            return
        self.theme = theme_for(on)
        log.info("theme", extra={"fields": {"theme": self.theme.name}})
        self._apply_theme()
        self.idle.set_timeouts(self._idle_timeout_s(), self.config.ui.idle_warning_s)
        self.themeChanged.emit(self.theme)

    def _idle_timeout_s(self) -> float:
        ui = self.config.ui
        return ui.elderly_idle_timeout_s if self.theme.elderly else ui.idle_timeout_s

    def _apply_theme(self) -> None:
        t = self.theme
        font = QtGui.QFont()
        font.setFamilies(list(t.font_families))
        font.setPixelSize(t.font_body)
        # Unhinted glyphs: FreeType's hinting of each CJK glyph at each size was ~half the
        # cost of rasterising the first frame's ~150 glyphs (~10-15 ms of the start); at the
        # kiosk's 22 px and up the unhinted shapes are as legible (the screenshot tour).
        font.setHintingPreference(QtGui.QFont.HintingPreference.PreferNoHinting)
        self.qapp.setFont(font)
        self.qapp.setStyleSheet(build_qss(t))
        self.window.apply_theme(t)
        for screen in self.nav.screens():
            screen.apply_theme(t)
        self._update_page_bar()

    def _retranslate_all(self) -> None:
        self.window.retranslate()
        for screen in self.nav.screens():
            screen.retranslate()
        self.idle.retranslate()
        if self.devdock is not None:
            self.devdock.retranslate()
        self._update_page_bar()

    # --- screens, session, idle ------------------------------------------------------------
    def _make_screen(self, cls: type[Screen]) -> Screen:
        screen = cls(self)
        screen.apply_theme(self.theme)
        screen.retranslate()
        return screen

    def _on_screen_changed(self, route: str) -> None:
        self._update_page_bar()
        screen = self.nav.current_screen
        if screen is not None and screen.voice_prompt_key and self.config.ui.voice_prompts:
            self.speak(tr(screen.voice_prompt_key))

    def speak(self, text: str) -> None:
        """Voice prompt through the voice feature when wired (``voice.speak(text)``)."""
        speak = getattr(self.voice, "speak", None)
        if callable(speak):
            speak(text)

    def _update_page_bar(self) -> None:
        screen = self.nav.current_screen if hasattr(self, "nav") else None
        bar = self.window.page_bar
        if screen is None or not screen.show_page_bar:
            bar.hide()
            return
        bar.title.setText(screen.title())
        bar.back.setVisible(self.nav.can_go_back)
        bar.show()

    def is_pristine(self) -> bool:
        """The untouched home screen: nothing to protect, nothing to reset."""
        return (self.nav.current_route == self.nav.home_route and self.session.is_empty
                and current_language() == self.config.ui.language
                and self.theme.elderly == self.config.ui.elderly_mode)

    def _idle_applies(self) -> bool:
        return not self.is_pristine()

    def end_session(self, reason: str = "finished") -> None:
        self.session.end(reason)  # → _on_session_ended

    def _on_session_ended(self, session_id: str, reason: str) -> None:
        self.idle.reset()
        gc.collect()  # the citizen has gone: a full collection now costs nobody a wait
        for screen in self.nav.screens():
            try:
                screen.reset()
            except Exception:
                log.exception("screen reset failed", extra={"fields": {"route": screen.route}})
        # The next citizen starts from the kiosk's defaults.
        if current_language() != self.config.ui.language:
            self.set_language(self.config.ui.language)
        self.set_elderly_mode(self.config.ui.elderly_mode)
        self.nav.home()

    def _recover_later(self) -> None:
        """Runs on the UI thread (a crash on another thread arrives queued); recovery itself
        waits for the next event-loop turn, out of the failing call's stack."""
        QTimer.singleShot(0, self, self.recover)

    def recover(self) -> None:
        """After an uncaught exception: wipe the visit and show the home screen again.

        A crash loop (the home screen itself failing) is not recovered forever: after
        ``CRASH_LIMIT`` crashes within ``CRASH_WINDOW_S`` the process exits with code 70 so the
        service manager restarts it from scratch."""
        now = time.monotonic()
        self._crashes = [t for t in self._crashes if now - t <= CRASH_WINDOW_S] + [now]
        if len(self._crashes) >= CRASH_LIMIT:
            log.critical("crash loop: giving up and exiting for a restart",
                         extra={"fields": {"crashes": len(self._crashes), "window_s": CRASH_WINDOW_S}})
            self.session.end("crash-loop")
            self.qapp.exit(CRASH_EXIT_CODE)
            return
        log.warning("recovering from a crash: session wiped, back to home")
        self.end_session("crash")

    def _on_technician_gesture(self) -> None:
        log.info("technician gesture")
        self.technicianGestureDetected.emit()

    # --- showing and closing ---------------------------------------------------------------
    def show(self) -> None:
        ui = self.config.ui
        if self.kiosk_mode:
            self.window.showFullScreen()
        else:
            self.window.resize(ui.width, ui.height)
            self.window.show()
        if self.config.devdock.enabled:
            QTimer.singleShot(BACKGROUND_START_DELAY_MS, self, self._install_devdock_shortcut)
        if self._staff_deferred:
            QTimer.singleShot(BACKGROUND_START_DELAY_MS, self._attach_staff)
        QTimer.singleShot(BACKGROUND_START_DELAY_MS, self.warm_up)
        if self._show_devdock:
            # A developer tool: built once the home screen is up and answering touches.
            QTimer.singleShot(DEVDOCK_DELAY_MS, self._show_devdock_now)

    def _install_devdock_shortcut(self) -> None:
        if self._devdock_shortcut is None and not self._closed:
            self._devdock_shortcut = QtGui.QShortcut(QtGui.QKeySequence("Ctrl+Shift+D"), self.window)
            self._devdock_shortcut.setContext(Qt.ShortcutContext.ApplicationShortcut)
            self._devdock_shortcut.activated.connect(self.toggle_devdock)

    def finish_screen_discovery(self) -> None:
        """Import every screen module not imported yet (idempotent, cheap once done)."""
        if self._pending_screen_modules:
            pending, self._pending_screen_modules = self._pending_screen_modules, []
            discover(pending)

    def warm_up(self) -> None:
        """Import the heavy, Qt-free parts of the journeys and load the catalogue on a worker
        thread; then import the remaining screen modules on the UI thread, one per turn (cheap
        by then). Without this the first card read stalled the UI for ~200 ms."""
        def run() -> None:
            store: Any = None
            try:
                import kiosk.catalogue.recommend
                import kiosk.journeys.controller
                import kiosk.journeys.engine  # noqa: F401
                from kiosk.catalogue.service import open_store

                store = open_store(self.config)
                store.load()
            except Exception:
                log.exception("warm-up failed; the catalogue loads on first use instead")
                store = None
            self.warmedUp.emit(store)

        threading.Thread(target=run, name="warm-up", daemon=True).start()

    def _on_warmed_up(self, store: Any) -> None:
        if self._closed:
            return
        if store is not None and getattr(self, "catalogue_store", None) is None:
            self.catalogue_store = store
        self._discover_next_screen_module()
        QTimer.singleShot(0, self._prepare_recommended_screen)

    def _prepare_recommended_screen(self) -> None:
        """Build the screen a card read leads to while the kiosk is idle, not at the read."""
        if self._closed:
            return
        self.finish_screen_discovery()
        screen = self.nav.screen("recommended")
        prepare = getattr(screen, "prepare_rows", None)
        if callable(prepare):
            prepare()

    def _discover_next_screen_module(self) -> None:
        """One deferred screen module per event-loop turn, so no single step stalls the UI."""
        if self._pending_screen_modules and not self._closed:
            discover([self._pending_screen_modules.pop(0)])
            QTimer.singleShot(0, self._discover_next_screen_module)

    def _show_devdock_now(self) -> None:
        if self.devdock is None and not self._closed:
            self.build_devdock().show()

    def build_devdock(self) -> Any:
        if self.devdock is None:
            from kiosk.devdock.dock import DevDock

            self.devdock = DevDock(self)
        return self.devdock

    def toggle_devdock(self) -> None:
        if self.config.devdock.enabled:
            self.build_devdock().toggle()

    def close(self) -> None:
        """Deliberate shutdown (tests, technician exit): the only way the window closes."""
        if self._closed:
            return
        self._closed = True
        if self.watchdog is not None:
            self.watchdog.stop()
        CATALOGUE.remove_listener(self._on_language)
        self.idle.stop()
        self._gc_timer.stop()
        self.qapp.removeEventFilter(self.idle)
        if self.staff is not None:
            self.staff.close()
        if self.key_guard is not None:
            self.qapp.removeEventFilter(self.key_guard)
        if self.keyboard_focus is not None:
            self.qapp.removeEventFilter(self.keyboard_focus)
        if self._devdock_shortcut is not None:
            self._devdock_shortcut.setEnabled(False)
            self._devdock_shortcut.deleteLater()
        if self.devdock is not None:
            self.devdock.close()
            self.devdock.deleteLater()
        self.window.allow_close = True
        self.window.close()
        self.window.deleteLater()
        dispatcher = getattr(self, "journey_dispatcher", None)
        if dispatcher is not None and hasattr(dispatcher, "shutdown"):
            dispatcher.shutdown(wait=False)  # a running effect finishes; its answer is dropped
        for device in getattr(self, "_wired", []):
            device.stop()
        self._wired = []
        if self._receipt_history is not None:
            self._receipt_history.clear()
        if self.services is not None:
            self.services.bridge.shutdown()
            self.services.stop()  # sync worker, queue, client, demo proxy and platform
            self.services = None


def _install_runtime(app: KioskApp, config: KioskConfig) -> None:
    from kiosk.logs import install_crash_handler, install_qt_message_handler

    install_qt_message_handler()
    install_crash_handler(on_crash=app.crashed.emit)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = parse_command_line(sys.argv[1:] if argv is None else argv)
    except UsageError as e:
        print(f"{USAGE.splitlines()[0]}\nkiosk: error: {e}", file=sys.stderr)
        return 2
    if args.help:
        print(USAGE, end="")
        return 0
    try:
        config = load_config(args.profile, args.config)
    except ConfigError as e:
        print(f"kiosk: configuration error\n{e}", file=sys.stderr)
        return 2
    if args.screenshot_tour is not None:
        from kiosk.tour import run_tour

        files = run_tour(args.screenshot_tour, config)
        print(f"{len(files)} screenshots in {args.screenshot_tour}")
        return 0

    from kiosk.logs import enable_log_rotation, setup_logging

    lc = config.logging
    log_file = setup_logging(config.path(config.paths.log_dir), lc.level, lc.max_bytes,
                             lc.backup_count, lc.also_stderr, rotate_later=True)
    configure_input_method(config)
    qapp = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    qapp.setApplicationName("gov-kiosk")
    # The audit log is configured by the staff feature (its only writer in the running app).
    app = KioskApp(config, kiosk_mode=config.ui.fullscreen and not args.windowed, defer_staff=True)
    _install_runtime(app, config)
    log.info("kiosk starting", extra={"fields": {
        "profile": config.profile, "terminal": config.terminal.id, "log": str(log_file),
        "kiosk_mode": app.kiosk_mode, "languages": list(LANGUAGES)}})
    app.show()
    QTimer.singleShot(BACKGROUND_START_DELAY_MS, enable_log_rotation)
    # Devices and services start on worker threads once the home screen is up and answering
    # touches (their imports would otherwise compete with the first frame for the GIL).
    QTimer.singleShot(BACKGROUND_START_DELAY_MS, app.start_devices)
    QTimer.singleShot(BACKGROUND_START_DELAY_MS, app.start_services)
    if args.exit_when_ready:
        # Benchmark: report once the event loop runs with the home screen painted, then quit.
        def ready() -> None:
            print(f"READY {time.perf_counter() - _T0:.4f}", flush=True)
            app.close()
            qapp.quit()

        QTimer.singleShot(1, ready)  # a timer: after the first paint (bench/bench_startup.py)
    code = qapp.exec()
    app.close()
    return int(code)


if __name__ == "__main__":
    raise SystemExit(main())
